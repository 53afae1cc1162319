/**
 * Planning notifications (issue 5). Inside the run transaction, each notifier's planner picks the
 * events it routes (event types, severity threshold, case kinds), snapshots the cases they concern
 * (resources, triage status, due date, overdue flag), and splits the notification into messages
 * within its platform's limits: one outbox entry per message, each with an idempotency key. The
 * weekly list (`report --send`) is planned the same way. Nothing here talks to a platform.
 */
import { randomBytes } from 'node:crypto';
import type { CaseRecord, EventType, LedgerEvent } from '../core/case.js';
import { isoDate } from '../core/clock.js';
import type { StoredFinding } from '../core/finding.js';
import type { CaseKind } from '../core/identity.js';
import type { Messages } from '../core/i18n.js';
import {
  compareChangedCases,
  compareReportCases,
  emptySeverityCounts,
  EVENT_PRIORITY,
  MAX_SNAPSHOT_RESOURCES,
  type CaseSnapshot,
  type Notification,
  type NotificationMessage,
  type Notifier,
  type NotifierRouting,
  type RenderContext,
  type ResourceSnapshot,
  type RunSnapshot,
  type SeverityCounts,
} from '../core/notification.js';
import type { LedgerReader, OutboxEntry } from '../core/ports.js';
import { meetsThreshold, SEVERITY_THRESHOLDS, severityRank, type Severity, type SeverityThreshold } from '../core/severity.js';
import { isOverdue } from '../core/sla.js';
import type { OutboxPlanInput, OutboxPlanner } from './run.js';

/** The resource a finding is on, as a person recognises it. */
export function resourceOf(f: StoredFinding): ResourceSnapshot {
  let label: string;
  switch (f.kind) {
    case 'registryImage':
      label = f.repository ?? f.assetKey;
      break;
    case 'runningContainer':
      // The workload key is the cluster id plus namespace/controller/container: show the cluster by name.
      label = f.resource.id && f.assetKey.startsWith(f.resource.id) ? `${f.resource.name}${f.assetKey.slice(f.resource.id.length)}` : f.assetKey;
      break;
    case 'sql':
      label = `${f.server ?? '?'} / ${f.database ?? '?'}`;
      break;
    default:
      label = f.resource.name || f.assetKey;
  }
  return { label, id: f.resource.id, resourceGroup: f.resource.resourceGroup };
}

/** A case as notifications show it: open resources (all once resolved), triage, due date, overdue flag. */
export function snapshotCase(record: CaseRecord, findings: readonly StoredFinding[], today: string, events: readonly LedgerEvent[] = []): CaseSnapshot {
  const open = record.state !== 'resolved';
  const relevant = open ? findings.filter((f) => f.state === 'open') : findings;
  const resources = new Map<string, ResourceSnapshot>();
  for (const f of relevant.length > 0 ? relevant : findings) {
    const r = resourceOf(f);
    const key = `${r.label}\u0000${r.id}`;
    if (!resources.has(key)) resources.set(key, r);
  }
  const all = [...resources.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const types = [...new Set(events.map((e) => e.type))].sort((a, b) => EVENT_PRIORITY.indexOf(a) - EVENT_PRIORITY.indexOf(b));
  const worsened = events.find((e) => e.type === 'case.worsened');
  const from = worsened?.details.from;
  const link = record.kind === 'advisory' ? (findings.flatMap((f) => f.references).find((u) => /^https?:\/\//i.test(u)) ?? null) : null;
  return {
    key: record.key,
    kind: record.kind,
    vulnId: record.vulnId,
    title: record.title,
    severity: record.severity,
    cvss: record.cvss,
    state: record.state,
    status: record.triage.status,
    owner: record.triage.owner,
    dueDate: record.triage.dueDate,
    overdue: isOverdue(record.triage, open, today),
    openFindings: record.openFindings,
    resources: all.slice(0, MAX_SNAPSHOT_RESOURCES),
    resourceCount: all.length,
    link,
    events: types,
    previousSeverity: typeof from === 'string' && isSeverity(from) ? from : null,
  };
}

function isSeverity(value: string): value is Severity {
  return value === 'Critical' || value === 'High' || value === 'Medium' || value === 'Low' || value === 'Unknown';
}

/**
 * Whether a channel follows a case: its kind, and its severity at or above the threshold. Advisories
 * often carry no severity; an advisory of `Unknown` severity is followed (route them away with `kinds` or `events`).
 */
export function followsCase(routing: Pick<NotifierRouting, 'minSeverity' | 'kinds'>, record: Pick<CaseRecord, 'kind' | 'severity'>): boolean {
  if (routing.kinds && !routing.kinds.includes(record.kind)) return false;
  if (record.kind === 'advisory' && record.severity === 'Unknown') return true;
  return meetsThreshold(record.severity, routing.minSeverity);
}

/** Open cases a channel follows, as snapshots, most severe first. */
async function openSnapshots(reader: LedgerReader, routing: Pick<NotifierRouting, 'minSeverity' | 'kinds'>, today: string, findingsOf: FindingsLoader): Promise<CaseSnapshot[]> {
  const minSeverity: SeverityThreshold = routing.minSeverity;
  const severities = [...SEVERITY_THRESHOLDS.filter((s) => severityRank(s) >= severityRank(minSeverity)), 'Unknown' as const];
  const records = await reader.listCases({ state: ['open', 'reopened'], severity: severities, ...(routing.kinds ? { kind: [...routing.kinds] } : {}) });
  const out: CaseSnapshot[] = [];
  for (const record of records) {
    if (!followsCase(routing, record)) continue;
    out.push(snapshotCase(record, await findingsOf(record.key), today));
  }
  return out.sort(compareReportCases);
}

/** Counts of open cases per severity, and of those overdue. */
function countOpen(cases: readonly CaseSnapshot[]): { open: SeverityCounts; overdue: SeverityCounts } {
  const open = emptySeverityCounts();
  const overdue = emptySeverityCounts();
  for (const c of cases) {
    open[c.severity]++;
    if (c.overdue) overdue[c.severity]++;
  }
  return { open, overdue };
}

type FindingsLoader = (caseKey: string) => Promise<StoredFinding[]>;

/** Loads each case's findings once per reader (several channels snapshot the same cases). */
function findingsLoader(reader: LedgerReader): FindingsLoader {
  const cache = new Map<string, Promise<StoredFinding[]>>();
  return (key) => {
    let hit = cache.get(key);
    if (!hit) {
      hit = reader.findingsOfCase(key);
      cache.set(key, hit);
    }
    return hit;
  };
}

/** A short random outbox entry id (what `outbox --drop <id>` takes). */
export function newOutboxId(): string {
  return randomBytes(5).toString('hex');
}

/** One outbox entry per message; later parts follow the first (Slack threads under its `ts`). */
export function messagesToEntries(notifier: Pick<Notifier, 'channel'>, messages: readonly NotificationMessage[], scope: { key: string; runId: string | null; at: string }): OutboxEntry[] {
  const ids = messages.map(() => newOutboxId());
  return messages.map((message, index) => ({
    id: ids[index]!,
    idempotencyKey: `${notifier.channel}:${scope.key}:${message.part}`,
    channel: notifier.channel,
    payload: message,
    runId: scope.runId,
    createdAt: scope.at,
    dependsOn: index === 0 ? null : ids[0]!,
    seq: index,
  }));
}

/** What splitting renders with (each channel measures with every link at its longest). */
function planningContext(notifier: Notifier, messages: Messages): RenderContext {
  return { messages, dashboardUrl: notifier.dashboardUrl, caseLink: () => null };
}

/** The events a channel routes, in the run's order. */
export function selectEvents(routing: NotifierRouting, events: readonly LedgerEvent[], cases: ReadonlyMap<string, CaseRecord>): LedgerEvent[] {
  return events.filter((e) => {
    if (!routing.events.includes(e.type)) return false;
    const record = cases.get(e.caseKey);
    return record !== undefined && followsCase(routing, record);
  });
}

/** Plans one channel's messages for a run, or none when the run is unchanged and healthy and the channel is quiet. */
async function planRun(notifier: Notifier, input: OutboxPlanInput, messages: Messages, findingsOf: FindingsLoader): Promise<OutboxEntry[]> {
  const routing = notifier.routing;
  const selected = selectEvents(routing, input.events, input.cases);
  if (selected.length === 0 && routing.quietWhenUnchanged && input.status === 'ok') return [];

  const today = isoDate(new Date(input.at));
  const byCase = new Map<string, LedgerEvent[]>();
  for (const e of selected) byCase.set(e.caseKey, [...(byCase.get(e.caseKey) ?? []), e]);
  const counts: Partial<Record<EventType, SeverityCounts>> = {};
  for (const e of selected) {
    const record = input.cases.get(e.caseKey)!;
    const c = (counts[e.type] ??= emptySeverityCounts());
    c[record.severity]++;
  }
  const cases: CaseSnapshot[] = [];
  for (const [key, events] of byCase) cases.push(snapshotCase(input.cases.get(key)!, await findingsOf(key), today, events));
  cases.sort(compareChangedCases);

  // Counting needs no resources: no findings are read for the open cases.
  const { open, overdue } = countOpen(await openSnapshots(input.reader, routing, today, async () => []));
  const run: RunSnapshot = {
    id: input.runId,
    at: input.at,
    status: input.status,
    sources: input.sources.map((s) => ({ name: s.source, status: s.status, error: s.error })),
    counts,
    open,
    overdue,
  };
  const notification: Notification = { kind: 'changes', run, cases };
  return messagesToEntries(notifier, notifier.split(notification, planningContext(notifier, messages)), { key: input.runId, runId: input.runId, at: input.at });
}

/**
 * One outbox planner per notifier (wired by the composition root into `runLedger`). Planners of one
 * run share a findings cache, so several channels snapshot a case with one read.
 */
export function notificationPlanners(notifiers: readonly Notifier[], options: { messages: Messages }): OutboxPlanner[] {
  let current: { runId: string; reader: LedgerReader; load: FindingsLoader } | null = null;
  const loaderFor = (input: OutboxPlanInput): FindingsLoader => {
    if (!current || current.runId !== input.runId || current.reader !== input.reader) {
      current = { runId: input.runId, reader: input.reader, load: findingsLoader(input.reader) };
    }
    return current.load;
  };
  return notifiers.map((notifier) => ({
    channel: notifier.channel,
    plan: (input: OutboxPlanInput) => planRun(notifier, input, options.messages, loaderFor(input)),
  }));
}

/** The weekly list for one threshold: every open case it follows, with counts. */
export interface ReportData {
  id: string;
  at: string;
  minSeverity: SeverityThreshold;
  kinds: readonly CaseKind[] | null;
  cases: CaseSnapshot[];
  open: SeverityCounts;
  overdue: SeverityCounts;
}

/** Gathers the weekly list: every open case at or above `minSeverity` (and of `kinds`), with resources. */
export async function gatherReport(reader: LedgerReader, options: { id: string; at: string; minSeverity: SeverityThreshold; kinds?: readonly CaseKind[] | null }): Promise<ReportData> {
  const today = isoDate(new Date(options.at));
  const kinds = options.kinds ?? null;
  const cases = await openSnapshots(reader, { minSeverity: options.minSeverity, kinds }, today, findingsLoader(reader));
  return { id: options.id, at: options.at, minSeverity: options.minSeverity, kinds, cases, ...countOpen(cases) };
}

/**
 * Plans `report --send`: for each notifier that takes reports, the full list of open cases it
 * follows, in as many messages as its limits require (never capped). Keyed by the report id, so one
 * invocation is delivered at most once per message.
 */
export async function planReport(reader: LedgerReader, notifiers: readonly Notifier[], options: { id: string; at: string; messages: Messages }): Promise<OutboxEntry[]> {
  const load = findingsLoader(reader);
  const today = isoDate(new Date(options.at));
  const entries: OutboxEntry[] = [];
  for (const notifier of notifiers) {
    if (!notifier.routing.report) continue;
    const cases = await openSnapshots(reader, notifier.routing, today, load);
    const notification: Notification = {
      kind: 'report',
      report: { id: options.id, at: options.at, minSeverity: notifier.routing.minSeverity, ...countOpen(cases) },
      cases,
    };
    entries.push(...messagesToEntries(notifier, notifier.split(notification, planningContext(notifier, options.messages)), { key: options.id, runId: null, at: options.at }));
  }
  return entries;
}
