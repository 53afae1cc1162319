/**
 * Reads export files into source batches: rows streamed by `readJsonRows`, each mapped by the
 * Defender row mapper. Runs on the main thread for small exports and inside the reader thread
 * (worker.ts) for large ones; both give the same batches in the same order.
 */
import type { DefenderModel } from '../../core/finding.js';
import { findingContentHash } from '../../core/lifecycle.js';
import type { SourceBatch } from '../../core/ports.js';
import { mapDefenderRow } from '../defender-rows/map.js';
import { readJsonRows } from './json-rows.js';

/** What the files' envelopes said about completeness. */
export interface ExportsSummary {
  /** Files that are one page of several (`$skipToken` / `nextLink` present). */
  pagedFiles: number;
  /** Files Resource Graph marked `resultTruncated`. */
  truncatedFiles: string[];
}

export interface ReadExportsOptions {
  /** Rows per batch (default `BATCH_ROWS` of json-rows.ts). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Bytes read so far across all files (for progress). */
  onBytes?: (bytes: number) => void;
}

/** Yields one batch per `batchSize` rows of every file, in order; returns the envelope summary. */
export async function* readExports(files: readonly string[], options: ReadExportsOptions = {}): AsyncGenerator<SourceBatch, ExportsSummary, void> {
  const summary: ExportsSummary = { pagedFiles: 0, truncatedFiles: [] };
  let doneBytes = 0;
  for (const file of files) {
    let fileBytes = 0;
    const rows = readJsonRows(file, {
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onBytes: (bytes) => {
        fileBytes = bytes;
        options.onBytes?.(doneBytes + bytes);
      },
    });
    for (;;) {
      const next = await rows.next();
      if (next.done) {
        if (next.value.morePages) summary.pagedFiles++;
        if (next.value.truncated) summary.truncatedFiles.push(file);
        break;
      }
      yield mapRows(next.value);
    }
    doneBytes += fileBytes;
  }
  return summary;
}

function mapRows(raws: readonly unknown[]): SourceBatch {
  const findings: SourceBatch['findings'] = [];
  const contentHashes: string[] = [];
  const skipped: SourceBatch['skipped'] = [];
  const models: Partial<Record<DefenderModel, number>> = {};
  for (const raw of raws) {
    const mapped = mapDefenderRow(raw);
    if (mapped.model) models[mapped.model] = (models[mapped.model] ?? 0) + 1;
    if (mapped.skipped) skipped.push(mapped.skipped);
    for (const finding of mapped.findings) {
      findings.push(finding);
      contentHashes.push(findingContentHash(finding));
    }
  }
  return { rows: raws.length, findings, contentHashes, skipped, models };
}
