/** Messages between the source (page-mapper.ts) and the mapping thread (map-worker.ts). */
import type { DefenderModel } from '../../core/finding.js';
import type { CveDetailUpdates } from './cve-detail-apply.js';
import type { MappedBatch } from './map-page.js';
import type { QueryKind } from './queries.js';

/** One page to map: its body, each row's byte range as [start, end) pairs, and what the query asked for. */
export interface MapJob {
  id: number;
  body: Uint8Array;
  ranges: Int32Array;
  kind: QueryKind;
  model: DefenderModel;
  /** Rows per batch posted back. */
  sliceRows: number;
  /** CVE details to apply from this page on (the thread keeps them for later pages). */
  details: CveDetailUpdates;
}

/** A slice of a job's rows, mapped (`last` on the final one), or the job's failure: the index of a row that is not JSON. */
export type MapReply = { id: number; batch: MappedBatch; last: boolean } | { id: number; failedRow: number; failed: string };
