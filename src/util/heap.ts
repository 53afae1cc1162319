/**
 * Keeps a long streaming import's memory flat. The live heap of a run stays small (tens of MB:
 * the fingerprints seen so far), but V8 lets garbage pile up while SQLite writes, and peak RSS then
 * grows with the export. A full collection when the heap has grown past a bound returns that
 * memory; it costs a few tens of milliseconds each time, a handful of times per 100k findings.
 *
 * `global.gc` exists only with `--expose-gc`. The flag is switched on at run time with
 * `v8.setFlagsFromString` and the function taken from a fresh `vm` context (Node's docs warn that
 * flags changed after start-up may behave unpredictably; heap.test.ts checks this one works on the
 * Node we run). If it ever stops working, the trimmer does nothing and the run is unaffected.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = () => void;

let cached: Gc | null | undefined;

function collector(): Gc | null {
  if (cached !== undefined) return cached;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    cached = typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * Returns a function to call between batches: it collects when the heap V8 has reserved plus the
 * memory its objects hold outside it (buffers: HTTP bodies, pages handed to a worker) exceeds
 * `maxBytes`. Counting the buffers took the Resource Graph benchmark's peak RSS from ~390 MB to
 * ~350 MB.
 *
 * V8 keeps its pages after a collection, so the reserved heap can stay over the bound however
 * little of it is live; and a very large export can keep more than the bound live. Collecting again
 * after every batch then marks everything each time, so a collection also waits until a quarter of
 * the bound has been allocated since the last one. Measured reading the 100k export with 60,000
 * finding texts kept alive (~60 MB) against a 64 MB bound: 328 collections and 12.0 s without this
 * guard, 11 collections and 2.1 s with it. (Deciding by the heap in use alone also avoided that, but
 * let the Resource Graph benchmark's peak RSS reach 420 MB.)
 */
export function createHeapTrimmer(maxBytes = 160 * 1024 * 1024): () => void {
  const gc = collector();
  if (!gc) return () => undefined;
  // What the last collection left: in use now minus this is what has been allocated since.
  let live = 0;
  return () => {
    const heap = v8.getHeapStatistics();
    if (heap.total_heap_size + heap.external_memory <= maxBytes) return;
    if (heap.used_heap_size + heap.external_memory - live < maxBytes / 4) return;
    gc();
    const after = v8.getHeapStatistics();
    live = after.used_heap_size + after.external_memory;
  };
}
