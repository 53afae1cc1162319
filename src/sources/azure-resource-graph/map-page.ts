/** Rows of one Resource Graph page → a source batch (on the main thread or the mapping thread). */
import type { DefenderModel } from '../../core/finding.js';
import type { SourceBatch } from '../../core/ports.js';
import { mapDefenderRow } from '../defender-rows/map.js';
import { findingKindOf, type QueryKind } from './queries.js';

/** Maps one page's rows: findings of the query's kind; rows of another kind are counted as not ours. */
export function mapPage(rows: readonly unknown[], kind: QueryKind, model: DefenderModel): SourceBatch {
  const wanted = findingKindOf(kind);
  const batch: SourceBatch = { rows: rows.length, findings: [], skipped: [], models: { [model]: rows.length } };
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
    for (const finding of ours) batch.findings.push(finding);
  }
  return batch;
}
