/** Use cases over cases: list, show, history, triage. */
import type { LinkedAdvisory, LinkedCase, StoredAdvisory } from '../core/advisory.js';
import { compareCases, type CaseRecord } from '../core/case.js';
import { isoDate, type Clock } from '../core/clock.js';
import type { StoredFinding } from '../core/finding.js';
import type { CaseFilter, HistoryEntry, LedgerReader, LedgerStore } from '../core/ports.js';
import { applyTriageEdit, type FieldChange, type TriageEdit } from '../core/triage.js';

/** A case id the user typed that matches no case, or several. */
export class CaseLookupError extends Error {
  override readonly name = 'CaseLookupError';
  constructor(
    message: string,
    readonly candidates: string[],
  ) {
    super(message);
  }
}

/** A triage edit that broke a rule; lists every reason. */
export class TriageValidationError extends Error {
  override readonly name = 'TriageValidationError';
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

function maxIso(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}

/**
 * A finding's last sighting: an unchanged run writes nothing, so for open findings it is the
 * latest complete read of their source.
 */
export function effectiveFindingLastSeen(f: StoredFinding, lastComplete: ReadonlyMap<string, string>): string {
  return f.state === 'open' ? maxIso(f.lastSeen, lastComplete.get(f.source)) : f.lastSeen;
}

async function withEffectiveLastSeen(reader: LedgerReader, cases: CaseRecord[]): Promise<CaseRecord[]> {
  const open = cases.filter((c) => c.state !== 'resolved');
  if (open.length === 0) return cases;
  const lastComplete = await reader.lastCompleteRunAt();
  const sources = await reader.openSourcesByCase(open.map((c) => c.key));
  return cases.map((c) => {
    if (c.state === 'resolved') return c;
    let lastSeen = c.lastSeen;
    for (const s of sources.get(c.key) ?? []) lastSeen = maxIso(lastSeen, lastComplete.get(s));
    return lastSeen === c.lastSeen ? c : { ...c, lastSeen };
  });
}

/** Cases matching a filter, most severe first. */
export async function listCases(reader: LedgerReader, filter: CaseFilter): Promise<CaseRecord[]> {
  const cases = await reader.listCases(filter);
  return (await withEffectiveLastSeen(reader, cases)).sort(compareCases);
}

/**
 * Finds a case by key, case-insensitively, or by vulnerability id when that names exactly one case
 * (`CVE-2024-6387` finds `machine:CVE-2024-6387` if it is the only case for that CVE).
 */
export async function resolveCaseKey(reader: LedgerReader, typed: string): Promise<string> {
  const exact = await reader.getCase(typed);
  if (exact) return exact.key;
  const keys = await reader.searchCaseKeys(typed);
  if (keys.length === 1) return keys[0]!;
  if (keys.length > 1) {
    throw new CaseLookupError(`"${typed}" matches ${keys.length} cases: ${keys.join(', ')}. Give the full case key.`, keys);
  }
  throw new CaseLookupError(`no case "${typed}" in the ledger. List cases with \`vulnledger cases\`.`, []);
}

/** Everything `show` prints about one case. */
export interface CaseDetail {
  record: CaseRecord;
  findings: Array<StoredFinding & { effectiveLastSeen: string }>;
  related: string[];
  history: HistoryEntry[];
  /** For an advisory case: the feed item. */
  advisory: StoredAdvisory | null;
  /** For an advisory case: the cases about the CVEs it names. */
  concerns: LinkedCase[];
  /** Advisories that concern this case. */
  advisories: LinkedAdvisory[];
}

export async function showCase(reader: LedgerReader, typed: string): Promise<CaseDetail> {
  const key = await resolveCaseKey(reader, typed);
  const record = (await reader.getCase(key))!;
  const [withSeen] = await withEffectiveLastSeen(reader, [record]);
  const lastComplete = await reader.lastCompleteRunAt();
  const findings = (await reader.findingsOfCase(key)).map((f) => ({ ...f, effectiveLastSeen: effectiveFindingLastSeen(f, lastComplete) }));
  const advisory = record.kind === 'advisory' ? ((await reader.advisory(key)) ?? null) : null;
  return {
    record: withSeen!,
    findings,
    related: await reader.relatedCases(key),
    history: await reader.history(key),
    advisory,
    concerns: advisory ? await reader.linkedCases(key) : [],
    advisories: await reader.linkedAdvisories(key),
  };
}

/** The result of a triage edit. */
export interface TriageResult {
  record: CaseRecord;
  changes: FieldChange[];
}

/**
 * Applies a person's triage edit to a case: validated by core rules, saved with one history entry
 * per changed field (actor = the person), evidence appended. An edit that changes nothing writes nothing.
 */
export async function triageCase(
  store: LedgerStore,
  typed: string,
  edit: TriageEdit,
  options: { actor: string; clock: Clock },
): Promise<TriageResult> {
  const key = await resolveCaseKey(store, typed);
  return store.transaction(async (tx) => {
    const record = await tx.getCase(key);
    if (!record) throw new CaseLookupError(`no case "${typed}" in the ledger`, []);
    const now = options.clock.now();
    const result = applyTriageEdit(record.triage, edit, options.actor, now);
    if (!result.ok) throw new TriageValidationError(result.errors);
    if (result.changes.length === 0) return { record, changes: [] };
    const dueChanged = result.triage.dueDate !== record.triage.dueDate;
    const after: CaseRecord = { ...record, triage: result.triage, slaNotice: dueChanged ? 'none' : record.slaNotice };
    await tx.saveCases([{ record: after, isNew: false }]);
    await tx.addEvidence(result.addedEvidence.map((evidence) => ({ caseKey: key, evidence })));
    const at = now.toISOString();
    await tx.addHistory(
      result.changes.map((c) => ({ caseKey: key, at, actor: options.actor, field: c.field, oldValue: c.oldValue, newValue: c.newValue, runId: null })),
    );
    return { record: after, changes: result.changes };
  });
}

/** Today's date for overdue checks. */
export function today(clock: Clock): string {
  return isoDate(clock.now());
}
