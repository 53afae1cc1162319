/**
 * The zod schema of a notification message as stored in the outbox (an edge: the database may hold
 * entries written by an older version). Delivery validates every payload before rendering it.
 */
import { z } from 'zod';
import { CASE_STATES, EVENT_TYPES, type CaseState, type EventType } from '../core/case.js';
import { CASE_KINDS, type CaseKind } from '../core/identity.js';
import type { NotificationMessage } from '../core/notification.js';
import { SEVERITIES, SEVERITY_THRESHOLDS, type Severity, type SeverityThreshold } from '../core/severity.js';
import { TRIAGE_STATUSES, type TriageStatus } from '../core/triage.js';

const Severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);
const Counts = z.object({ Critical: z.number(), High: z.number(), Medium: z.number(), Low: z.number(), Unknown: z.number() });
const Event = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

const CaseSnapshot = z.object({
  key: z.string(),
  kind: z.enum(CASE_KINDS as [CaseKind, ...CaseKind[]]),
  vulnId: z.string(),
  title: z.string(),
  severity: Severity,
  cvss: z.number().nullable(),
  state: z.enum(CASE_STATES as [CaseState, ...CaseState[]]),
  status: z.enum(TRIAGE_STATUSES as [TriageStatus, ...TriageStatus[]]),
  owner: z.string().nullable(),
  dueDate: z.string().nullable(),
  overdue: z.boolean(),
  openFindings: z.number(),
  resources: z.array(z.object({ label: z.string(), id: z.string(), resourceGroup: z.string() })),
  resourceCount: z.number(),
  link: z.string().nullable(),
  events: z.array(Event),
  previousSeverity: Severity.nullable(),
});

const RunSnapshot = z.object({
  id: z.string(),
  at: z.string(),
  status: z.enum(['running', 'ok', 'partial', 'failed']),
  sources: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'partial', 'failed']), error: z.string().nullable() })),
  counts: z.partialRecord(Event, Counts),
  open: Counts,
  overdue: Counts,
});

const ReportSnapshot = z.object({
  id: z.string(),
  at: z.string(),
  minSeverity: z.enum(SEVERITY_THRESHOLDS as [SeverityThreshold, ...SeverityThreshold[]]),
  open: Counts,
  overdue: Counts,
});

export const NotificationMessageSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['changes', 'report']),
  part: z.number().int().min(1),
  parts: z.number().int().min(1),
  run: RunSnapshot.nullable(),
  report: ReportSnapshot.nullable(),
  cases: z.array(CaseSnapshot),
  more: z.number().int().min(0),
});

/** Reads a stored payload; throws a readable error when it is not a notification message. */
export function parseNotificationMessage(payload: unknown): NotificationMessage {
  const result = NotificationMessageSchema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(`not a notification message (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'})`);
  }
  return result.data as NotificationMessage;
}
