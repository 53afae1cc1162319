/**
 * The Notion client vulnledger uses: the real `@notionhq/client` (API version pinned to
 * 2025-09-03) with
 * - every HTTP attempt (SDK retries included) passing a client-side rate limiter (≤ 3 req/s);
 * - the SDK's own retries deliberately configured: 429 and 529 are retried for every method,
 *   honouring Retry-After up to a minute; 500/503 only for GET/DELETE (the SDK's rule);
 * - our bounded retries for calls that are safe to repeat (reads, queries, page property
 *   updates, deletes): 409 conflict_error, 5xx, 504, timeouts and network errors;
 * - one error type that says what failed, where, and which property Notion named;
 * - zod validation of every response, and request counts for reports and benchmarks.
 * The token is sent only in the Authorization header and is never logged.
 */
import { createHash } from 'node:crypto';
import { APIResponseError, Client, LogLevel, RequestTimeoutError, UnknownHTTPResponseError } from '@notionhq/client';
import type { z } from 'zod';
import type { MirrorRequestStats } from '../../core/mirror.js';
import type { Logger } from '../../core/ports.js';
import { messageOf } from '../../util/errors.js';
import { sleep } from '../../util/http.js';
import { addSecret, redact } from '../../util/logger.js';
import { sharedLimiter, type Limiter } from './limiter.js';
import { Block, BlockList, DataSource, Database, Page, QueryResult, User } from './schema.js';

/** The API version vulnledger is written against (databases hold data sources). */
export const NOTION_API_VERSION = '2025-09-03';

/** What went wrong with a request, in the terms that decide what to do next. */
export type NotionFailure =
  | 'rate-limited'
  | 'conflict'
  | 'transient'
  | 'timeout'
  | 'network'
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'aborted'
  | 'bad-response';

/** A failed Notion request: the method and path, Notion's status, code and message, and the property it named. */
export class NotionRequestError extends Error {
  override readonly name = 'NotionRequestError';
  constructor(
    message: string,
    readonly failure: NotionFailure,
    readonly method: string,
    readonly path: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly requestId: string | null,
    /** The property Notion's validation message names, when it names one. */
    readonly property: string | null,
  ) {
    super(message);
  }
}

/** SDK retry settings (see the module comment). */
export interface SdkRetry {
  maxRetries: number;
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
}

export const DEFAULT_SDK_RETRY: SdkRetry = { maxRetries: 5, initialRetryDelayMs: 1000, maxRetryDelayMs: 60_000 };

export interface NotionApiOptions {
  token: string;
  /** Base URL without `/v1` and without a trailing slash (default https://api.notion.com). */
  baseUrl?: string;
  timeoutMs: number;
  requestsPerSecond: number;
  log: Logger;
  signal?: AbortSignal;
  sdkRetry?: SdkRetry;
  /** Our retries of idempotent calls after the SDK gave up (default 3). */
  retries?: number;
  /** First backoff of our retries, doubled each time (default 1000 ms). */
  backoffMs?: number;
  /** Injected fetch (tests); the limiter and counting wrap it. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const PROPERTY_PATTERNS = [
  /^(.+?) is not a property that exists\.?$/,
  /^(.+?) is expected to be [a-z_]+\.?$/,
  /^Property (.+?) not found/,
  /body\.properties\.(.+?)\.(?:title|rich_text|select|multi_select|status|date|number|checkbox|url|people|files)\b/,
  /^Invalid status option\. .* on property (.+?)\.?$/,
];

/** The property a Notion validation message names, if any. */
export function propertyInMessage(message: string): string | null {
  for (const re of PROPERTY_PATTERNS) {
    const m = re.exec(message);
    if (m) return m[1]!;
  }
  return null;
}

function failureOf(error: unknown, aborted: boolean): { failure: NotionFailure; status: number | null; code: string | null; message: string; requestId: string | null } {
  if (aborted) return { failure: 'aborted', status: null, code: null, message: 'cancelled', requestId: null };
  if (APIResponseError.isAPIResponseError(error)) {
    const byCode: Record<string, NotionFailure> = {
      rate_limited: 'rate-limited',
      conflict_error: 'conflict',
      internal_server_error: 'transient',
      service_unavailable: 'transient',
      service_overload: 'transient',
      gateway_timeout: 'transient',
      unauthorized: 'unauthorized',
      restricted_resource: 'forbidden',
      object_not_found: 'not-found',
    };
    return { failure: byCode[error.code] ?? 'invalid', status: error.status, code: error.code, message: error.message, requestId: error.request_id ?? null };
  }
  if (UnknownHTTPResponseError.isUnknownHTTPResponseError(error)) {
    let code: string | null = null;
    let message = `HTTP ${error.status} with a body the client could not read`;
    try {
      const body = JSON.parse(error.body) as { code?: unknown; message?: unknown };
      if (typeof body.code === 'string') code = body.code;
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // an HTML error page from a proxy: keep the generic message
    }
    const failure: NotionFailure = error.status === 429 ? 'rate-limited' : error.status >= 500 ? 'transient' : 'invalid';
    return { failure, status: error.status, code, message, requestId: null };
  }
  if (RequestTimeoutError.isRequestTimeoutError(error)) return { failure: 'timeout', status: null, code: null, message: 'no answer in time', requestId: null };
  const cause = error instanceof Error ? ((error as Error & { cause?: unknown }).cause ?? error) : error;
  return { failure: 'network', status: null, code: null, message: messageOf(cause), requestId: null };
}

/** Failures worth trying again for a call that is safe to repeat. */
const RETRYABLE: ReadonlySet<NotionFailure> = new Set(['conflict', 'transient', 'timeout', 'network']);

function hint(failure: NotionFailure): string {
  switch (failure) {
    case 'unauthorized':
      return 'Check the integration token (NOTION_TOKEN): Notion does not accept it.';
    case 'forbidden':
      return 'The integration lacks a capability it needs: give it "Read content", "Update content" and "Insert content".';
    case 'not-found':
      return 'Check the database id or URL, and share the database with the integration (⋯ → Connections → add it).';
    case 'rate-limited':
      return 'Notion kept answering 429 (rate limited); the next sync continues where this one stopped.';
    case 'invalid':
      return 'Run `vulnledger doctor` to compare the database with what vulnledger writes, and `vulnledger notion setup` to add what is missing.';
    case 'aborted':
      return '';
    default:
      return 'Notion did not complete the request; the next sync retries.';
  }
}

/** Typed, counted, rate-limited access to the Notion endpoints vulnledger uses. */
export class NotionApi {
  private readonly client: Client;
  private readonly limiter: Limiter;
  private readonly counts: MirrorRequestStats = { reads: 0, writes: 0, rateLimited: 0 };
  private lastDate: string | null = null;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: NotionApiOptions) {
    addSecret(options.token);
    const integration = createHash('sha256').update(`${options.baseUrl ?? ''}\n${options.token}`).digest('hex');
    this.limiter = sharedLimiter(integration, options.requestsPerSecond);
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
    // A retry wait ends early when the sync is cancelled.
    this.sleep = options.sleep ?? ((ms) => sleep(ms, options.signal));
    const base = options.fetch ?? fetch;
    const signal = options.signal;
    const timeoutMs = options.timeoutMs;
    const countedFetch = async (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | FormData }): Promise<Response> => {
      await this.limiter.acquire(signal);
      const method = (init?.method ?? 'GET').toUpperCase();
      const isRead = method === 'GET' || /\/query$/.test(new URL(url).pathname);
      if (isRead) this.counts.reads++;
      else this.counts.writes++;
      // The SDK's timeout does not abort the fetch; this ends a hung connection a little later.
      const cleanup = AbortSignal.timeout(timeoutMs + 5000);
      const response = await base(url, { method, headers: init?.headers, body: init?.body, signal: signal ? AbortSignal.any([signal, cleanup]) : cleanup });
      const date = response.headers.get('date');
      if (date && !Number.isNaN(Date.parse(date))) this.lastDate = new Date(date).toISOString();
      if (response.status === 429) this.counts.rateLimited++;
      return response;
    };
    this.client = new Client({
      auth: options.token,
      baseUrl: options.baseUrl,
      notionVersion: NOTION_API_VERSION,
      timeoutMs,
      retry: options.sdkRetry ?? DEFAULT_SDK_RETRY,
      fetch: countedFetch as never,
      logLevel: LogLevel.DEBUG,
      logger: (level, message, extra) => options.log.debug(`notion client: ${message}`, { level, ...(extra as Record<string, unknown>) }),
    });
  }

  /** Requests so far (every attempt). */
  stats(): MirrorRequestStats {
    return { ...this.counts };
  }

  /** Notion's clock: the `Date` header of the latest response, or null. */
  serverTime(): string | null {
    return this.lastDate;
  }

  private async call<T>(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    input: { body?: Record<string, unknown>; query?: Record<string, string> },
    schema: z.ZodType<T>,
    idempotent: boolean,
  ): Promise<T> {
    const label = `${method.toUpperCase()} /v1/${path}`;
    for (let attempt = 0; ; attempt++) {
      let raw: unknown;
      try {
        raw = await this.client.request<object>({ path, method, body: input.body, query: input.query });
      } catch (error) {
        const cancelled = (): boolean => this.options.signal?.aborted === true;
        let f = failureOf(error, cancelled());
        if (idempotent && RETRYABLE.has(f.failure) && attempt < this.retries) {
          const wait = Math.round(this.backoffMs * 2 ** attempt * (0.75 + Math.random() / 2));
          this.options.log.warn('notion request failed; retrying', { request: label, failure: f.failure, status: f.status, attempt: attempt + 1, waitMs: wait });
          // A cancel ends the wait; it is then reported as the failure (any other sleep error is thrown).
          await this.sleep(wait).catch((sleepError: unknown) => {
            if (!cancelled()) throw sleepError;
          });
          if (!cancelled()) continue;
          f = failureOf(error, true);
        }
        const property = f.failure === 'invalid' ? propertyInMessage(f.message) : null;
        const what = `${label} failed: ${f.status !== null ? `${f.status} ${f.code ?? ''} `.replace(/ +$/, ' ') : ''}${f.message}${f.requestId ? ` (request ${f.requestId})` : ''}.`;
        const tip = hint(f.failure);
        throw new NotionRequestError(redact(tip ? `${what} ${tip}` : what), f.failure, method.toUpperCase(), `/v1/${path}`, f.status, f.code, f.requestId, property);
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new NotionRequestError(
          `${label} answered with an unexpected shape (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}); is baseUrl pointing at the Notion API?`,
          'bad-response', method.toUpperCase(), `/v1/${path}`, null, null, null, null,
        );
      }
      return parsed.data;
    }
  }

  getDatabase(id: string): Promise<Database> {
    return this.call('get', `databases/${id}`, {}, Database, true);
  }

  getDataSource(id: string): Promise<DataSource> {
    return this.call('get', `data_sources/${id}`, {}, DataSource, true);
  }

  /** Schema update; always sends the existing options of a select along with new ones. */
  updateDataSource(id: string, properties: Record<string, unknown>): Promise<DataSource> {
    return this.call('patch', `data_sources/${id}`, { body: { properties } }, DataSource, true);
  }

  query(dataSourceId: string, body: Record<string, unknown>): Promise<QueryResult> {
    return this.call('post', `data_sources/${dataSourceId}/query`, { body }, QueryResult, true);
  }

  /** Not retried here: a create that fails may have been applied (the caller looks up first). */
  createPage(body: Record<string, unknown>): Promise<Page> {
    return this.call('post', 'pages', { body }, Page, false);
  }

  /** Property updates are idempotent (the same values again), so transient failures are retried. */
  updatePage(id: string, body: Record<string, unknown>): Promise<Page> {
    return this.call('patch', `pages/${id}`, { body }, Page, true);
  }

  listChildren(id: string, cursor: string | null): Promise<BlockList> {
    const query: Record<string, string> = cursor ? { start_cursor: cursor, page_size: '100' } : { page_size: '100' };
    return this.call('get', `blocks/${id}/children`, { query }, BlockList, true);
  }

  /** Not retried: appending twice would duplicate the body (the next sync repairs a failed one). */
  appendChildren(id: string, children: Record<string, unknown>[]): Promise<BlockList> {
    return this.call('patch', `blocks/${id}/children`, { body: { children } }, BlockList, false);
  }

  deleteBlock(id: string): Promise<unknown> {
    return this.call('delete', `blocks/${id}`, {}, Block, true);
  }

  getUser(id: string): Promise<User> {
    return this.call('get', `users/${id}`, {}, User, true);
  }
}

