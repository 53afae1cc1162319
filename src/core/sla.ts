import { addDays } from './clock.js';
import type { Severity, SeverityThreshold } from './severity.js';
import { CLOSED_STATUSES, type Triage } from './triage.js';

/** Days to respond per severity, and when to warn. */
export interface SlaPolicy {
  days: Record<SeverityThreshold, number>;
  /** A case is "due soon" this many days before its due date. */
  dueSoonDays: number;
  /** Restart the clock from the reopen date when a resolved case comes back. */
  restartOnReopen: boolean;
  /**
   * KEV rule: a case in CISA KEV is due this many days after it entered KEV (or was first seen,
   * whichever is later), whatever its severity, when that is earlier. null/absent = no rule.
   */
  kevDays?: number | null;
}

export const DEFAULT_SLA: SlaPolicy = {
  days: { Critical: 7, High: 30, Medium: 90, Low: 180 },
  dueSoonDays: 3,
  restartOnReopen: false,
  kevDays: 7,
};

/**
 * Due date = start + days for the severity; `Unknown` severity has no SLA. With `kevSince` (the case
 * is in KEV) and `policy.kevDays`, the KEV due date (`kevDays` after the later of start and
 * kevSince) applies when it is earlier — for any severity.
 */
export function slaDueDate(severity: Severity, start: string, policy: SlaPolicy, kevSince: string | null = null): string | null {
  const bySeverity = severity === 'Unknown' ? null : addDays(start.slice(0, 10), policy.days[severity]);
  if (kevSince === null || policy.kevDays === null || policy.kevDays === undefined) return bySeverity;
  const from = kevSince.slice(0, 10) > start.slice(0, 10) ? kevSince : start;
  const byKev = addDays(from.slice(0, 10), policy.kevDays);
  return bySeverity === null || byKev < bySeverity ? byKev : bySeverity;
}

/** Where a case stands against its due date. */
export type SlaStatus = 'none' | 'ok' | 'due_soon' | 'breached';

/** Which SLA notice has been sent for a case, so each fires once. */
export type SlaNotice = 'none' | 'due_soon' | 'breached';

/**
 * The SLA status of an open case on `today`. A case someone closed (fixed, accepted, false
 * positive, not affected) or already responded to has no running SLA.
 */
export function slaStatus(
  triage: Pick<Triage, 'status' | 'dueDate' | 'respondedAt'>,
  caseOpen: boolean,
  today: string,
  policy: Pick<SlaPolicy, 'dueSoonDays'>,
): SlaStatus {
  if (!caseOpen || triage.dueDate === null) return 'none';
  if (CLOSED_STATUSES.has(triage.status) || triage.respondedAt !== null) return 'none';
  if (triage.dueDate < today) return 'breached';
  if (triage.dueDate <= addDays(today, policy.dueSoonDays)) return 'due_soon';
  return 'ok';
}

/** True when the case is open, unresolved by a person, unanswered and past its due date. */
export function isOverdue(
  triage: Pick<Triage, 'status' | 'dueDate' | 'respondedAt'>,
  caseOpen: boolean,
  today: string,
): boolean {
  return slaStatus(triage, caseOpen, today, { dueSoonDays: 0 }) === 'breached';
}

/**
 * Which SLA event to emit, given the notice already sent. Each notice fires once per due date;
 * the caller resets the notice when the due date changes.
 */
export function slaTransition(status: SlaStatus, sent: SlaNotice): { event: 'sla.due_soon' | 'sla.breached' | null; notice: SlaNotice } {
  if (status === 'breached') {
    return sent === 'breached' ? { event: null, notice: sent } : { event: 'sla.breached', notice: 'breached' };
  }
  if (status === 'due_soon') {
    return sent === 'none' ? { event: 'sla.due_soon', notice: 'due_soon' } : { event: null, notice: sent };
  }
  return { event: null, notice: sent };
}
