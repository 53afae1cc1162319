/**
 * Runs read-exports.ts in a worker thread (worker.ts) and yields its batches on the main thread:
 * parsing and mapping a large export then overlaps with writing the ledger, on a second core.
 * Same batches, same order, same errors (a `JsonFileError` keeps its file and position) as the
 * in-thread reader; cancelling terminates the thread.
 */
import { Worker } from 'node:worker_threads';
import type { SourceBatch } from '../../core/ports.js';
import { WorkerInbox } from '../../util/worker-inbox.js';
import { deserializeError, type MainMessage, type ReaderInput, type ReaderMessage, type ThreadUsage } from './protocol.js';
import { BATCH_ROWS } from './json-rows.js';
import type { ExportsSummary, ReadExportsOptions } from './read-exports.js';

/** Batches the reader thread may run ahead of the ledger. */
const IN_FLIGHT = 4;

export interface ReaderThreadOptions extends ReadExportsOptions {
  /** Called once the reader thread is done: how busy it was (for the run's debug log and the bench). */
  onReaderUsage?: (usage: ThreadUsage) => void;
}

export async function* readExportsInWorker(
  workerUrl: URL,
  files: readonly string[],
  options: ReaderThreadOptions = {},
): AsyncGenerator<SourceBatch, ExportsSummary, void> {
  const input: ReaderInput = { files: [...files], batchSize: options.batchSize ?? BATCH_ROWS, inFlight: IN_FLIGHT };
  const worker = new Worker(workerUrl, { workerData: input });
  const inbox = new WorkerInbox<ReaderMessage>(worker, 'the export reader thread');
  const cancelled = new Error(`reading ${files.length === 1 ? files[0] : `${files.length} export files`} was cancelled`);
  const onAbort = (): void => {
    inbox.fail(cancelled);
    void worker.terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  try {
    for (;;) {
      const message = await inbox.next();
      if (options.signal?.aborted) throw cancelled;
      switch (message.type) {
        case 'bytes':
          options.onBytes?.(message.bytes);
          break;
        case 'batch':
          worker.postMessage({ type: 'ack' } satisfies MainMessage);
          yield message.batch;
          break;
        case 'done':
          options.onReaderUsage?.(message.usage);
          return message.summary;
        case 'error':
          throw deserializeError(message.error);
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
