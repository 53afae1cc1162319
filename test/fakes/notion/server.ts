/**
 * Fake Notion API (version 2025-09-03) for tests: node:http on 127.0.0.1, port 0, serving the
 * endpoints vulnledger uses at `/v1/...`, with Notion's auth/version checks, validation, error
 * bodies, an optional rolling-second rate limit, and injectable faults (incl. "applied but the
 * response was lost"). Contracts: ../../../../shared/reference/notion-slack-teams.md §0, §1, §5.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultCode, defaultMessage, errorBody, NotionFakeError, validation } from './errors.js';
import { NotionStore, pathId } from './store.js';
import type { FakeClock } from './types.js';
import { isRecord, NOTION_LIMITS } from './validate.js';

/** The only `Notion-Version` the fake accepts. */
export const NOTION_VERSION = '2025-09-03';
/** Default user id of the integration (bot) behind the token. */
export const BOT_USER_ID = 'b0b0b0b0-0000-4000-8000-000000000001';
/** Default user id for {@link FakeNotion.editPageAsPerson}. */
export const PERSON_USER_ID = 'a1a1a1a1-0000-4000-8000-000000000002';
/** Name `GET /v1/users/{PERSON_USER_ID}` returns. */
export const PERSON_NAME = 'Hanako Sato';

export interface FakeNotionOptions {
  /** The integration token; requests must send `Authorization: Bearer <token>`. */
  token: string;
  /** Source of "now" for created/last_edited times (default: system time). */
  clock?: FakeClock;
  /** Rows per query before `query_result_limit_reached` (default 10,000). */
  queryCap?: number;
  /** Enforce at most `perSecond` accepted requests in any rolling second (429 + Retry-After above). */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number };
  /** Round created/last_edited times down to the minute like Notion (default true). */
  roundTimestamps?: boolean;
  /** Bot user id reported as created_by / last_edited_by for API writes. */
  botUserId?: string;
  /** Request bodies above this many bytes get 413 (default 500,000; UNCONFIRMED). */
  maxBodyBytes?: number;
}

/** One injected fault; applies to the next `times` requests matching `method` and `path`. */
export interface FakeFault {
  /** HTTP method, case-insensitive (default: any). */
  method?: string;
  /** Tested against the URL path, e.g. `/^\/v1\/pages$/` (default: any). */
  path?: RegExp;
  times: number;
  /** Status to answer with; omit with `afterApply` to delay/hang the real success response. */
  status?: number;
  /** Error code (default from the status: 429 rate_limited, 409 conflict_error, 529 service_overload, …). */
  code?: string;
  message?: string;
  /** `Retry-After` header value (seconds or an HTTP date). */
  retryAfter?: number | string;
  /** `additional_data.rate_limit_reason` for 429 (default `public_api_request_rate_limit`). */
  rateLimitReason?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with an HTML body (like an edge proxy's 502), which the SDK cannot parse. */
  nonJson?: boolean;
  /** Apply the request first, then answer with `status` / delay / hang: "applied but the response was lost". */
  afterApply?: boolean;
  /** Never answer (the client times out); the connection is closed by `close()`. */
  hang?: boolean;
}

/** One request as the fake saw it. `status` is 0 while unanswered (or hung). */
export interface RecordedRequest {
  method: string;
  /** URL path without the query string, e.g. `/v1/pages`. */
  path: string;
  /** Query string including `?`, or ''. */
  query: string;
  /** Parsed JSON body (raw text when not JSON; undefined when empty). */
  body: unknown;
  status: number;
  code?: string;
  requestId: string;
  /** True when an injected fault or the rate limiter answered. */
  fault: boolean;
  /** Arrival time (ms since epoch, real time). */
  at: number;
}

export interface FakeNotionStats {
  /** Every request received. */
  requests: number;
  /** Requests refused by the rate limiter (not counting injected 429s). */
  rateLimited: number;
}

export interface FakeNotion {
  /** Base URL for `new Client({ baseUrl })`: no `/v1`, no trailing slash. */
  url: string;
  botUserId: string;
  close(): Promise<void>;
  /** Creates a database with one data source. `properties` are schema configs in request shape. */
  createDatabase(input: { title: string; properties: Record<string, unknown> }): { databaseId: string; dataSourceId: string };
  /** Adds another data source to a database (then `parent.database_id` creates are refused). */
  addDataSource(databaseId: string, input: { title: string; properties: Record<string, unknown> }): string;
  /** The data source object as `GET /v1/data_sources/{id}` returns it. */
  schema(dataSourceId: string): Record<string, unknown>;
  /** All pages of a data source (creation order, trashed included), response-shaped. */
  pages(dataSourceId: string): Record<string, unknown>[];
  /** One page response-shaped, or undefined. */
  page(id: string): Record<string, unknown> | undefined;
  /** Live direct children of a page or block, response-shaped. */
  blocks(pageId: string): Record<string, unknown>[];
  /** Adds a user `GET /v1/users/{id}` knows (the bot and {@link PERSON_USER_ID} exist already). */
  addUser(id: string, name: string | null, type?: 'person' | 'bot'): void;
  /** Edits a page as a person (request-shaped values); throws NotionFakeError when invalid. */
  editPageAsPerson(pageId: string, properties: Record<string, unknown>, userId?: string): Record<string, unknown>;
  /** Every request in arrival order; tests may clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  inject(fault: FakeFault): void;
  /** Drops faults not yet used up. */
  clearFaults(): void;
  readonly stats: FakeNotionStats;
}

type Json = Record<string, unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  handle(store: NotionStore, m: RegExpExecArray, body: Json, url: URL): Json;
}

const ID = '([^/]+)';
const ROUTES: Route[] = [
  { method: 'GET', pattern: new RegExp(`^/v1/databases/${ID}$`), handle: (s, m) => s.databaseOut(pathId('database_id', m[1]!)) },
  { method: 'GET', pattern: new RegExp(`^/v1/data_sources/${ID}$`), handle: (s, m) => s.dataSourceOut(pathId('data_source_id', m[1]!)) },
  { method: 'PATCH', pattern: new RegExp(`^/v1/data_sources/${ID}$`), handle: (s, m, b) => s.updateDataSource(pathId('data_source_id', m[1]!), b) },
  {
    method: 'POST', pattern: new RegExp(`^/v1/data_sources/${ID}/query$`),
    handle: (s, m, b, u) => s.queryDataSource(pathId('data_source_id', m[1]!), b, u.searchParams.getAll('filter_properties')),
  },
  { method: 'POST', pattern: /^\/v1\/pages$/, handle: (s, _m, b) => s.createPage(b) },
  { method: 'GET', pattern: new RegExp(`^/v1/pages/${ID}$`), handle: (s, m, _b, u) => s.pageOut(pathId('page_id', m[1]!), u.searchParams.getAll('filter_properties')) },
  { method: 'PATCH', pattern: new RegExp(`^/v1/pages/${ID}$`), handle: (s, m, b) => s.updatePage(pathId('page_id', m[1]!), b) },
  {
    method: 'GET', pattern: new RegExp(`^/v1/blocks/${ID}/children$`),
    handle: (s, m, _b, u) => s.listChildren(pathId('block_id', m[1]!), u.searchParams.get('start_cursor') ?? undefined, u.searchParams.get('page_size') ?? undefined),
  },
  { method: 'PATCH', pattern: new RegExp(`^/v1/blocks/${ID}/children$`), handle: (s, m, b) => s.appendChildren(pathId('block_id', m[1]!), b) },
  { method: 'DELETE', pattern: new RegExp(`^/v1/blocks/${ID}$`), handle: (s, m) => s.deleteBlock(pathId('block_id', m[1]!)) },
  { method: 'GET', pattern: new RegExp(`^/v1/users/${ID}$`), handle: (s, m) => s.userOut(pathId('user_id', m[1]!)) },
];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the fake on 127.0.0.1 with an OS-assigned port. */
export async function startFakeNotion(options: FakeNotionOptions): Promise<FakeNotion> {
  const botUserId = options.botUserId ?? BOT_USER_ID;
  const clock = options.clock ?? { now: () => new Date() };
  const store = new NotionStore({
    clock,
    roundTimestamps: options.roundTimestamps ?? true,
    queryCap: options.queryCap ?? 10_000,
    botUserId,
  });
  const maxBodyBytes = options.maxBodyBytes ?? NOTION_LIMITS.bodyBytes;
  const requests: RecordedRequest[] = [];
  const stats: FakeNotionStats = { requests: 0, rateLimited: 0 };
  const faults: (FakeFault & { left: number })[] = [];
  const window: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function send(res: ServerResponse, rec: RecordedRequest, status: number, body: Json, headers: Record<string, string> = {}): void {
    rec.status = status;
    if (closed || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-notion-request-id': rec.requestId, ...headers });
    res.end(text);
  }

  function sendError(res: ServerResponse, rec: RecordedRequest, err: NotionFakeError, headers: Record<string, string> = {}): void {
    rec.code = err.code;
    send(res, rec, err.status, { ...errorBody(err, rec.requestId) }, headers);
  }

  /** Answers with an injected fault's status (or nothing when it hangs). */
  async function answerFault(res: ServerResponse, rec: RecordedRequest, f: FakeFault): Promise<void> {
    rec.fault = true;
    if (f.hang) return;
    const status = f.status ?? 500;
    if (f.nonJson) {
      rec.status = status;
      if (closed || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/html', 'cf-ray': `${randomUUID().slice(0, 16)}-NRT` });
      res.end(`<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center></body></html>`);
      return;
    }
    const code = f.code ?? defaultCode(status);
    const extra = status === 429 ? { rate_limit_reason: f.rateLimitReason ?? 'public_api_request_rate_limit' } : undefined;
    const headers: Record<string, string> = {};
    if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
    sendError(res, rec, new NotionFakeError(status, code, f.message ?? defaultMessage(code), extra), headers);
  }

  function takeFault(method: string, path: string): (FakeFault & { left: number }) | undefined {
    const f = faults.find((x) => x.left > 0 && (x.method === undefined || x.method.toUpperCase() === method) && (x.path === undefined || x.path.test(path)));
    if (f) f.left -= 1;
    return f;
  }

  /** Rolling-second limiter; returns the Retry-After seconds when the request must be refused. */
  function limited(): number | undefined {
    if (!options.rateLimit) return undefined;
    const now = performance.now();
    while (window.length > 0 && now - window[0]! >= 1000) window.shift();
    if (window.length >= options.rateLimit.perSecond) {
      return options.rateLimit.retryAfterSeconds ?? Math.max(1, Math.ceil((window[0]! + 1000 - now) / 1000));
    }
    window.push(now);
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const text = raw.toString('utf8');
    let body: unknown;
    let parseFailed = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        parseFailed = true;
      }
    }
    const rec: RecordedRequest = { method, path: url.pathname, query: url.search, body, status: 0, requestId: randomUUID(), fault: false, at: Date.now() };
    requests.push(rec);
    stats.requests += 1;
    // Like Notion's edge, every response carries a Date header; here it follows the injected clock.
    res.setHeader('date', clock.now().toUTCString());

    if (raw.length > maxBodyBytes) {
      return sendError(res, rec, new NotionFakeError(413, 'validation_error', `Request body too large: ${raw.length} bytes exceeds the limit of ${maxBodyBytes} bytes.`));
    }
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return sendError(res, rec, new NotionFakeError(401, 'unauthorized', 'API token is invalid.'));
    }
    const version = req.headers['notion-version'];
    if (version === undefined) {
      return sendError(res, rec, new NotionFakeError(400, 'missing_version', 'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.'));
    }
    if (version !== NOTION_VERSION) {
      return sendError(res, rec, validation(`Notion-Version header failed validation: the fake supports only \`${NOTION_VERSION}\`, instead was \`${String(version)}\`.`));
    }
    const retryAfter = limited();
    if (retryAfter !== undefined) {
      stats.rateLimited += 1;
      rec.fault = true;
      return sendError(
        res, rec,
        new NotionFakeError(429, 'rate_limited', defaultMessage('rate_limited'), { rate_limit_reason: 'public_api_request_rate_limit' }),
        { 'retry-after': String(retryAfter) },
      );
    }
    const fault = takeFault(method, url.pathname);
    if (fault && !fault.afterApply) {
      await sleep(fault.delayMs ?? 0);
      return answerFault(res, rec, fault);
    }

    let result: Json;
    try {
      if (parseFailed) throw new NotionFakeError(400, 'invalid_json', 'Error parsing JSON body.');
      const jsonBody = method === 'GET' || method === 'DELETE' || body === undefined ? {} : body;
      if (!isRecord(jsonBody)) throw validation('body failed validation: body should be an object.');
      const route = ROUTES.find((r) => r.pattern.test(url.pathname) && r.method === method);
      if (!route) throw new NotionFakeError(400, 'invalid_request_url', 'Invalid request URL.');
      result = route.handle(store, route.pattern.exec(url.pathname)!, jsonBody, url);
    } catch (err) {
      if (!(err instanceof NotionFakeError)) throw err;
      await sleep(fault?.delayMs ?? 0);
      return sendError(res, rec, err);
    }
    if (result.object === 'list') result.request_id = rec.requestId;
    if (fault) {
      await sleep(fault.delayMs ?? 0);
      if (fault.hang || fault.status !== undefined) return answerFault(res, rec, fault);
    }
    send(res, rec, 200, result);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'error', status: 500, code: 'internal_server_error', message: `fake crashed: ${String(err)}`, request_id: randomUUID() }));
      }
    });
  });
  store.addUser(PERSON_USER_ID, PERSON_NAME);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    botUserId,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    createDatabase: ({ title, properties }) => store.createDatabase(title, properties),
    addDataSource: (databaseId, { title, properties }) => store.addDataSource(databaseId, title, properties),
    schema: (id) => store.dataSourceOut(id),
    pages: (id) => store.pagesOf(id),
    page(id) {
      try {
        return store.pageOut(id);
      } catch {
        return undefined;
      }
    },
    blocks: (id) => store.blocksOf(id),
    addUser: (id, name, type) => store.addUser(id, name, type),
    editPageAsPerson: (pageId, properties, userId = PERSON_USER_ID) => store.updatePage(pageId, { properties }, userId),
    requests,
    inject(fault) {
      faults.push({ ...fault, left: fault.times });
    },
    clearFaults() {
      faults.length = 0;
    },
    stats,
  };
}
