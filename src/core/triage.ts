import { isoDate } from './clock.js';

/** Triage status of a case (human-owned). */
export type TriageStatus =
  | 'new'
  | 'triaging'
  | 'in_progress'
  | 'risk_accepted'
  | 'false_positive'
  | 'not_affected'
  | 'fixed';

export const TRIAGE_STATUSES: readonly TriageStatus[] = [
  'new',
  'triaging',
  'in_progress',
  'risk_accepted',
  'false_positive',
  'not_affected',
  'fixed',
];

/** Whether a response is required (対応要否). */
export type ResponseRequired = 'yes' | 'no' | 'undecided';
export const RESPONSE_REQUIRED: readonly ResponseRequired[] = ['yes', 'no', 'undecided'];

/** Statuses with which a person has closed a case: the SLA stops and a resolution does not overwrite them. */
export const CLOSED_STATUSES: ReadonlySet<TriageStatus> = new Set([
  'fixed',
  'risk_accepted',
  'false_positive',
  'not_affected',
]);

/** CycloneDX / VEX analysis state for each status, for exports that speak VEX. */
export const VEX_STATE: Record<TriageStatus, string> = {
  new: 'in_triage',
  triaging: 'in_triage',
  in_progress: 'exploitable',
  risk_accepted: 'exploitable',
  false_positive: 'false_positive',
  not_affected: 'not_affected',
  fixed: 'resolved',
};

/** One piece of evidence: a note or a link, with who added it and when. */
export interface Evidence {
  at: string;
  author: string;
  text: string;
  /** `system` entries are written by vulnledger itself (e.g. "no longer reported by …"). */
  kind: 'note' | 'link' | 'system';
}

/** Where the due date came from: the SLA policy, or a person. */
export type DueDateSource = 'sla' | 'manual';

/** The response record of a case. */
export interface Triage {
  status: TriageStatus;
  responseRequired: ResponseRequired;
  owner: string | null;
  dueDate: string | null;
  dueDateSource: DueDateSource;
  /** Response date (対応日), `YYYY-MM-DD`. */
  respondedAt: string | null;
  justification: string | null;
  /** Risk-acceptance expiry, `YYYY-MM-DD`; required for `risk_accepted`. */
  acceptedUntil: string | null;
  evidence: Evidence[];
}

export function initialTriage(dueDate: string | null): Triage {
  return {
    status: 'new',
    responseRequired: 'undecided',
    owner: null,
    dueDate,
    dueDateSource: 'sla',
    respondedAt: null,
    justification: null,
    acceptedUntil: null,
    evidence: [],
  };
}

/** A requested change to a triage record; absent fields are left alone, `null` clears. */
export interface TriageEdit {
  status?: TriageStatus;
  responseRequired?: ResponseRequired;
  owner?: string | null;
  dueDate?: string | null;
  respondedAt?: string | null;
  justification?: string | null;
  acceptedUntil?: string | null;
  evidence?: string[];
}

/** The scalar triage fields that history records by name (`triage.<field>`). */
export type TriageField =
  | 'status'
  | 'responseRequired'
  | 'owner'
  | 'dueDate'
  | 'respondedAt'
  | 'justification'
  | 'acceptedUntil';

/** One changed field, old → new. */
export interface FieldChange {
  field: string;
  oldValue: string | null;
  newValue: string | null;
}

/** The outcome of applying an edit: the new record and what changed, or the reasons it was refused. */
export type TriageEditResult =
  | { ok: true; triage: Triage; changes: FieldChange[]; addedEvidence: Evidence[] }
  | { ok: false; errors: string[] };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isValidDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && isoDate(parsed) === value;
}

/** Guesses whether an evidence text is a link (so exports and Notion can render it as one). */
export function evidenceKind(text: string): 'note' | 'link' {
  return /^https?:\/\/\S+$/i.test(text.trim()) ? 'link' : 'note';
}

const MAX_TEXT = 20_000;

/**
 * Validates and applies a triage edit. Pure: the caller supplies the actor and the time.
 * Rules: dates are real `YYYY-MM-DD` dates; `risk_accepted` needs an acceptance expiry that is
 * today or later; text fields are bounded; evidence is appended, never replaced.
 */
export function applyTriageEdit(current: Triage, edit: TriageEdit, actor: string, now: Date): TriageEditResult {
  const errors: string[] = [];
  const today = isoDate(now);
  for (const field of ['dueDate', 'respondedAt', 'acceptedUntil'] as const) {
    const value = edit[field];
    if (value !== undefined && value !== null && !isValidDate(value)) {
      errors.push(`${field} must be a date written YYYY-MM-DD, got "${value}"`);
    }
  }
  for (const field of ['owner', 'justification'] as const) {
    const value = edit[field];
    if (typeof value === 'string' && value.length > MAX_TEXT) errors.push(`${field} is longer than ${MAX_TEXT} characters`);
  }
  for (const text of edit.evidence ?? []) {
    if (text.trim() === '') errors.push('evidence must not be empty');
    if (text.length > MAX_TEXT) errors.push(`evidence is longer than ${MAX_TEXT} characters`);
  }
  const status = edit.status ?? current.status;
  const acceptedUntil = edit.acceptedUntil === undefined ? current.acceptedUntil : edit.acceptedUntil;
  if (status === 'risk_accepted') {
    if (!acceptedUntil) {
      errors.push('status risk_accepted needs an acceptance expiry (--accept-until YYYY-MM-DD)');
    } else if (edit.acceptedUntil !== undefined && isValidDate(acceptedUntil) && acceptedUntil < today) {
      errors.push(`acceptance expiry ${acceptedUntil} is in the past (today is ${today})`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const next: Triage = { ...current, evidence: [...current.evidence] };
  const changes: FieldChange[] = [];
  const set = <K extends TriageField>(field: K, value: Triage[K] | undefined): void => {
    if (value === undefined) return;
    const normalized = (typeof value === 'string' && value.trim() === '' ? null : value) as Triage[K];
    if (current[field] === normalized) return;
    changes.push({ field: `triage.${field}`, oldValue: current[field] ?? null, newValue: normalized ?? null });
    next[field] = normalized;
  };
  set('status', edit.status);
  set('responseRequired', edit.responseRequired);
  set('owner', edit.owner);
  set('dueDate', edit.dueDate);
  set('respondedAt', edit.respondedAt);
  set('justification', edit.justification);
  set('acceptedUntil', edit.acceptedUntil);
  if (edit.dueDate !== undefined && edit.dueDate !== current.dueDate) {
    next.dueDateSource = edit.dueDate === null ? 'sla' : 'manual';
  }
  const addedEvidence: Evidence[] = (edit.evidence ?? []).map((text) => ({
    at: now.toISOString(),
    author: actor,
    text: text.trim(),
    kind: evidenceKind(text),
  }));
  for (const item of addedEvidence) {
    next.evidence.push(item);
    changes.push({ field: 'triage.evidence', oldValue: null, newValue: item.text });
  }
  return { ok: true, triage: next, changes, addedEvidence };
}

/** True when the case is covered by a risk acceptance that has not expired on `today`. */
export function acceptanceCovers(triage: Triage, today: string): boolean {
  return triage.status === 'risk_accepted' && triage.acceptedUntil !== null && triage.acceptedUntil >= today;
}
