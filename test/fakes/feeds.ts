/**
 * Fake feed / enrichment server for tests: one node:http server on 127.0.0.1 (port 0) serving
 *  - configurable routes (RSS, Atom, KEV JSON, EPSS CSV, anything) with `ETag` and `Last-Modified`,
 *    answering `304 Not Modified` to a matching `If-None-Match` (which wins) or `If-Modified-Since`;
 *  - per-route status (404, 500, …), delay before the response (a slow feed past a client timeout),
 *    and bodies of any size (`largeRssFeed` builds a 5 MB item);
 *  - the FIRST EPSS API query endpoint (`/data/v1/epss` by default): `data` rows for the CVEs in the
 *    `cve` parameter from a configured score table, 400 for a `cve` parameter over 2000 characters,
 *    `limit` (default 100) and `offset` applied as the real API does;
 *  - 404 for anything else.
 * Every request is logged (method, path, query, conditional headers, status answered).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One configured path. */
export interface FakeRoute {
  /** Status for a full answer (default 200). 304 handling applies only to 2xx routes. */
  status?: number;
  body?: string | Buffer;
  /** Default `application/xml; charset=utf-8`. */
  contentType?: string;
  /** Strong or weak (`W/"…"`) validator; null/absent = no ETag header. */
  etag?: string | null;
  /** HTTP-date; null/absent = no Last-Modified header. */
  lastModified?: string | null;
  /** Wait this long before answering (the response is abandoned if the client goes away). */
  delayMs?: number;
  headers?: Record<string, string>;
}

/** An EPSS score as the API serves it (decimal strings). */
export interface FakeEpssScore {
  epss: string;
  percentile: string;
  date?: string;
}

export interface FakeEpssOptions {
  /** Default `/data/v1/epss`. */
  path?: string;
  /** CVE id (upper case) → score. CVEs not in the table are left out of `data`, like the real API. */
  scores: Record<string, FakeEpssScore>;
  /** Default 2000 (FIRST's documented maximum, commas included). */
  maxCveChars?: number;
  /** Date used for rows without one. Default 2026-06-01. */
  date?: string;
}

export interface FakeFeedServerOptions {
  routes?: Record<string, FakeRoute>;
  epss?: FakeEpssOptions;
}

export interface FakeRequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  userAgent: string | null;
  status: number;
}

export interface FakeFeedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Absolute URL of a path (may include a query string). */
  urlFor(path: string): string;
  /** Every request so far, in arrival order (status filled in when answered). */
  readonly requests: readonly FakeRequestLogEntry[];
  /** Requests for one path. */
  requestsFor(path: string): FakeRequestLogEntry[];
  /** Adds or replaces a route (e.g. to publish a new feed version with a new ETag). */
  setRoute(path: string, route: FakeRoute): void;
  removeRoute(path: string): void;
  close(): Promise<void>;
}

const DEFAULT_EPSS_PATH = '/data/v1/epss';

/** Starts the fake server on an ephemeral port. */
export async function startFakeFeedServer(options: FakeFeedServerOptions = {}): Promise<FakeFeedServer> {
  const routes = new Map<string, FakeRoute>(Object.entries(options.routes ?? {}));
  const epss = options.epss;
  const epssPath = epss?.path ?? DEFAULT_EPSS_PATH;
  const requests: FakeRequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: FakeRequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ifNoneMatch: header(req, 'if-none-match'),
      ifModifiedSince: header(req, 'if-modified-since'),
      userAgent: header(req, 'user-agent'),
      status: 0,
    };
    requests.push(entry);
    const send = (status: number, body: string | Buffer | null, headers: Record<string, string> = {}): void => {
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : (body ?? undefined));
    };

    if (epss && url.pathname === epssPath) {
      answerEpss(url, epss, send);
      return;
    }
    const route = routes.get(url.pathname);
    if (!route) {
      send(404, 'Not Found', { 'content-type': 'text/plain; charset=utf-8' });
      return;
    }
    const answer = (): void => answerRoute(req, route, send);
    if (!route.delayMs) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer();
    }, route.delayMs);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    urlFor: (path) => `${base}${path.startsWith('/') ? '' : '/'}${path}`,
    requests,
    requestsFor: (path) => requests.filter((r) => r.path === path),
    setRoute: (path, route) => {
      routes.set(path, route);
    },
    removeRoute: (path) => {
      routes.delete(path);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

type Send = (status: number, body: string | Buffer | null, headers?: Record<string, string>) => void;

function answerRoute(req: IncomingMessage, route: FakeRoute, send: Send): void {
  const status = route.status ?? 200;
  const headers: Record<string, string> = { 'content-type': route.contentType ?? 'application/xml; charset=utf-8', ...route.headers };
  if (route.etag) headers['etag'] = route.etag;
  if (route.lastModified) headers['last-modified'] = route.lastModified;
  if (status >= 200 && status < 300 && notModified(req, route)) {
    const validators: Record<string, string> = {};
    if (route.etag) validators['etag'] = route.etag;
    if (route.lastModified) validators['last-modified'] = route.lastModified;
    send(304, null, validators);
    return;
  }
  send(status, route.body ?? '', headers);
}

/** RFC 9110 §13.1: If-None-Match (weak comparison) takes precedence; If-Modified-Since only without it. */
function notModified(req: IncomingMessage, route: FakeRoute): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifNoneMatch !== null) {
    if (!route.etag) return false;
    if (ifNoneMatch.trim() === '*') return true;
    const mine = opaque(route.etag);
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === mine);
  }
  const ifModifiedSince = header(req, 'if-modified-since');
  if (ifModifiedSince === null || !route.lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(route.lastModified);
  if (Number.isNaN(since) || Number.isNaN(modified)) return false;
  return Math.floor(modified / 1000) <= Math.floor(since / 1000);
}

function opaque(tag: string): string {
  const trimmed = tag.trim();
  return trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
}

function answerEpss(url: URL, epss: FakeEpssOptions, send: Send): void {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const max = epss.maxCveChars ?? 2000;
  const cve = url.searchParams.get('cve') ?? '';
  if (cve.length > max) {
    send(400, JSON.stringify({ status: 'error', 'status-code': 400, version: '1.0', message: `The parameter cve is longer than ${max} characters (${cve.length})` }), json);
    return;
  }
  const wanted = cve === '' ? Object.keys(epss.scores) : cve.split(',').map((c) => c.trim().toUpperCase());
  const rows = [...new Set(wanted)]
    .filter((id) => Object.hasOwn(epss.scores, id))
    .map((id) => {
      const score = epss.scores[id] as FakeEpssScore;
      return { cve: id, epss: score.epss, percentile: score.percentile, date: score.date ?? epss.date ?? '2026-06-01' };
    });
  const limit = clampInt(url.searchParams.get('limit'), 100);
  const offset = clampInt(url.searchParams.get('offset'), 0);
  send(
    200,
    JSON.stringify({
      status: 'OK',
      'status-code': 200,
      version: '1.0',
      access: 'private, no-cache',
      total: rows.length,
      offset,
      limit,
      data: rows.slice(offset, offset + limit),
    }),
    json,
  );
}

function clampInt(value: string | null, fallback: number): number {
  const n = Number(value);
  return value !== null && Number.isInteger(n) && n >= 0 ? n : fallback;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** An RSS 2.0 feed with one item whose description is at least `bytes` long (escaped HTML), ending with `CVE-2026-99999`. */
export function largeRssFeed(bytes = 5 * 1024 * 1024): string {
  const chunk = '&lt;p&gt;Lorem ipsum dolor sit amet, consectetur adipiscing elit &amp;amp; more.&lt;/p&gt;\n';
  const body = chunk.repeat(Math.ceil(bytes / chunk.length));
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Large</title><link>https://large.example.com/</link>
<item><title>A very large advisory</title><guid isPermaLink="false">large-1</guid><pubDate>Mon, 01 Jun 2026 00:00:00 +0000</pubDate>
<description>${body}&lt;p&gt;CVE-2026-99999&lt;/p&gt;</description></item></channel></rss>`;
}
