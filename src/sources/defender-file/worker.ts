/**
 * The export reader thread: reads, parses and maps export files (read-exports.ts) and posts the
 * batches to the main thread, which meanwhile writes the previous ones into the ledger. At most
 * `inFlight` batches wait unacknowledged, so memory stays bounded when the ledger is slower.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createHeapTrimmer } from '../../util/heap.js';
import { serializeError, type MainMessage, type ReaderInput, type ReaderMessage } from './protocol.js';
import { readExports } from './read-exports.js';

const port = parentPort;
if (!port) throw new Error('worker.ts is the export reader thread; it is started by threaded.ts, not run directly');
const input = workerData as ReaderInput;

let credits = input.inFlight;
let wake: (() => void) | null = null;
port.on('message', (_ack: MainMessage) => {
  credits++;
  wake?.();
  wake = null;
});
const post = (message: ReaderMessage): void => port.postMessage(message);
// This thread's live data is one batch; collect its garbage early so the process's peak RSS stays flat.
const trim = createHeapTrimmer(64 * 1024 * 1024);

try {
  const batches = readExports(input.files, { batchSize: input.batchSize, onBytes: (bytes) => post({ type: 'bytes', bytes }) });
  for (;;) {
    const next = await batches.next();
    if (next.done) {
      const { active, idle } = performance.eventLoopUtilization();
      post({ type: 'done', summary: next.value, usage: { activeMs: active, idleMs: idle } });
      break;
    }
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    post({ type: 'batch', batch: next.value });
    trim();
  }
} catch (error) {
  post({ type: 'error', error: serializeError(error) });
} finally {
  // Nothing more to receive: let the thread end once the posted messages are on their way.
  port.unref();
}
