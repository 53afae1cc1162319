/** Rows of one Resource Graph page → a source batch (on the main thread or the mapping thread). */
import type { DefenderModel } from '../../core/finding.js';
import { findingContentHash } from '../../core/lifecycle.js';
import type { SourceBatch } from '../../core/ports.js';
import { mapDefenderRow } from '../defender-rows/map.js';
import { applyCveDetail, cveKey, type FoundCveDetail } from './cve-detail-apply.js';
import { findingKindOf, type QueryKind } from './queries.js';

/** Rows in the first slice of a page: the source waits for it before it can write anything of the page. */
const FIRST_SLICE_ROWS = 25;

/**
 * The `[start, end)` row slices of a page of `count` rows: a small first one, then `sliceRows` at
 * a time; one empty slice for an empty page (so the run record still lists the model).
 */
export function* pageSlices(count: number, sliceRows: number): Generator<readonly [number, number], void, void> {
  let size = Math.min(FIRST_SLICE_ROWS, sliceRows);
  for (let start = 0; start === 0 || start < count; start += size, size = sliceRows) yield [start, Math.min(count, start + size)];
}

/** A mapped slice: every finding has its content hash; `detailsApplied` counts findings CVE details changed. */
export type MappedBatch = SourceBatch & { contentHashes: string[]; detailsApplied: number };

/**
 * Maps one page's rows: findings of the query's kind, with the CVE details known so far applied and
 * then their content hashes computed (so the hashing is done on the mapping thread when there is
 * one); rows of another kind are counted as not ours.
 */
export function mapPage(rows: readonly unknown[], kind: QueryKind, model: DefenderModel, details: ReadonlyMap<string, FoundCveDetail>): MappedBatch {
  const wanted = findingKindOf(kind);
  const batch: MappedBatch = { rows: rows.length, findings: [], contentHashes: [], skipped: [], models: { [model]: rows.length }, detailsApplied: 0 };
  for (const raw of rows) {
    const mapped = mapDefenderRow(raw);
    if (mapped.skipped) {
      batch.skipped.push(mapped.skipped);
      continue;
    }
    const ours = mapped.findings.filter((f) => f.kind === wanted);
    if (ours.length === 0) {
      const id = mapped.findings[0]?.sourceRecordId ?? null;
      batch.skipped.push({ reason: 'not-ours', id, detail: `a ${mapped.findings[0]?.kind ?? 'other'} row returned by the ${kind} query` });
      continue;
    }
    for (const finding of ours) {
      const id = details.size > 0 ? cveKey(finding.vulnId) : null;
      const detail = id === null ? undefined : details.get(id);
      if (detail && applyCveDetail(finding, detail)) batch.detailsApplied++;
      batch.findings.push(finding);
      batch.contentHashes.push(findingContentHash(finding));
    }
  }
  return batch;
}
