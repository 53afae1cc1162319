/**
 * The advisory steps of a run: feed items become advisory cases (inside the feed source's
 * savepoint), then every advisory is linked to the cases about the CVEs it names — including
 * cases that appeared after the advisory.
 */
import { advisoryCaseKey, linkHistory, planAdvisory, type Advisory, type AdvisoryLink, type StoredAdvisory } from '../core/advisory.js';
import { SYSTEM_ACTOR, type CaseRecord, type LedgerEvent } from '../core/case.js';
import type { HistoryEntry, LedgerTx, SourceCounts } from '../core/ports.js';

/** What applying one batch of advisories needs and fills in. */
export interface AdvisoryBatchContext {
  runId: string;
  now: Date;
  source: string;
  counts: SourceCounts;
  /** Events of this source; the run keeps them only if the source commits. */
  events: LedgerEvent[];
}

/**
 * Upserts the advisories of one batch: new ones become advisory cases (`advisory.new` unless
 * older than the source's announce window), changed ones are updated, unchanged ones write nothing.
 */
export async function applyAdvisories(tx: LedgerTx, advisories: readonly Advisory[], ctx: AdvisoryBatchContext): Promise<void> {
  const byKey = new Map<string, Advisory>();
  for (const a of advisories) {
    const key = advisoryCaseKey(ctx.source, a.itemKey);
    if (!byKey.has(key)) byKey.set(key, a);
  }
  if (byKey.size === 0) return;
  const keys = [...byKey.keys()];
  const cases = await tx.getCases(keys);
  const stored = await tx.advisories.get(keys);
  const caseSaves: Array<{ record: CaseRecord; isNew: boolean }> = [];
  const advisorySaves: Array<{ advisory: StoredAdvisory; isNew: boolean }> = [];
  const history: HistoryEntry[] = [];
  const at = ctx.now.toISOString();
  for (const [key, advisory] of byKey) {
    const beforeCase = cases.get(key);
    const update = planAdvisory(beforeCase, stored.get(key), advisory, { now: ctx.now, source: ctx.source });
    if (update.status === 'unchanged') {
      ctx.counts.unchanged++;
      continue;
    }
    if (update.status === 'new') ctx.counts.new++;
    else ctx.counts.changed++;
    if (update.record !== beforeCase) caseSaves.push({ record: update.record, isNew: beforeCase === undefined });
    advisorySaves.push({ advisory: update.advisory, isNew: !stored.has(key) });
    for (const c of update.changes) history.push({ caseKey: key, at, actor: SYSTEM_ACTOR, field: c.field, oldValue: c.oldValue, newValue: c.newValue, runId: ctx.runId });
    ctx.events.push(...update.events);
  }
  await tx.saveCases(caseSaves);
  await tx.advisories.save(advisorySaves);
  await tx.addHistory(history);
}

const MAX_LINKS_IN_EVENT = 20;

/**
 * Links every advisory to the cases about the CVEs it names that are not linked yet (new
 * advisories, and cases that appeared after an advisory), with a history entry on both sides.
 * `advisory.new` events of this run get the linked case keys in `details.concerns`.
 */
export async function linkAdvisories(tx: LedgerTx, ctx: { runId: string; at: string; events: LedgerEvent[] }): Promise<AdvisoryLink[]> {
  const pending = await tx.advisories.pendingLinks();
  if (pending.length === 0) return [];
  const links: AdvisoryLink[] = pending.map((p) => ({ ...p, linkedAt: ctx.at, runId: ctx.runId }));
  await tx.advisories.addLinks(links);
  await tx.addHistory(links.flatMap(linkHistory));
  const byAdvisory = new Map<string, string[]>();
  for (const l of links) byAdvisory.set(l.advisoryKey, [...(byAdvisory.get(l.advisoryKey) ?? []), l.caseKey]);
  for (const e of ctx.events) {
    if (e.type !== 'advisory.new') continue;
    const concerned = byAdvisory.get(e.caseKey);
    if (concerned) e.details.concerns = [...new Set(concerned)].slice(0, MAX_LINKS_IN_EVENT).join(', ');
  }
  return links;
}
