/**
 * A minimal Resource Graph for the benchmark (the test fake in test/fakes is not built into
 * dist/): `POST /providers/Microsoft.ResourceGraph/resources` with a bearer token, `$skipToken`
 * paging at `$top` rows (at most 1000), quota headers, the subscriptions list, cvedetails for the requested CVE ids
 * and the one-row probe. Unlike the test fake it tells the four kinds apart by the `ResourceType`
 * the query names, so each row is served once, as Resource Graph would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const BENCH_TOKEN = 'bench-arg-token-7d41c9';
const PAGE = 1000;

/** Rows per kind, each already serialised (the server only joins strings). */
export interface BenchRows {
  images: string[];
  machines: string[];
  subscriptions: string[];
}

export interface BenchServer {
  url: string;
  requests: number;
  /** Pages of findings rows (images and machines) served. */
  dataPages: number;
  close(): Promise<void>;
}

const SEVERITIES = ['Critical', 'High', 'High', 'Medium', 'Low'];

function cveDetailsRow(id: string): string {
  const n = Number(id.split('-')[2] ?? 0);
  return JSON.stringify({
    id: `/providers/microsoft.security/cvedetails/${id}`,
    name: id,
    type: 'microsoft.security/cvedetails',
    properties: { cveId: id.toUpperCase(), severity: SEVERITIES[n % SEVERITIES.length], cvss: { '3.0': { base: (n % 100) / 10 } }, publishedDate: '2025-06-01T00:00:00Z' },
  });
}

/** Which rows a query asks for (the benchmark's stand-in for KQL). */
function rowsFor(query: string, rows: BenchRows): string[] | ((q: string) => string[]) {
  if (query.includes('microsoft.security/assessments/subassessments')) return [];
  if (query.includes('microsoft.resources/subscriptions')) return rows.subscriptions;
  if (query.includes('microsoft.security/cvedetails')) {
    if (/\|\s*take 1\s*$/.test(query)) return [cveDetailsRow('cve-2025-10000')];
    return (q) => [...q.matchAll(/"(cve-\d{4}-\d+)"/g)].map((m) => cveDetailsRow(m[1]!));
  }
  if (query.includes('SQL Vulnerability Assessment') || query.includes('K8s-container')) return [];
  if (query.includes('.containerimage')) return rows.images;
  if (query.includes('Microsoft.Compute/virtualMachines')) return rows.machines;
  return [];
}

/** A Resource Graph response page: the envelope around `slice`, whole rows `offset`… of `all`. */
function pageBody(all: readonly string[], offset: number, pageSize: number): string {
  const slice = all.slice(offset, offset + pageSize);
  const next = offset + slice.length < all.length ? Buffer.from(String(offset + slice.length)).toString('base64') : null;
  return `{"totalRecords":${all.length},"count":${slice.length},"resultTruncated":"false",${next ? `"$skipToken":"${next}",` : ''}"facets":[],"data":[${slice.join(',')}]}`;
}

/**
 * The findings pages at the default page size, rendered before any request: joining and encoding a
 * 1.4 MB page costs this process ~35 ms, ~4 s of CPU a run, and it runs on the same two cores as
 * the import it serves. Resource Graph's own cost is not the source's, so it is paid up front.
 */
function renderPages(all: readonly string[]): Map<number, Buffer> {
  const pages = new Map<number, Buffer>();
  for (let offset = 0; offset < all.length; offset += PAGE) pages.set(offset, Buffer.from(pageBody(all, offset, PAGE)));
  return pages;
}

/** Starts the server on 127.0.0.1 (ephemeral port). */
export async function startBenchResourceGraph(rows: BenchRows): Promise<BenchServer> {
  const state = { requests: 0, dataPages: 0 };
  const rendered = new Map<readonly string[], Map<number, Buffer>>([
    [rows.images, renderPages(rows.images)],
    [rows.machines, renderPages(rows.machines)],
  ]);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const headers = { 'content-type': 'application/json', 'x-ms-user-quota-remaining': '14', 'x-ms-user-quota-resets-after': '00:00:05' };
      if (req.headers.authorization !== `Bearer ${BENCH_TOKEN}`) {
        res.writeHead(401, headers).end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; options?: { $skipToken?: string; $top?: number } };
      const pageSize = Math.min(PAGE, body.options?.$top ?? PAGE);
      const selected = rowsFor(body.query, rows);
      const all = typeof selected === 'function' ? selected(body.query) : selected;
      const offset = body.options?.$skipToken ? Number(Buffer.from(body.options.$skipToken, 'base64').toString('utf8')) : 0;
      if (selected === rows.images || selected === rows.machines) state.dataPages++;
      res.writeHead(200, headers);
      const ready = typeof selected === 'function' || pageSize !== PAGE ? undefined : rendered.get(selected)?.get(offset);
      res.end(ready ?? pageBody(all, offset, pageSize));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get dataPages() {
      return state.dataPages;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
