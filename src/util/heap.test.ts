import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createHeapTrimmer } from './heap.js';

/** Full (major) collections while `fn` runs, counted from Node's `gc` performance entries. */
async function majorCollections(fn: () => void): Promise<number> {
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    majors += list.getEntries().filter((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    fn();
    await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
  } finally {
    observer.disconnect();
  }
  return majors;
}

/**
 * Full collections while a trimmer with a 16 MB bound is called between 20 batches that allocate
 * nothing: the first call collects (the heap is over the bound), the other 19 must not.
 */
function collectionsOverIdleBatches(): Promise<number> {
  return majorCollections(() => {
    const trim = createHeapTrimmer(16 * 1024 * 1024);
    for (let i = 0; i < 20; i++) trim();
  });
}

describe('createHeapTrimmer', () => {
  it('collects garbage once the heap is over the bound, and not below it', () => {
    let garbage: string[] | null = Array.from({ length: 200_000 }, (_, i) => `row ${i} ${'x'.repeat(100)}`);
    expect(garbage.length).toBe(200_000);
    garbage = null;
    const before = v8.getHeapStatistics().used_heap_size;
    createHeapTrimmer(Number.MAX_SAFE_INTEGER)(); // under the bound: no collection
    const untouched = v8.getHeapStatistics().used_heap_size;
    expect(untouched).toBeGreaterThan(before - 5_000_000);
    createHeapTrimmer(0)(); // over the bound: a full collection frees the ~25 MB of strings
    expect(v8.getHeapStatistics().used_heap_size).toBeLessThan(untouched - 15_000_000);
  });

  it('does not collect after every batch when more than the bound is live', async () => {
    // ~40 MB that stays live, against a 16 MB bound: the heap is over the bound even right after a collection.
    const live = Array.from({ length: 300_000 }, (_, i) => `row ${i} ${'x'.repeat(100)}`);
    const majors = await collectionsOverIdleBatches();
    expect(live).toHaveLength(300_000);
    expect(majors).toBeGreaterThanOrEqual(1);
    expect(majors).toBeLessThanOrEqual(2);
  });

  it('does not collect after every batch when the heap keeps room it no longer uses', async () => {
    // A collection frees garbage but V8 keeps the pages it had: the committed heap stays over the
    // bound while what is live (~5 MB) is well under it.
    const live = Array.from({ length: 40_000 }, (_, i) => `row ${i} ${'x'.repeat(100)}`);
    let garbage: string[][] | null = Array.from({ length: 6 }, (_, j) => Array.from({ length: 100_000 }, (_, i) => `garbage ${j} ${i} ${'y'.repeat(60)}`));
    expect(garbage).toHaveLength(6);
    garbage = null;
    const majors = await collectionsOverIdleBatches();
    expect(live).toHaveLength(40_000);
    expect(majors).toBeGreaterThanOrEqual(1);
    expect(majors).toBeLessThanOrEqual(2);
  });

  it('counts the memory buffers hold outside the heap', async () => {
    let buffers: Buffer[] | null = Array.from({ length: 50 }, () => Buffer.alloc(1 << 20, 1));
    const refs = buffers.map((b) => new WeakRef(b));
    buffers = null;
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are held until the current job ends
    const heap = v8.getHeapStatistics();
    expect(heap.external_memory).toBeGreaterThan(50_000_000);
    // The heap alone is under this bound; with the 50 MB of buffers it is over: they are collected.
    createHeapTrimmer(heap.total_heap_size + 20_000_000)();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});
