import { describe, expect, it } from 'vitest';
import { createLimiter } from './limiter.js';

/** A virtual clock: sleeping advances time. */
function virtual() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('rate limiter (rolling window)', () => {
  it('3 per second: a burst of 3, then one more each time the oldest leaves the window', async () => {
    const v = virtual();
    const limiter = createLimiter({ perSecond: 3, marginMs: 25, ...v });
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      starts.push(v.now());
    }
    expect(starts).toEqual([0, 0, 0, 1025, 1025, 1025, 2050]);
    // never more than 3 starts in any window of 1000 ms
    for (const s of starts) expect(starts.filter((x) => x >= s && x < s + 1000).length).toBeLessThanOrEqual(3);
  });

  it('a fractional rate spaces requests evenly', async () => {
    const v = virtual();
    const limiter = createLimiter({ perSecond: 2.5, marginMs: 0, ...v });
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire();
      starts.push(v.now());
    }
    expect(starts).toEqual([0, 0, 800, 800]);
  });

  it('an aborted wait rejects', async () => {
    const limiter = createLimiter({ perSecond: 1, marginMs: 0 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
