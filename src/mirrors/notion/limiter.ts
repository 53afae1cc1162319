/**
 * A client-side rate limiter: at most `slots` requests start in any rolling window, i.e. an
 * average of `perSecond` with short bursts — Notion's "average of 3 requests per second". A small
 * margin on the window absorbs network jitter so the server's own rolling count is not exceeded.
 */
import { sleep as sleepFor } from '../../util/http.js';

export interface LimiterOptions {
  perSecond: number;
  /** Extra milliseconds on every window (default 25). */
  marginMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits for a free slot; requests are admitted in call order. */
export interface Limiter {
  acquire(signal?: AbortSignal): Promise<void>;
}

/** A rolling-window limiter: `floor(perSecond)` slots (at least 1) per `slots / perSecond` seconds. */
export function createLimiter(options: LimiterOptions): Limiter {
  const slots = Math.max(1, Math.floor(options.perSecond));
  const windowMs = (1000 * slots) / options.perSecond + (options.marginMs ?? 25);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? sleepFor;
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();

  async function take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const t = now();
      while (starts.length > 0 && t - starts[0]! >= windowMs) starts.shift();
      if (starts.length < slots) {
        starts.push(t);
        return;
      }
      await sleep(starts[0]! + windowMs - t, signal);
    }
  }

  return {
    acquire(signal) {
      const turn = queue.then(() => take(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}

const shared = new Map<string, { perSecond: number; limiter: Limiter }>();

/**
 * One limiter per integration (key) in this process: Notion counts requests per integration, so
 * successive sessions (setup, then a sync, then another) share the same window.
 */
export function sharedLimiter(key: string, perSecond: number): Limiter {
  const existing = shared.get(key);
  if (existing && existing.perSecond === perSecond) return existing.limiter;
  const limiter = createLimiter({ perSecond });
  shared.set(key, { perSecond, limiter });
  return limiter;
}
