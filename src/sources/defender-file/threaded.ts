/**
 * Runs read-exports.ts in a worker thread (worker.ts) and yields its batches on the main thread:
 * parsing and mapping a large export then overlaps with writing the ledger, on a second core.
 * Same batches, same order, same errors (a `JsonFileError` keeps its file and position) as the
 * in-thread reader; cancelling terminates the thread.
 */
import { Worker } from 'node:worker_threads';
import type { SourceBatch } from '../../core/ports.js';
import { deserializeError, type MainMessage, type ReaderInput, type ReaderMessage } from './protocol.js';
import type { ExportsSummary, ReadExportsOptions } from './read-exports.js';

/** Batches the reader thread may run ahead of the ledger. */
const IN_FLIGHT = 4;

export async function* readExportsInWorker(
  workerUrl: URL,
  files: readonly string[],
  options: ReadExportsOptions = {},
): AsyncGenerator<SourceBatch, ExportsSummary, void> {
  const input: ReaderInput = { files: [...files], batchSize: options.batchSize ?? 500, inFlight: IN_FLIGHT };
  const worker = new Worker(workerUrl, { workerData: input });
  const queue: ReaderMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: ReaderMessage) => {
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure ??= new Error(`the export reader thread failed: ${error.message}`);
    notify();
  });
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0) failure ??= new Error(`the export reader thread stopped unexpectedly (exit code ${code})`);
    notify();
  });
  const onAbort = (): void => {
    failure ??= new Error(`reading ${files.length === 1 ? files[0] : `${files.length} export files`} was cancelled`);
    void worker.terminate();
    notify();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  try {
    for (;;) {
      while (queue.length === 0 && failure === null && !exited) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift();
      if (message === undefined) throw failure ?? new Error('the export reader thread ended without finishing the export');
      if (failure !== null && options.signal?.aborted) throw failure;
      switch (message.type) {
        case 'bytes':
          options.onBytes?.(message.bytes);
          break;
        case 'batch':
          worker.postMessage({ type: 'ack' } satisfies MainMessage);
          yield message.batch;
          break;
        case 'done':
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
