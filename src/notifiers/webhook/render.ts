/**
 * Webhook rendering (pure): a notification message → the documented JSON event (readme.md,
 * `event-v1.schema.json`), at most `maxBytes` bytes a body. Strings are cleaned and bounded but not
 * escaped: JSON carries them safely, and receivers must escape them for wherever they show them.
 */
import type { EventType } from '../../core/case.js';
import type { CaseSnapshot, Notification, NotificationMessage, RenderContext, ReportSnapshot, RunSnapshot } from '../../core/notification.js';
import { MAX_LINK_LENGTH, nvdUrl, portalUrl, safeLink } from '../_shared/links.js';
import { packMessages } from '../_shared/split.js';
import { cleanText, truncate } from '../_shared/text.js';

export const WEBHOOK_SCHEMA_VERSION = 1;

/** One case in a webhook event. */
export interface WebhookCase {
  key: string;
  kind: string;
  vulnId: string;
  title: string;
  severity: string;
  cvss: number | null;
  state: string;
  events: EventType[];
  previousSeverity: string | null;
  triage: { status: string; owner: string | null; dueDate: string | null; overdue: boolean };
  openFindings: number;
  resources: Array<{ label: string; id: string; resourceGroup: string; portalUrl: string | null }>;
  resourceCount: number;
  links: { nvd: string | null; notion: string | null; source: string | null };
}

/** The body of one webhook request (see readme.md). */
export interface WebhookEvent {
  schemaVersion: 1;
  /** `vulnledger.changes` (a run) or `vulnledger.report` (`report --send`). */
  type: 'vulnledger.changes' | 'vulnledger.report';
  /** Unique per message: the same id is never delivered twice by vulnledger; receivers may dedupe on it. */
  id: string;
  /** When this request was sent (inside the signed body, so it cannot be altered: reject old ones). */
  sentAt: string;
  part: number;
  parts: number;
  run: RunSnapshot | null;
  report: ReportSnapshot | null;
  cases: WebhookCase[];
  /** Cases not sent because of the per-run message cap (last part only). */
  more: number;
  links: { dashboard: string | null };
}

function caseOut(c: CaseSnapshot, ctx: RenderContext): WebhookCase {
  return {
    key: truncate(cleanText(c.key), 300),
    kind: c.kind,
    vulnId: truncate(cleanText(c.vulnId), 200),
    title: truncate(cleanText(c.title), 1000),
    severity: c.severity,
    cvss: c.cvss !== null && Number.isFinite(c.cvss) ? c.cvss : null,
    state: c.state,
    events: [...c.events],
    previousSeverity: c.previousSeverity,
    triage: { status: c.status, owner: c.owner === null ? null : truncate(cleanText(c.owner), 200), dueDate: c.dueDate, overdue: c.overdue },
    openFindings: c.openFindings,
    resources: c.resources.map((r) => ({
      label: truncate(cleanText(r.label), 300),
      id: truncate(r.id, 1000),
      resourceGroup: truncate(cleanText(r.resourceGroup), 200),
      portalUrl: portalUrl(r.id),
    })),
    resourceCount: c.resourceCount,
    links: { nvd: nvdUrl(c.vulnId), notion: safeLink(ctx.caseLink(c.key)), source: safeLink(c.link) },
  };
}

/** Sources listed in an event's run (the run's own record has them all). */
const MAX_SOURCES = 20;

function runOut(run: RunSnapshot): RunSnapshot {
  return {
    ...run,
    // Bounded so a run summary always fits in the smallest allowed body.
    sources: run.sources.slice(0, MAX_SOURCES).map((s) => ({ name: truncate(cleanText(s.name), 100), status: s.status, error: s.error === null ? null : truncate(cleanText(s.error), 300) })),
  };
}

/** What the event needs besides the message: its id and send time. */
export interface WebhookEnvelope {
  id: string;
  sentAt: string;
}

/** Renders one message as a webhook event. */
export function renderWebhookEvent(message: NotificationMessage, ctx: RenderContext, envelope: WebhookEnvelope): WebhookEvent {
  return {
    schemaVersion: WEBHOOK_SCHEMA_VERSION,
    type: message.kind === 'changes' ? 'vulnledger.changes' : 'vulnledger.report',
    id: envelope.id,
    sentAt: envelope.sentAt,
    part: message.part,
    parts: message.parts,
    run: message.run ? runOut(message.run) : null,
    report: message.report,
    cases: message.cases.map((c) => caseOut(c, ctx)),
    more: message.more,
    links: { dashboard: safeLink(ctx.dashboardUrl) },
  };
}

const LONGEST_LINK = `https://www.notion.so/${'x'.repeat(MAX_LINK_LENGTH - 'https://www.notion.so/'.length)}`;
/** An id at least as long as any real one (`notify:<name>:<run or report id>:<part>`). */
const LONGEST_ID = 'x'.repeat(200);

/** Splits a notification into webhook events of at most `maxBytes` bytes each. */
export function splitWebhookNotification(notification: Notification, ctx: RenderContext, options: { maxBytes: number; maxMessages: number | null }): NotificationMessage[] {
  const measureCtx: RenderContext = { ...ctx, caseLink: () => LONGEST_LINK };
  const envelope = { id: LONGEST_ID, sentAt: '2000-01-01T00:00:00.000Z' };
  return packMessages(notification, {
    head: 'inline',
    maxMessages: options.maxMessages,
    maxCasesPerMessage: 1000,
    size: (message) => Buffer.byteLength(JSON.stringify(renderWebhookEvent(message, measureCtx, envelope)), 'utf8'),
    limit: options.maxBytes,
  });
}
