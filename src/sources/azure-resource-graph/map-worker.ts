/**
 * The mapping thread of the azure-resource-graph source: parses and maps the rows of each page it
 * is sent (map-page.ts) and posts the batches back slice by slice, while the main thread fetches
 * the next page and writes the ledger.
 */
import { parentPort } from 'node:worker_threads';
import { createHeapTrimmer } from '../../util/heap.js';
import { messageOf } from '../../util/errors.js';
import { applyDetailUpdates, type FoundCveDetail } from './cve-detail-apply.js';
import type { MapJob, MapReply } from './map-protocol.js';
import { mapPage, pageSlices } from './map-page.js';

const port = parentPort;
if (!port) throw new Error('map-worker.ts is the mapping thread; it is started by page-mapper.ts, not run directly');

// This thread's live data is one page; collect its garbage early so the process's peak RSS stays flat.
const trim = createHeapTrimmer(64 * 1024 * 1024);
// CVE details the source has sent so far, applied to every page mapped after they arrived.
const details = new Map<string, FoundCveDetail>();

port.on('message', (job: MapJob) => {
  mapJob(job);
  trim();
});

function mapJob(job: MapJob): void {
  const post = (reply: MapReply): void => port!.postMessage(reply);
  applyDetailUpdates(details, job.details);
  const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  const count = job.ranges.length / 2;
  for (const [start, end] of pageSlices(count, job.sliceRows)) {
    const rows: unknown[] = [];
    for (let i = start; i < end; i++) {
      try {
        rows.push(JSON.parse(body.toString('utf8', job.ranges[2 * i], job.ranges[2 * i + 1])));
      } catch (error) {
        post({ id: job.id, failedRow: i, failed: messageOf(error) });
        return;
      }
    }
    post({ id: job.id, batch: mapPage(rows, job.kind, job.model, details), last: end >= count });
  }
}
