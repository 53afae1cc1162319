import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceBatch } from '../../core/ports.js';
import { bundleWorker } from '../../../test/helpers/bundle-worker.js';
import { generateExport } from '../../bench/generate.js';
import { Worker } from 'node:worker_threads';
import { JsonFileError } from './json-rows.js';
import type { MainMessage, ReaderInput, ReaderMessage } from './protocol.js';
import { readExports, type ExportsSummary } from './read-exports.js';
import { readExportsInWorker } from './threaded.js';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../demo/data');
const dir = mkdtempSync(path.join(tmpdir(), 'vl-threaded-'));
let workerUrl: URL;

beforeAll(async () => {
  workerUrl = await bundleWorker('src/sources/defender-file/worker.ts');
}, 60_000);

async function drain(gen: AsyncGenerator<SourceBatch, ExportsSummary, void>): Promise<{ batches: SourceBatch[]; summary: ExportsSummary }> {
  const batches: SourceBatch[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { batches, summary: next.value };
    batches.push(next.value);
  }
}

async function failure(gen: AsyncGenerator<SourceBatch, ExportsSummary, void>): Promise<Error> {
  try {
    await drain(gen);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the reader to fail');
}

describe('readExportsInWorker (the export reader thread)', () => {
  it('yields exactly the batches of the in-thread reader: findings, content hashes, skips, models, envelope summary', async () => {
    const generated = await generateExport(path.join(dir, 'gen'), 3000, 700);
    const files = [
      ...generated.files,
      path.join(DEMO, 'week-0-grouped', 'containers-grouped.json'),
      path.join(DEMO, 'week-2', 'machines.json'),
      path.join(DEMO, 'week-2', 'sql.json'),
    ];
    const inThread = await drain(readExports(files, { batchSize: 100 }));
    const threaded = await drain(readExportsInWorker(workerUrl, files, { batchSize: 100 }));
    expect(threaded.batches.length).toBeGreaterThan(10);
    expect(threaded).toEqual(inThread);
    const hashes = threaded.batches.flatMap((b) => b.contentHashes ?? []);
    expect(hashes).toHaveLength(threaded.batches.reduce((n, b) => n + b.findings.length, 0));
  });

  it('reports progress in bytes across files, ending at the total size', async () => {
    const generated = await generateExport(path.join(dir, 'progress'), 2000, 400);
    const seen: number[] = [];
    await drain(readExportsInWorker(workerUrl, generated.files, { onBytes: (b) => seen.push(b) }));
    expect(seen.length).toBeGreaterThan(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(generated.bytes);
  });

  it('reports how busy the reader thread was, once, when it is done', async () => {
    const generated = await generateExport(path.join(dir, 'usage'), 2000, 2000);
    const usage: Array<{ activeMs: number; idleMs: number }> = [];
    await drain(readExportsInWorker(workerUrl, generated.files, { onReaderUsage: (u) => usage.push(u) }));
    expect(usage).toHaveLength(1);
    // Parsing and mapping 2,000 findings keeps a thread busy for more than a millisecond.
    expect(usage[0]!.activeMs).toBeGreaterThan(1);
    expect(usage[0]!.idleMs).toBeGreaterThanOrEqual(0);
  });

  it('a malformed file fails with the same JsonFileError (file, byte, line, column) as in-thread, after the rows before it', async () => {
    const good = path.join(DEMO, 'week-1', 'machines.json');
    const bad = path.join(dir, 'truncated.json');
    writeFileSync(bad, '{"data": [\n  {"id": "a", "type": "microsoft.security/assessments"},\n  {"id": "b", "prop');
    const expected = await failure(readExports([good, bad]));
    const error = await failure(readExportsInWorker(workerUrl, [good, bad]));
    expect(error).toBeInstanceOf(JsonFileError);
    expect(expected).toBeInstanceOf(JsonFileError);
    const { file, byteOffset, line, column, reason, message } = error as JsonFileError;
    expect({ file, byteOffset, line, column, reason, message }).toEqual({
      file: bad,
      byteOffset: (expected as JsonFileError).byteOffset,
      line: 3,
      column: (expected as JsonFileError).column,
      reason: (expected as JsonFileError).reason,
      message: expected.message,
    });
  });

  it('a missing file fails with the reason, not a crash of the thread', async () => {
    const error = await failure(readExportsInWorker(workerUrl, [path.join(dir, 'nope.json')]));
    expect(error.message).toMatch(/nope\.json/);
    expect(error).not.toBeInstanceOf(JsonFileError);
  });

  it('cancelling stops the thread and fails the read', async () => {
    const generated = await generateExport(path.join(dir, 'cancel'), 4000, 4000);
    const controller = new AbortController();
    const gen = readExportsInWorker(workerUrl, generated.files, { batchSize: 50, signal: controller.signal });
    const first = await gen.next();
    expect(first.done).toBe(false);
    controller.abort();
    await expect(drain(gen)).rejects.toThrow(/cancelled/);
  });

  it('the reader thread posts no more batches than it has credits for (memory stays bounded when the ledger is slower)', async () => {
    const generated = await generateExport(path.join(dir, 'slow'), 6000, 6000);
    const input: ReaderInput = { files: generated.files, batchSize: 50, inFlight: 2 };
    const worker = new Worker(workerUrl, { workerData: input });
    let batches = 0;
    let onBatch: (() => void) | null = null;
    worker.on('message', (m: ReaderMessage) => {
      if (m.type !== 'batch') return;
      batches++;
      onBatch?.();
    });
    const batchCount = (n: number) => new Promise<void>((resolve) => (onBatch = () => batches >= n && resolve()));
    try {
      await batchCount(2);
      // The file holds 120 batches; without credits more would arrive within this pause.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(batches).toBe(2);
      worker.postMessage({ type: 'ack' } satisfies MainMessage);
      await batchCount(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(batches).toBe(3);
    } finally {
      await worker.terminate();
    }
  });
});
