/**
 * The messages of a worker thread, taken one at a time in order. A crash or an exit of the thread,
 * or `fail()` (cancelling), ends the wait with an error once the messages already queued are taken.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';

/**
 * Whether a worker thread's compiled entry exists: it does in `dist/`, not when the sources run as
 * TypeScript (tests, unless they bundle the entry); callers then do the work on their own thread.
 */
export function workerEntryExists(url: URL): boolean {
  return existsSync(fileURLToPath(url));
}

export class WorkerInbox<T> {
  readonly #queue: T[] = [];
  #failure: Error | null = null;
  #wake: (() => void) | null = null;

  /** `what` names the thread in errors ("the export reader thread"). */
  constructor(worker: Worker, what: string) {
    worker.on('message', (message: T) => {
      this.#queue.push(message);
      this.#notify();
    });
    worker.on('error', (error) => this.fail(new Error(`${what} failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(code === 0 ? `${what} ended without finishing its work` : `${what} stopped unexpectedly (exit code ${code})`)));
  }

  /** Ends the wait with `error` (the first failure wins). */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#notify();
  }

  /** The next message; throws the failure when none is left and the thread has failed or ended. */
  async next(): Promise<T> {
    while (this.#queue.length === 0 && this.#failure === null) await new Promise<void>((resolve) => (this.#wake = resolve));
    const message = this.#queue.shift();
    if (message === undefined) throw this.#failure!;
    return message;
  }

  #notify(): void {
    this.#wake?.();
    this.#wake = null;
  }
}
