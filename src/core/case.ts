import { isoDate } from './clock.js';
import type { CaseEpss, CaseKev } from './enrichment.js';
import type { CaseKind } from './identity.js';
import { compareSeverityDesc, severityRank, type Severity } from './severity.js';
import { slaDueDate, type SlaNotice, type SlaPolicy } from './sla.js';
import {
  acceptanceCovers,
  CLOSED_STATUSES,
  initialTriage,
  type Evidence,
  type FieldChange,
  type Triage,
} from './triage.js';

/** Lifecycle state of a case (machine-owned): open while any finding is open. */
export type CaseState = 'open' | 'resolved' | 'reopened';
export const CASE_STATES: readonly CaseState[] = ['open', 'resolved', 'reopened'];

/** What names and rates a case: shared by the record, a run's aggregate and a notification's snapshot. */
export interface CaseFacts {
  key: string;
  kind: CaseKind;
  /** The CVE or rule id the case is about. */
  vulnId: string;
  title: string;
  severity: Severity;
  cvss: number | null;
}

/** The tracked response record: what a person triages and what becomes one Notion page. */
export interface CaseRecord extends CaseFacts {
  state: CaseState;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  reopenedAt: string | null;
  openFindings: number;
  totalFindings: number;
  slaNotice: SlaNotice;
  triage: Triage;
  /** CISA KEV membership (loaded with the case; written only by the enrichment step). */
  kev?: CaseKev | null;
  /** FIRST EPSS score (loaded with the case; written only by the enrichment step). */
  epss?: CaseEpss | null;
}

/** What the findings of a case add up to after a run (computed by the store from finding rows). */
export interface CaseAggregate extends CaseFacts {
  /** Most severe open finding; if none is open, most severe finding. */
  severity: Severity;
  openFindings: number;
  totalFindings: number;
  firstSeen: string;
  lastSeen: string;
}

/** Every case event vulnledger emits. */
export type EventType =
  | 'case.new'
  | 'case.reopened'
  | 'case.resolved'
  | 'case.worsened'
  | 'sla.due_soon'
  | 'sla.breached'
  | 'acceptance.expired'
  | 'advisory.new';

export const EVENT_TYPES: readonly EventType[] = [
  'case.new',
  'case.reopened',
  'case.resolved',
  'case.worsened',
  'sla.due_soon',
  'sla.breached',
  'acceptance.expired',
  'advisory.new',
];

/** One thing that happened to a case in a run. */
export interface LedgerEvent {
  type: EventType;
  caseKey: string;
  at: string;
  /** Why, in machine-readable form (e.g. `{ from: 'Medium', to: 'High' }` for a worsened case). */
  details: Record<string, string | number | boolean | null>;
}

/** The actor name vulnledger uses for its own changes in history and evidence. */
export const SYSTEM_ACTOR = 'vulnledger';

/** Context a case update needs: the time, the run, the policy and which sources stopped reporting it. */
export interface CaseUpdateContext {
  now: Date;
  runId: string;
  sla: SlaPolicy;
  /** Names of the sources whose findings resolved in this run (for the system evidence entry). */
  resolvingSources: string[];
}

/** The planned new state of a case, with the events, history and evidence that explain it. */
export interface CaseUpdate {
  after: CaseRecord;
  events: LedgerEvent[];
  changes: FieldChange[];
  evidence: Evidence[];
}

function dueFromPolicy(severity: Severity, start: string, sla: SlaPolicy, kevSince: string | null = null): string | null {
  return slaDueDate(severity, start, sla, kevSince);
}

/**
 * Decides how a case changes given its stored record (undefined for a new case) and the fresh
 * aggregate of its findings. Pure. Implements the rules of DESIGN §2:
 * - all findings resolved → case resolved; triage → `fixed` with a system evidence entry,
 *   unless a person already closed it;
 * - a finding reappears → case reopened; triage → `triaging` unless an unexpired risk acceptance
 *   or a false-positive verdict covers it;
 * - severity rising on an open case → `case.worsened`; the SLA due date follows the severity
 *   unless a person set it.
 */
export function planCaseUpdate(before: CaseRecord | undefined, agg: CaseAggregate, ctx: CaseUpdateContext): CaseUpdate {
  const at = ctx.now.toISOString();
  const today = isoDate(ctx.now);
  const events: LedgerEvent[] = [];
  const changes: FieldChange[] = [];
  const evidence: Evidence[] = [];
  const isOpen = agg.openFindings > 0;

  if (!before) {
    const due = dueFromPolicy(agg.severity, agg.firstSeen, ctx.sla);
    const after: CaseRecord = {
      key: agg.key,
      kind: agg.kind,
      vulnId: agg.vulnId,
      title: agg.title,
      severity: agg.severity,
      cvss: agg.cvss,
      state: isOpen ? 'open' : 'resolved',
      firstSeen: agg.firstSeen,
      lastSeen: agg.lastSeen,
      resolvedAt: isOpen ? null : at,
      reopenedAt: null,
      openFindings: agg.openFindings,
      totalFindings: agg.totalFindings,
      slaNotice: 'none',
      triage: initialTriage(due),
    };
    changes.push({ field: 'state', oldValue: null, newValue: after.state });
    events.push({ type: 'case.new', caseKey: agg.key, at, details: { severity: agg.severity, findings: agg.openFindings } });
    return { after, events, changes, evidence };
  }

  const after: CaseRecord = {
    ...before,
    title: before.title || agg.title,
    severity: agg.severity,
    cvss: agg.cvss,
    firstSeen: before.firstSeen < agg.firstSeen ? before.firstSeen : agg.firstSeen,
    lastSeen: agg.lastSeen,
    openFindings: agg.openFindings,
    totalFindings: agg.totalFindings,
    triage: { ...before.triage, evidence: [...before.triage.evidence] },
  };
  const wasOpen = before.state !== 'resolved';
  const setTriageStatus = (status: Triage['status']): void => {
    if (after.triage.status === status) return;
    changes.push({ field: 'triage.status', oldValue: after.triage.status, newValue: status });
    after.triage.status = status;
  };

  if (wasOpen && !isOpen) {
    after.state = 'resolved';
    after.resolvedAt = at;
    changes.push({ field: 'state', oldValue: before.state, newValue: 'resolved' });
    events.push({ type: 'case.resolved', caseKey: agg.key, at, details: { severity: agg.severity } });
    if (!CLOSED_STATUSES.has(after.triage.status)) {
      setTriageStatus('fixed');
      const sources = ctx.resolvingSources.length > 0 ? ctx.resolvingSources.join(', ') : 'its sources';
      const note: Evidence = {
        at,
        author: SYSTEM_ACTOR,
        text: `No longer reported by ${sources} as of ${today} (run ${ctx.runId}).`,
        kind: 'system',
      };
      after.triage.evidence.push(note);
      evidence.push(note);
      changes.push({ field: 'triage.evidence', oldValue: null, newValue: note.text });
    }
  } else if (!wasOpen && isOpen) {
    after.state = 'reopened';
    after.reopenedAt = at;
    after.resolvedAt = null;
    after.slaNotice = 'none';
    changes.push({ field: 'state', oldValue: before.state, newValue: 'reopened' });
    events.push({ type: 'case.reopened', caseKey: agg.key, at, details: { severity: agg.severity, findings: agg.openFindings } });
    const covered = acceptanceCovers(after.triage, today) || after.triage.status === 'false_positive';
    if (!covered) setTriageStatus('triaging');
    if (ctx.sla.restartOnReopen && after.triage.dueDateSource === 'sla') {
      setDue(after, dueFromPolicy(agg.severity, at, ctx.sla, after.kev?.since ?? null), changes);
    }
  }

  if (before.severity !== agg.severity) {
    changes.push({ field: 'severity', oldValue: before.severity, newValue: agg.severity });
    if (isOpen && wasOpen && severityRank(agg.severity) > severityRank(before.severity)) {
      events.push({ type: 'case.worsened', caseKey: agg.key, at, details: { reason: 'severity', from: before.severity, to: agg.severity } });
    }
    if (after.triage.dueDateSource === 'sla') {
      const start = ctx.sla.restartOnReopen && after.reopenedAt ? after.reopenedAt : after.firstSeen;
      setDue(after, dueFromPolicy(agg.severity, start, ctx.sla, after.kev?.since ?? null), changes);
    }
  }
  if (before.openFindings !== agg.openFindings) {
    changes.push({ field: 'findings.open', oldValue: String(before.openFindings), newValue: String(agg.openFindings) });
  }
  return { after, events, changes, evidence };
}

function setDue(record: CaseRecord, due: string | null, changes: FieldChange[]): void {
  if (record.triage.dueDate === due) return;
  changes.push({ field: 'triage.dueDate', oldValue: record.triage.dueDate, newValue: due });
  record.triage.dueDate = due;
  record.slaNotice = 'none';
}

/** Sort order for listings: most severe first, then open before resolved, then key. */
export function compareCases(a: Pick<CaseRecord, 'severity' | 'key' | 'state'>, b: Pick<CaseRecord, 'severity' | 'key' | 'state'>): number {
  const bySeverity = compareSeverityDesc(a.severity, b.severity);
  if (bySeverity !== 0) return bySeverity;
  const openA = a.state === 'resolved' ? 1 : 0;
  const openB = b.state === 'resolved' ? 1 : 0;
  if (openA !== openB) return openA - openB;
  return a.key.localeCompare(b.key);
}
