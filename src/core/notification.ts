/**
 * Notifications: what a run (or a `report --send`) tells a channel, as plain data. A run's
 * planner snapshots the cases it is about (with resources, triage status, due date, overdue flag)
 * into the outbox; a notifier splits a notification into messages within its platform's limits
 * (one outbox entry per message) and renders each message when it delivers it.
 */
import type { CaseFacts, CaseState, EventType } from './case.js';
import type { CaseKind } from './identity.js';
import type { Messages } from './i18n.js';
import type { RunStatus, SourceStatus } from './ports.js';
import { severityRank, type Severity, type SeverityThreshold } from './severity.js';
import type { TriageStatus } from './triage.js';

/** A resource a case is on, as a person recognises it, with what a portal link needs. */
export interface ResourceSnapshot {
  /** Repository, machine name, `server / database`, or workload. */
  label: string;
  /** ARM id (lower-cased) for an Azure portal link; empty when there is none. */
  id: string;
  resourceGroup: string;
}

/** A case as a notification shows it, frozen when the notification was planned. */
export interface CaseSnapshot extends CaseFacts {
  state: CaseState;
  status: TriageStatus;
  owner: string | null;
  dueDate: string | null;
  overdue: boolean;
  openFindings: number;
  /** Resources with open findings (all resources once resolved), at most {@link MAX_SNAPSHOT_RESOURCES}. */
  resources: ResourceSnapshot[];
  /** How many resources there are in all (more than `resources.length` when capped). */
  resourceCount: number;
  /** A source link for advisories (the item's own page); null otherwise. */
  link: string | null;
  /** What happened to the case in the run, most important first; empty in a report. */
  events: EventType[];
  /** For `case.worsened`: the severity before. */
  previousSeverity: Severity | null;
}

/** Resources kept per case snapshot; the count says how many more there are. */
export const MAX_SNAPSHOT_RESOURCES = 25;

/** Counts per severity. */
export type SeverityCounts = Record<Severity, number>;

export function emptySeverityCounts(): SeverityCounts {
  return { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
}

/** A run as its summary message shows it. */
export interface RunSnapshot {
  id: string;
  at: string;
  status: RunStatus;
  sources: Array<{ name: string; status: SourceStatus; error: string | null }>;
  /** This channel's events per type and severity (only types with events). */
  counts: Partial<Record<EventType, SeverityCounts>>;
  /** Open cases this channel follows (its severity threshold and kinds), per severity. */
  open: SeverityCounts;
  /** Of those, the ones past their due date. */
  overdue: SeverityCounts;
}

/** The weekly list's header. */
export interface ReportSnapshot {
  id: string;
  at: string;
  minSeverity: SeverityThreshold;
  open: SeverityCounts;
  overdue: SeverityCounts;
}

/** What a channel is told: a run's changes, or the full list of open cases. */
export type Notification =
  | { kind: 'changes'; run: RunSnapshot; cases: CaseSnapshot[] }
  | { kind: 'report'; report: ReportSnapshot; cases: CaseSnapshot[] };

/**
 * One message of a notification, as stored in the outbox. The first message (`part` 1) carries the
 * summary (and, on channels without threads, the first cases); later ones carry more cases.
 */
export interface NotificationMessage {
  v: 1;
  kind: Notification['kind'];
  /** 1-based position and count of this notification's messages. */
  part: number;
  parts: number;
  run: RunSnapshot | null;
  report: ReportSnapshot | null;
  cases: CaseSnapshot[];
  /** Cases left out after this (the last) message because of the per-run message cap. */
  more: number;
}

/** Who a notifier tells what. */
export interface NotifierRouting {
  events: readonly EventType[];
  minSeverity: SeverityThreshold;
  /** Case kinds this channel follows; null = all. */
  kinds: readonly CaseKind[] | null;
  /** An unchanged, healthy run sends nothing. */
  quietWhenUnchanged: boolean;
  /** Messages a run may send to this channel; the rest is summed up as "…and N more". */
  maxMessagesPerRun: number;
  /** Include this channel in `report --send`. */
  report: boolean;
  /** Link cases to their Notion page when one exists. */
  notionLinks: boolean;
}

/** What rendering needs besides the message: language and links. */
export interface RenderContext {
  messages: Messages;
  /** Where "see all" points (the configured dashboard), or null. */
  dashboardUrl: string | null;
  /** The Notion page of a case, when one exists (and the channel links to Notion). */
  caseLink: (caseKey: string) => string | null;
}

/** The outcome of sending one message. `retryAfterMs` is what the platform asked for (429). */
export type SendResult =
  | { ok: true; ref: string | null }
  | { ok: false; retryable: boolean; error: string; retryAfterMs: number | null };

/** What a notifier gets when it sends one message. */
export interface SendContext {
  render: RenderContext;
  /** Unique per message; sent where the platform can use it (webhook header). */
  idempotencyKey: string;
  /** The ref of the message this one follows (a Slack summary's `ts`), or null. */
  parentRef: string | null;
  signal: AbortSignal;
  now: Date;
}

/**
 * A configured notification channel (Slack, Teams, webhook). Split and render are pure; `send`
 * talks to the platform with a timeout and bounded retries and never throws for a platform failure.
 */
export interface Notifier {
  readonly name: string;
  readonly type: string;
  /** Outbox channel: `notify:<name>`. */
  readonly channel: string;
  readonly routing: NotifierRouting;
  /** Pause between two messages to this channel (platform pacing), in ms. */
  readonly minIntervalMs: number;
  /** The configured dashboard link ("see all", "Open dashboard"), or null. */
  readonly dashboardUrl: string | null;
  /** Splits a notification into messages that each render within the platform's limits. */
  split(notification: Notification, render: RenderContext): NotificationMessage[];
  send(message: NotificationMessage, ctx: SendContext): Promise<SendResult>;
}

/**
 * Looks up the Notion page of cases (the Notion mirror keeps page ids). Optional: without it, or
 * for a case without a page, messages carry no Notion link.
 */
export type CaseLinkLookup = (caseKeys: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** The outbox channel of a notifier name. */
export function notifierChannel(name: string): string {
  return `notify:${name}`;
}

/** The order in which a case's events are told (and by which details are grouped). */
export const EVENT_PRIORITY: readonly EventType[] = [
  'case.new',
  'advisory.new',
  'case.reopened',
  'case.worsened',
  'sla.breached',
  'sla.due_soon',
  'acceptance.expired',
  'case.resolved',
];

/** Sorts cases for a changes message: by their first event, then most severe, then key. */
export function compareChangedCases(a: CaseSnapshot, b: CaseSnapshot): number {
  const pa = a.events.length > 0 ? EVENT_PRIORITY.indexOf(a.events[0]!) : EVENT_PRIORITY.length;
  const pb = b.events.length > 0 ? EVENT_PRIORITY.indexOf(b.events[0]!) : EVENT_PRIORITY.length;
  if (pa !== pb) return pa - pb;
  return compareReportCases(a, b);
}

/** Sorts cases for the weekly list: most severe first; within a severity overdue first, then by due date, then key. */
export function compareReportCases(a: CaseSnapshot, b: CaseSnapshot): number {
  const bySeverity = severityRank(b.severity) - severityRank(a.severity);
  if (bySeverity !== 0) return bySeverity;
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  const da = a.dueDate ?? '9999-12-31';
  const db = b.dueDate ?? '9999-12-31';
  if (da !== db) return da < db ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
