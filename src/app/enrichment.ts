/**
 * The enrichment step of a run: applies the cached KEV catalog and EPSS scores to every case about
 * a CVE — cases created in this run and cases created later from cached data alike — records what
 * changed, flags cases that got worse, and moves SLA due dates for the KEV rule.
 */
import { SYSTEM_ACTOR, type CaseRecord, type LedgerEvent } from '../core/case.js';
import {
  ENRICHMENT_CACHE,
  enrichmentHistory,
  planEnrichment,
  policyDueDate,
  type CaseEnrichmentState,
  type EnrichmentFacts,
  type EnrichmentPolicy,
  type EpssFact,
  type KevCatalogInfo,
  type KevFact,
} from '../core/enrichment.js';
import type { HistoryEntry, LedgerTx } from '../core/ports.js';
import type { SlaPolicy } from '../core/sla.js';

/** What the enrichment step needs and fills in. */
export interface EnrichmentStepContext {
  runId: string;
  now: Date;
  sla: SlaPolicy;
  policy: EnrichmentPolicy;
  events: LedgerEvent[];
  /** Cases of this run (for events and outbox planners): patched with the new enrichment. */
  cases: Map<string, CaseRecord>;
}

/** What the step did (for logs and tests). */
export interface EnrichmentStepResult {
  updated: number;
  dueDatesMoved: number;
}

/** Applies cached enrichment to every case about a CVE. Writes only what changed. */
export async function applyEnrichment(tx: LedgerTx, ctx: EnrichmentStepContext): Promise<EnrichmentStepResult> {
  const result: EnrichmentStepResult = { updated: 0, dueDatesMoved: 0 };
  if (!(await tx.enrichment.hasAny())) return result;
  const candidates = await tx.enrichment.candidates();
  if (candidates.length === 0) return result;
  const at = ctx.now.toISOString();
  const cves = [...new Set(candidates.map((c) => c.cveId))];

  const catalog = (await tx.cache.get(ENRICHMENT_CACHE.kevCatalog, ['catalog'])).get('catalog')?.value as KevCatalogInfo | undefined;
  const kev = catalog ? await tx.cache.get(ENRICHMENT_CACHE.kev, cves) : new Map();
  const epssDocument = (await tx.cache.get(ENRICHMENT_CACHE.epssDocument, ['document'])).has('document');
  const epss = await tx.cache.get(ENRICHMENT_CACHE.epss, cves);
  const firstKevLoad = catalog !== undefined && catalog.firstLoadedAt >= at;
  const newCases = new Set(ctx.events.filter((e) => e.type === 'case.new').map((e) => e.caseKey));

  const saves: Array<{ caseKey: string; state: CaseEnrichmentState }> = [];
  const history: HistoryEntry[] = [];
  const kevMoved: string[] = [];
  for (const candidate of candidates) {
    const cached = epss.get(candidate.cveId);
    const facts: EnrichmentFacts = {
      kev: catalog ? ((kev.get(candidate.cveId)?.value as KevFact | undefined) ?? null) : undefined,
      epss: cached ? (cached.value as EpssFact | null) : epssDocument ? null : undefined,
    };
    const update = planEnrichment(candidate, facts, { at, policy: ctx.policy, isNewCase: newCases.has(candidate.caseKey), firstKevLoad });
    if (!update.changed) continue;
    saves.push({ caseKey: candidate.caseKey, state: update.after });
    history.push(...enrichmentHistory(candidate.caseKey, update.changes, at, ctx.runId));
    ctx.events.push(...update.events);
    if (update.kevChanged) kevMoved.push(candidate.caseKey);
    const record = ctx.cases.get(candidate.caseKey);
    if (record) {
      record.kev = update.after.kev;
      record.epss = update.after.epss;
    }
    for (const e of ctx.events) {
      if (e.type !== 'case.new' || e.caseKey !== candidate.caseKey) continue;
      if (update.after.kev) e.details.kev = true;
      if (update.after.epss) e.details.epss = update.after.epss.score;
    }
  }
  await tx.enrichment.save(saves);
  await tx.addHistory(history);
  result.updated = saves.length;

  // The KEV SLA rule: a case that entered or left KEV may have a new due date (unless a person set it).
  if (kevMoved.length > 0) {
    const records = await tx.getCases(kevMoved);
    const caseSaves: Array<{ record: CaseRecord; isNew: boolean }> = [];
    const dueHistory: HistoryEntry[] = [];
    for (const record of records.values()) {
      if (record.triage.dueDateSource !== 'sla') continue;
      const due = policyDueDate(record, ctx.sla);
      if (due === record.triage.dueDate) continue;
      const after: CaseRecord = { ...record, slaNotice: 'none', triage: { ...record.triage, dueDate: due } };
      caseSaves.push({ record: after, isNew: false });
      dueHistory.push({ caseKey: record.key, at, actor: SYSTEM_ACTOR, field: 'triage.dueDate', oldValue: record.triage.dueDate, newValue: due, runId: ctx.runId });
      if (ctx.cases.has(record.key)) ctx.cases.set(record.key, after);
    }
    await tx.saveCases(caseSaves);
    await tx.addHistory(dueHistory);
    result.dueDatesMoved = caseSaves.length;
  }
  return result;
}
