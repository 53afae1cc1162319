/**
 * Turns fetched pages into source batches of at most `sliceRows` rows. With a mapping thread
 * (map-worker.ts), a page's rows are parsed and mapped there while the source fetches the next
 * page and the ledger writes the previous one; without one (or for a page that was parsed whole),
 * on the main thread. Either way the batches are the same, in the same order, and a row that is not
 * JSON fails with the client's `malformed` error for that row.
 */
import { Worker } from 'node:worker_threads';
import type { DefenderModel } from '../../core/finding.js';
import type { ResourceGraphPage } from './client.js';
import { applyDetailUpdates, type CveDetailUpdates, type FoundCveDetail } from './cve-detail-apply.js';
import type { MapJob, MapReply } from './map-protocol.js';
import { WorkerInbox } from '../../util/worker-inbox.js';
import { mapPage, pageSlices, type MappedBatch } from './map-page.js';
import type { QueryKind } from './queries.js';

export interface PageMapper {
  /**
   * The page's batches in order, with `details` (new since the previous page) and all earlier
   * ones applied; consume one page fully before mapping the next.
   */
  map(page: ResourceGraphPage, kind: QueryKind, model: DefenderModel, details: CveDetailUpdates): AsyncGenerator<MappedBatch, void, void>;
  /** Pages mapped so far on the mapping thread and on the calling thread. */
  readonly pages: { onThread: number; inThread: number };
  close(): Promise<void>;
}

/** Maps a page on the calling thread, slice by slice (a page never exists as one object tree). */
async function* mapHere(page: ResourceGraphPage, kind: QueryKind, model: DefenderModel, sliceRows: number, known: ReadonlyMap<string, FoundCveDetail>): AsyncGenerator<MappedBatch, void, void> {
  for (const [start, end] of pageSlices(page.rowCount, sliceRows)) yield mapPage(page.takeRows(start, end), kind, model, known);
}

/** Maps on the calling thread. */
export function inThreadMapper(sliceRows: number): PageMapper {
  const pages = { onThread: 0, inThread: 0 };
  const known = new Map<string, FoundCveDetail>();
  return {
    pages,
    map(page, kind, model, details) {
      pages.inThread++;
      applyDetailUpdates(known, details);
      return mapHere(page, kind, model, sliceRows, known);
    },
    close: async () => undefined,
  };
}

/** Maps on a worker thread started from `workerUrl`; pages without raw rows are mapped in-thread. */
export function threadMapper(workerUrl: URL, sliceRows: number): PageMapper {
  // Started with the first page to map (a run that reads no page starts no thread).
  let thread: { worker: Worker; inbox: WorkerInbox<MapReply> } | null = null;
  const start = (): { worker: Worker; inbox: WorkerInbox<MapReply> } => {
    const worker = new Worker(workerUrl);
    return { worker, inbox: new WorkerInbox<MapReply>(worker, 'the Resource Graph mapping thread') };
  };
  let nextId = 0;
  // Every detail so far (for pages mapped here), and those the thread has not been sent yet.
  const known = new Map<string, FoundCveDetail>();
  const unsent: Array<CveDetailUpdates[number]> = [];

  const pages = { onThread: 0, inThread: 0 };
  return {
    pages,
    async *map(page, kind, model, details) {
      applyDetailUpdates(known, details);
      unsent.push(...details);
      const raw = page.rowBytes();
      if (raw === null) {
        pages.inThread++;
        yield* mapHere(page, kind, model, sliceRows, known);
        return;
      }
      thread ??= start();
      const { worker, inbox } = thread;
      pages.onThread++;
      // The body is copied into a buffer of its own, which moves to the thread without another copy.
      const body = new Uint8Array(raw.body.byteLength);
      body.set(raw.body);
      const ranges = new Int32Array(raw.ranges.length * 2);
      raw.ranges.forEach(([start, end], i) => {
        ranges[2 * i] = start;
        ranges[2 * i + 1] = end;
      });
      // Replies to an earlier page the caller stopped reading are skipped by their id.
      const id = ++nextId;
      worker.postMessage({ id, body, ranges, kind, model, sliceRows, details: unsent.splice(0) } satisfies MapJob, [body.buffer, ranges.buffer]);
      for (;;) {
        const reply = await inbox.next();
        if (reply.id !== id) continue;
        if ('failed' in reply) {
          // Read that row here: the client's reader throws its `malformed` error for it (the scope is then unread).
          page.takeRows(reply.failedRow, reply.failedRow + 1);
          throw new Error(`row ${reply.failedRow + 1} of the page could not be read on the mapping thread (${reply.failed}) but could on this one`);
        }
        yield reply.batch;
        if (reply.last) return;
      }
    },
    async close() {
      await thread?.worker.terminate();
    },
  };
}
