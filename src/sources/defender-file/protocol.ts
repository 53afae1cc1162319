/** Messages between the main thread and the export reader thread (worker.ts ↔ threaded.ts). */
import type { SourceBatch } from '../../core/ports.js';
import { messageOf } from '../../util/errors.js';
import { JsonFileError } from './json-rows.js';
import type { ExportsSummary } from './read-exports.js';

/** What the reader thread starts with. */
export interface ReaderInput {
  files: string[];
  batchSize: number;
  /** Batches the reader may post before the main thread has taken them (bounds memory). */
  inFlight: number;
}

/** A failure, flattened for postMessage (class identity does not survive structured clone). */
export type SerializedError =
  | { kind: 'json-file'; file: string; byteOffset: number; line: number; column: number; reason: string }
  | { kind: 'error'; message: string };

/** How busy a thread's event loop was over its life (`performance.eventLoopUtilization()`). */
export interface ThreadUsage {
  activeMs: number;
  idleMs: number;
}

export type ReaderMessage =
  | { type: 'batch'; batch: SourceBatch }
  | { type: 'bytes'; bytes: number }
  | { type: 'done'; summary: ExportsSummary; usage: ThreadUsage }
  | { type: 'error'; error: SerializedError };

/** The main thread took a batch: the reader may post another. */
export type MainMessage = { type: 'ack' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof JsonFileError) {
    return { kind: 'json-file', file: error.file, byteOffset: error.byteOffset, line: error.line, column: error.column, reason: error.reason };
  }
  return { kind: 'error', message: messageOf(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.kind === 'json-file') return new JsonFileError(error.file, error.byteOffset, error.line, error.column, error.reason);
  return new Error(error.message);
}
