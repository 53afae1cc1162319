/**
 * A small Azure Resource Graph client: `POST {endpoint}/providers/Microsoft.ResourceGraph/resources`
 * with `$skipToken` paging, subscription batching, quota-aware throttling, bounded retries and
 * errors that say what to fix. Pages are yielded as they arrive; nothing buffers a whole result.
 *
 * Auth is a `TokenProvider` (`getToken(): Promise<string>`); `tokenProviderFromCredential` adapts
 * any `@azure/identity` TokenCredential and `createCredential` builds one from the source config.
 * Tokens never appear in errors or logs: messages are built from Resource Graph's error body with
 * the token redacted, and the token is only ever put in the Authorization header.
 */
import { randomUUID } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { chunks } from '../../util/chunks.js';
import { scanPage, type ByteRange } from './page-scan.js';
import {
  DEFAULT_RETRY,
  TransientHttpError,
  backoffDelay,
  fetchWithRetry,
  parseRetryAfter,
  safeUrl,
  sleep as defaultSleep,
  type RetryPolicy,
} from '../../util/http.js';

// ---------------------------------------------------------------- contract constants

/** Public Azure Resource Manager; override for sovereign clouds, proxies and tests. */
export const DEFAULT_ENDPOINT = 'https://management.azure.com';
export const RESOURCE_GRAPH_API_VERSION = '2022-10-01';
/** Most rows Resource Graph returns in one page. */
export const MAX_PAGE_SIZE = 1000;
/** Most subscriptions one request may name. */
export const MAX_SUBSCRIPTIONS_PER_REQUEST = 1000;
const RESOURCES_PATH = '/providers/Microsoft.ResourceGraph/resources';
/** Documented quota window (15 queries per 5 s), used when a spent quota comes without a reset time. */
const DEFAULT_QUOTA_WINDOW_MS = 5_000;

/** The role to grant so Resource Graph shows Defender for Cloud data. */
export const REQUIRED_ROLE_HINT = 'Reader or Security Reader';

// ---------------------------------------------------------------- public types

/** Where a request looks: subscriptions, management groups, or (neither) the whole tenant. */
export interface ResourceGraphScope {
  subscriptions?: readonly string[];
  managementGroups?: readonly string[];
}

/** One query. `subscriptions` longer than 1000 are split into batches, each paged to the end. */
export interface ResourceGraphRequest extends ResourceGraphScope {
  query: string;
}

/** What a page says about the part of the scope it could not cover. */
export interface PartialScope {
  /** `x-ms-tenant-subscription-limit-hit: true`: a tenant/management-group scope over 10,000 subscriptions was cut. */
  tenantSubscriptionLimitHit: boolean;
}

/** Quota state Resource Graph reported on the response. */
export interface QuotaState {
  remaining: number | null;
  resetsAfterMs: number | null;
}

/** One page of results, yielded as soon as it arrives. */
export interface ResourceGraphPage {
  /**
   * Rows as objects (`table` results are converted), shape unvalidated: the mappers validate rows.
   * Parsed on first access; a row that is not valid JSON throws a `malformed` error.
   */
  readonly rows: unknown[];
  /** Rows in this page, without parsing them. */
  rowCount: number;
  /**
   * Rows `[start, end)`, parsed now (each row of an object-array page is parsed only when asked
   * for, so a caller that takes a page in slices never holds the whole page as objects). Throws a
   * `malformed` error for a row that is not valid JSON.
   */
  takeRows(start: number, end: number): unknown[];
  /**
   * The unparsed rows: the body and each row's byte range (so another thread can parse them);
   * null when the page was parsed whole (table format, or an envelope the scanner did not take).
   */
  rowBytes(): { body: Buffer; ranges: readonly ByteRange[] } | null;
  /** Rows the query matches in this batch's scope. */
  totalRecords: number;
  /** Rows in this page. */
  count: number;
  /** The token for the next page; null on the last page of a batch. */
  skipToken: string | null;
  /** `resultTruncated: "true"`: Resource Graph cut the result and will not page it. Treat as partial. */
  truncated: boolean;
  partialScope: PartialScope;
  /** The scope of the batch this page belongs to (the subscriptions it covers). */
  scope: ResourceGraphScope;
  /** 0-based batch number and the number of batches in this query. */
  batchIndex: number;
  batchCount: number;
  /** 0-based page number within the batch. */
  pageIndex: number;
  quota: QuotaState;
  /** `x-ms-request-id` (or correlation id) of the response, for support tickets. */
  requestId: string | null;
}

/** Progress of a query, page by page. */
export interface PageInfo {
  batchIndex: number;
  batchCount: number;
  pageIndex: number;
  rows: number;
  totalRecords: number;
  scope: ResourceGraphScope;
}

/** Why the client is about to wait. */
export type WaitReason = 'quota' | 'throttled' | 'server-error' | 'network' | 'timeout';

/** A wait the client is about to make (for progress lines such as "throttled, waiting 4 s"). */
export interface WaitInfo {
  reason: WaitReason;
  waitMs: number;
  /** 1-based retry number for retries; 0 for a pre-emptive quota wait. */
  attempt: number;
  status: number | null;
  scope: ResourceGraphScope;
}

/** Per-call options. */
export interface QueryCallOptions {
  signal?: AbortSignal;
  onPage?(info: PageInfo): void;
  onWait?(info: WaitInfo): void;
}

/** The narrow interface sources depend on (the fake in test/fakes speaks to this over HTTP). */
export interface ResourceGraphClient {
  /** Runs a query over its scope, batch by batch and page by page, yielding each page as it arrives. */
  query(request: ResourceGraphRequest, options?: QueryCallOptions): AsyncGenerator<ResourceGraphPage, void, void>;
}

/** Returns a bearer token for the Resource Graph endpoint. `forceRefresh` after a 401. */
export type TokenProvider = (options?: { forceRefresh?: boolean; signal?: AbortSignal }) => Promise<string>;

/** How to build a client. Only `getToken` is required. */
export interface ResourceGraphClientOptions {
  getToken: TokenProvider;
  /** ARM endpoint (default https://management.azure.com). http:// only for loopback hosts. */
  endpoint?: string;
  apiVersion?: string;
  /** `options.$top` (1..1000, default 1000). */
  pageSize?: number;
  /** Per request, headers and body together (default 60 s). */
  timeoutMs?: number;
  /** Retries for 5xx, network errors and timeouts (default 4, 1 s doubling with jitter, at most 60 s a wait). */
  retry?: RetryPolicy;
  /** Retries for 429 (default 8), each waiting Retry-After, else the quota reset, else backoff. */
  throttleRetries?: number;
  /** Longest single wait the client will make for a throttle or quota reset (default 60 s). */
  maxWaitMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  userAgent?: string;
}

// ---------------------------------------------------------------- errors

/**
 * What went wrong, as a caller decides on it:
 * - `bad-query` 400 (InvalidQuery / ParserFailure) — fix the query; not retried.
 * - `too-complex` UnexpectedQueryExecutionError — split the work (smaller batch); not retried as-is.
 * - `unauthorized` 401 or no token — the credential; `forbidden` 403 — the role assignment.
 * - `throttled` 429 after the bounded retries; `transient` 5xx/network/timeout after the retries.
 * - `malformed` a 2xx whose body is not a Resource Graph response (never read as "0 rows").
 * - `rejected` another 4xx (wrong endpoint or api-version); `cancelled` the caller aborted.
 */
export type ResourceGraphErrorKind =
  | 'bad-query'
  | 'too-complex'
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'transient'
  | 'malformed'
  | 'rejected'
  | 'cancelled';

/** One entry of Resource Graph's `error.details` (ParserFailure adds line, position and token). */
export interface ResourceGraphErrorDetail {
  code: string;
  message: string;
  line?: number;
  characterPositionInLine?: number;
  token?: string;
  expectedToken?: string;
}

interface ResourceGraphErrorInit {
  kind: ResourceGraphErrorKind;
  message: string;
  status: number | null;
  scope: ResourceGraphScope;
  code?: string | null;
  details?: ResourceGraphErrorDetail[];
  retryAfterMs?: number | null;
  requestId?: string | null;
  hint?: string;
}

/** A Resource Graph failure: its kind, HTTP status, the scope (batch) it concerns and a fix hint. */
export class ResourceGraphError extends Error {
  override readonly name = 'ResourceGraphError';
  readonly kind: ResourceGraphErrorKind;
  readonly status: number | null;
  /** The batch that failed: rows of these subscriptions (or this tenant/management group) were not read. */
  readonly scope: ResourceGraphScope;
  /** ARM `error.code` (`BadRequest`, `RateLimiting`, `AuthorizationFailed`, …). */
  readonly code: string | null;
  readonly details: readonly ResourceGraphErrorDetail[];
  readonly retryAfterMs: number | null;
  readonly requestId: string | null;
  /** What to do about it, in one sentence (also the end of `message`). */
  readonly hint: string;

  constructor(init: ResourceGraphErrorInit) {
    const hint = init.hint ?? '';
    super(hint ? `${init.message}. ${hint}` : init.message);
    this.kind = init.kind;
    this.status = init.status;
    this.scope = init.scope;
    this.code = init.code ?? null;
    this.details = init.details ?? [];
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.requestId = init.requestId ?? null;
    this.hint = hint;
  }

  /** True when the same request may succeed later (throttling, 5xx, network). */
  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }
}

// ---------------------------------------------------------------- helpers (exported)

/** De-duplicates subscription ids (case-insensitively, first spelling kept) and splits them into batches of ≤ 1000. */
export function batchSubscriptions(subscriptions: readonly string[], size: number = MAX_SUBSCRIPTIONS_PER_REQUEST): string[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SUBSCRIPTIONS_PER_REQUEST) {
    throw new Error(`subscription batch size must be an integer from 1 to ${MAX_SUBSCRIPTIONS_PER_REQUEST}, got ${size}`);
  }
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const raw of subscriptions) {
    const id = raw.trim();
    if (id === '' || seen.has(id.toLowerCase())) continue;
    seen.add(id.toLowerCase());
    unique.push(id);
  }
  return chunks(unique, size);
}

/** Parses `x-ms-user-quota-resets-after` (`hh:mm:ss`, also `d.hh:mm:ss[.fffffff]`) into milliseconds. */
export function parseQuotaResetsAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return null;
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    (fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0);
  return ms;
}

/** The token scope for an ARM endpoint: `<origin>/.default` (e.g. `https://management.azure.com/.default`). */
export function scopeForEndpoint(endpoint: string): string {
  return `${parseEndpoint(endpoint).origin}/.default`;
}

/** Human-readable scope: "subscriptions a, b, c and 997 more", "management groups x", "the tenant". */
export function describeScope(scope: ResourceGraphScope): string {
  if (scope.subscriptions && scope.subscriptions.length > 0) return `subscriptions ${listSome(scope.subscriptions)}`;
  if (scope.managementGroups && scope.managementGroups.length > 0) return `management groups ${listSome(scope.managementGroups)}`;
  return 'the tenant';
}

/** Where to grant the role for a scope, as ARM scope paths. */
export function roleAssignmentScope(scope: ResourceGraphScope): string {
  if (scope.subscriptions && scope.subscriptions.length > 0) {
    return `${listSome(scope.subscriptions.map((id) => `/subscriptions/${id}`))} (or a management group above them)`;
  }
  if (scope.managementGroups && scope.managementGroups.length > 0) {
    return listSome(scope.managementGroups.map((id) => `/providers/Microsoft.Management/managementGroups/${id}`));
  }
  return 'the tenant root management group (or on each subscription to read)';
}

function listSome(values: readonly string[], shown = 3): string {
  if (values.length <= shown) return values.join(', ');
  return `${values.slice(0, shown).join(', ')} and ${values.length - shown} more`;
}

// ---------------------------------------------------------------- response envelope (zod)

const tableColumnSchema = z.object({ name: z.string(), type: z.string().optional() });
const tableDataSchema = z.object({ columns: z.array(tableColumnSchema), rows: z.array(z.array(z.unknown())) });

const countSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

const envelopeSchema = z.object({
  totalRecords: countSchema,
  count: countSchema.optional(),
  resultTruncated: z.union([
    z.boolean(),
    z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .pipe(z.enum(['true', 'false']))
      .transform((value) => value === 'true'),
  ]),
  $skipToken: z.string().nullish(),
  data: z.union([z.array(z.unknown()), tableDataSchema]),
});

const armErrorDetailSchema = z
  .object({
    code: z.string().catch(''),
    message: z.string().catch(''),
    line: z.number().optional().catch(undefined),
    characterPositionInLine: z.number().optional().catch(undefined),
    token: z.string().optional().catch(undefined),
    expectedToken: z.string().optional().catch(undefined),
  })
  .loose();

const armErrorSchema = z.object({
  error: z.object({
    code: z.string().catch(''),
    message: z.string().catch(''),
    details: z.array(armErrorDetailSchema).optional().catch(undefined),
  }),
});

type ArmError = { code: string; message: string; details: ResourceGraphErrorDetail[] };

function parseArmError(text: string): ArmError | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = armErrorSchema.safeParse(json);
  if (!parsed.success) return null;
  const { code, message, details } = parsed.data.error;
  return {
    code,
    message,
    details: (details ?? []).map((detail) => {
      const out: ResourceGraphErrorDetail = { code: detail.code, message: detail.message };
      if (detail.line !== undefined) out.line = detail.line;
      if (detail.characterPositionInLine !== undefined) out.characterPositionInLine = detail.characterPositionInLine;
      if (detail.token !== undefined) out.token = detail.token;
      if (detail.expectedToken !== undefined) out.expectedToken = detail.expectedToken;
      return out;
    }),
  };
}

/** Converts `{columns, rows}` to objects; null when a row does not match the columns. */
function tableToObjects(table: z.infer<typeof tableDataSchema>): unknown[] | null {
  const names = table.columns.map((column) => column.name);
  const out: unknown[] = [];
  for (const row of table.rows) {
    if (row.length !== names.length) return null;
    const object: Record<string, unknown> = {};
    names.forEach((name, i) => {
      object[name] = row[i];
    });
    out.push(object);
  }
  return out;
}

// ---------------------------------------------------------------- the client

const NON_2XX_STATUSES: readonly number[] = Array.from({ length: 500 }, (_, i) => i + 100).filter((s) => s < 200 || s > 299);
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

interface ResolvedOptions {
  url: string;
  describe: string;
  tokenScope: string;
  pageSize: number;
  timeoutMs: number;
  retry: RetryPolicy;
  throttleRetries: number;
  maxWaitMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  userAgent: string;
  getToken: TokenProvider;
}

/** Builds a client. Validates the endpoint; makes no network call until `query` is iterated. */
export function createResourceGraphClient(options: ResourceGraphClientOptions): ResourceGraphClient {
  const endpoint = parseEndpoint(options.endpoint ?? DEFAULT_ENDPOINT);
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new Error(`Resource Graph page size must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  }
  const base = endpoint.href.replace(/\/+$/, '');
  const apiVersion = options.apiVersion ?? RESOURCE_GRAPH_API_VERSION;
  const resolved: ResolvedOptions = {
    url: `${base}${RESOURCES_PATH}?api-version=${encodeURIComponent(apiVersion)}`,
    describe: safeUrl(`${base}${RESOURCES_PATH}`),
    tokenScope: `${endpoint.origin}/.default`,
    pageSize,
    timeoutMs: options.timeoutMs ?? 60_000,
    retry: options.retry ?? { ...DEFAULT_RETRY, baseDelayMs: 1_000 },
    throttleRetries: options.throttleRetries ?? 8,
    maxWaitMs: options.maxWaitMs ?? 60_000,
    sleep: options.sleep ?? defaultSleep,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    userAgent: options.userAgent ?? 'vulnledger',
    getToken: options.getToken,
  };
  return new HttpResourceGraphClient(resolved);
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`Resource Graph endpoint is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`Resource Graph endpoint must be a plain https URL without query, fragment or credentials: ${safeUrl(endpoint)}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  throw new Error(`Resource Graph endpoint must use https (http only for localhost, so a bearer token never crosses a network in clear): ${safeUrl(endpoint)}`);
}

class HttpResourceGraphClient implements ResourceGraphClient {
  /** Earliest time the next request may go out (a spent quota); shared by every query of this client. */
  private notBefore = 0;
  /** Tokens this client has sent, for redaction of anything echoed back. */
  private readonly seenTokens = new Set<string>();

  constructor(private readonly options: ResolvedOptions) {}

  async *query(request: ResourceGraphRequest, call: QueryCallOptions = {}): AsyncGenerator<ResourceGraphPage, void, void> {
    if (typeof request.query !== 'string' || request.query.trim() === '') throw new Error('Resource Graph query is empty');
    if (request.subscriptions && request.managementGroups) {
      throw new Error('a Resource Graph request takes subscriptions or managementGroups, not both');
    }
    const scopes = this.scopesOf(request);
    for (const [batchIndex, scope] of scopes.entries()) {
      let skipToken: string | null = null;
      let pageIndex = 0;
      const tokensSeen = new Set<string>();
      do {
        const page: ResourceGraphPage = await this.fetchPage(request.query, scope, skipToken, call, {
          batchIndex,
          batchCount: scopes.length,
          pageIndex,
        });
        call.onPage?.({
          batchIndex,
          batchCount: scopes.length,
          pageIndex,
          rows: page.rows.length,
          totalRecords: page.totalRecords,
          scope,
        });
        yield page;
        if (page.skipToken !== null) {
          if (tokensSeen.has(page.skipToken)) {
            throw new ResourceGraphError({
              kind: 'malformed',
              message: `Resource Graph returned the same $skipToken twice for ${describeScope(scope)} (page ${pageIndex + 1}); stopping instead of looping`,
              status: 200,
              scope,
              requestId: page.requestId,
              hint: 'Retry the run; if it persists, report the request id to Azure support',
            });
          }
          tokensSeen.add(page.skipToken);
        }
        skipToken = page.skipToken;
        pageIndex++;
      } while (skipToken !== null);
    }
  }

  private scopesOf(request: ResourceGraphRequest): ResourceGraphScope[] {
    if (request.subscriptions) {
      const batches = batchSubscriptions(request.subscriptions);
      if (batches.length === 0) throw new Error('the Resource Graph request lists no subscriptions (omit the list to query the whole tenant)');
      return batches.map((subscriptions) => ({ subscriptions }));
    }
    if (request.managementGroups) {
      const groups = [...new Set(request.managementGroups.map((id) => id.trim()).filter((id) => id !== ''))];
      if (groups.length === 0) throw new Error('the Resource Graph request lists no management groups (omit the list to query the whole tenant)');
      return [{ managementGroups: groups }];
    }
    return [{}];
  }

  private async fetchPage(
    query: string,
    scope: ResourceGraphScope,
    skipToken: string | null,
    call: QueryCallOptions,
    position: { batchIndex: number; batchCount: number; pageIndex: number },
  ): Promise<ResourceGraphPage> {
    const o = this.options;
    const body = JSON.stringify({
      query,
      ...(scope.subscriptions ? { subscriptions: scope.subscriptions } : {}),
      ...(scope.managementGroups ? { managementGroups: scope.managementGroups } : {}),
      options: {
        $top: o.pageSize,
        resultFormat: 'objectArray',
        ...(skipToken !== null ? { $skipToken: skipToken } : {}),
      },
    });
    let transientRetries = 0;
    let throttleRetries = 0;
    let refreshedToken = false;
    let forceRefresh = false;

    for (;;) {
      await this.waitForQuota(scope, call);
      const token = await this.token(scope, call.signal, forceRefresh);
      forceRefresh = false;

      let response: Response;
      let payload: Buffer;
      try {
        response = await fetchWithRetry(o.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': o.userAgent,
            'x-ms-client-request-id': randomUUID(),
          },
          body,
          timeoutMs: o.timeoutMs,
          retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
          signal: call.signal,
          describe: o.describe,
          acceptStatus: NON_2XX_STATUSES,
        });
        // The per-request timeout signal also bounds reading the body. Bytes, not text: a page's
        // rows are decoded and parsed one by one when the caller takes them (see page-scan.ts).
        payload = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        if (call.signal?.aborted) throw this.cancelled(scope);
        const timedOut = isTimeout(error);
        const reason: WaitReason = timedOut ? 'timeout' : 'network';
        const description = timedOut
          ? `no complete response within ${o.timeoutMs} ms`
          : `network error: ${error instanceof TransientHttpError ? error.message : describeError(error)}`;
        if (transientRetries < o.retry.retries) {
          const waitMs = backoffDelay(transientRetries, o.retry, o.random);
          transientRetries++;
          await this.wait({ reason, waitMs, attempt: transientRetries, status: null, scope }, call);
          continue;
        }
        throw new ResourceGraphError({
          kind: 'transient',
          message: this.redact(`Resource Graph request for ${describeScope(scope)} failed after ${transientRetries + 1} attempts: ${description}`),
          status: null,
          scope,
          hint: 'Check network access to the endpoint (proxy, firewall) and retry the run; nothing was resolved for this scope',
        });
      }

      const quota = this.observeQuota(response.headers);
      const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-correlation-request-id');

      if (response.ok) {
        return this.parsePage(payload, response.headers, scope, position, quota, requestId);
      }
      const text = payload.toString('utf8');

      const status = response.status;
      const armError = parseArmError(text);
      const codes = armError ? [armError.code, ...armError.details.map((d) => d.code)] : [];

      if (codes.some((code) => code.toLowerCase() === 'unexpectedqueryexecutionerror')) {
        throw this.httpError('too-complex', status, scope, armError, text, requestId, query,
          'Resource Graph could not execute the query at this size; split the batch (fewer CVE ids or subscriptions) and retry');
      }
      if (status === 401) {
        if (!refreshedToken) {
          refreshedToken = true;
          forceRefresh = true;
          continue;
        }
        throw this.httpError('unauthorized', status, scope, armError, text, requestId, query,
          `Sign in again or fix the credential (auth setting, AZURE_* variables, az login); the token must be for ${o.tokenScope}. Once signed in, grant the identity ${REQUIRED_ROLE_HINT} on ${roleAssignmentScope(scope)}`);
      }
      if (status === 403) {
        throw this.httpError('forbidden', status, scope, armError, text, requestId, query,
          `Grant the identity ${REQUIRED_ROLE_HINT} on ${roleAssignmentScope(scope)}; rows of this scope were not read and nothing in it is resolved`);
      }
      if (status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), o.now()) ?? quota.resetsAfterMs;
        if (throttleRetries < o.throttleRetries) {
          const waitMs = Math.min(o.maxWaitMs, retryAfterMs ?? backoffDelay(throttleRetries, o.retry, o.random));
          throttleRetries++;
          this.notBefore = 0; // this wait covers the quota reset as well
          await this.wait({ reason: 'throttled', waitMs, attempt: throttleRetries, status, scope }, call);
          continue;
        }
        throw this.httpError('throttled', status, scope, armError, text, requestId, query,
          'Resource Graph kept throttling (another tool may share this identity\'s quota); run again later or query fewer scopes at once',
          retryAfterMs);
      }
      if (status === 408 || status >= 500) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), o.now());
        if (transientRetries < o.retry.retries) {
          const waitMs = Math.min(o.maxWaitMs, retryAfterMs ?? backoffDelay(transientRetries, o.retry, o.random));
          transientRetries++;
          await this.wait({ reason: 'server-error', waitMs, attempt: transientRetries, status, scope }, call);
          continue;
        }
        throw this.httpError('transient', status, scope, armError, text, requestId, query,
          `Resource Graph kept failing after ${transientRetries + 1} attempts; retry the run later (nothing was resolved for this scope)`,
          retryAfterMs);
      }
      if (status === 400 && !codes.some((code) => /apiversion|invalidresourcetype/i.test(code))) {
        throw this.httpError('bad-query', status, scope, armError, text, requestId, query,
          'Fix the query (see the position above); Resource Graph will not accept it as written');
      }
      throw this.httpError('rejected', status, scope, armError, text, requestId, query,
        `Check the endpoint (${o.describe}) and api-version; Resource Graph answered HTTP ${status}`);
    }
  }

  private parsePage(
    body: Buffer,
    headers: Headers,
    scope: ResourceGraphScope,
    position: { batchIndex: number; batchCount: number; pageIndex: number },
    quota: QuotaState,
    requestId: string | null,
  ): ResourceGraphPage {
    const malformed = (why: string): ResourceGraphError =>
      new ResourceGraphError({
        kind: 'malformed',
        message: `Resource Graph answered HTTP 200 for ${describeScope(scope)} (page ${position.pageIndex + 1}) with ${why}`,
        status: 200,
        scope,
        requestId,
        hint: 'This is not read as "no findings": check that the endpoint is Azure Resource Manager (not a proxy login page) and retry',
      });
    const lazy = this.lazyPage(body, malformed);
    if (lazy !== null) return this.pageOf(lazy.envelope, lazy.rowCount, lazy.takeRows, headers, scope, position, quota, requestId, null, { body, ranges: lazy.ranges });
    const text = body.toString('utf8').replace(/^\uFEFF/, '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformed(text.trim() === '' ? 'an empty body' : `a body that is not JSON (${text.length} bytes, starting ${JSON.stringify(this.redact(text.slice(0, 60)))})`);
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      throw malformed(`a body that is not a Resource Graph QueryResponse (${issues})`);
    }
    const envelope = parsed.data;
    let rows: unknown[];
    if (Array.isArray(envelope.data)) {
      rows = envelope.data;
    } else {
      const converted = tableToObjects(envelope.data);
      if (converted === null) throw malformed('a table whose rows do not match its columns');
      rows = converted;
    }
    return this.pageOf(envelope, rows.length, (start, end) => rows.slice(start, end), headers, scope, position, quota, requestId, rows);
  }

  /**
   * An object-array page whose rows are parsed on demand; null when the body is anything else
   * (then it is parsed whole, which also gives the precise error).
   */
  private lazyPage(
    body: Buffer,
    malformed: (why: string) => ResourceGraphError,
  ): { envelope: z.infer<typeof envelopeSchema>; rowCount: number; ranges: readonly ByteRange[]; takeRows: (start: number, end: number) => unknown[] } | null {
    const scanned = scanPage(body);
    if (scanned === null || scanned.rows === null) return null;
    const fields: Record<string, unknown> = {};
    try {
      for (const [key, [start, end]] of scanned.fields) fields[key] = key === 'data' ? [] : JSON.parse(body.toString('utf8', start, end));
    } catch {
      return null;
    }
    const parsed = envelopeSchema.safeParse(fields);
    if (!parsed.success) return null;
    const ranges = scanned.rows;
    const takeRows = (start: number, end: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = Math.max(0, start); i < Math.min(end, ranges.length); i++) {
        const [from, to] = ranges[i]!;
        try {
          out.push(JSON.parse(body.toString('utf8', from, to)));
        } catch {
          throw malformed(`row ${i + 1} of ${ranges.length} not valid JSON (${to - from} bytes)`);
        }
      }
      return out;
    };
    return { envelope: parsed.data, rowCount: ranges.length, ranges, takeRows };
  }

  private pageOf(
    envelope: z.infer<typeof envelopeSchema>,
    rowCount: number,
    takeRows: (start: number, end: number) => unknown[],
    headers: Headers,
    scope: ResourceGraphScope,
    position: { batchIndex: number; batchCount: number; pageIndex: number },
    quota: QuotaState,
    requestId: string | null,
    parsedRows: unknown[] | null = null,
    bytes: { body: Buffer; ranges: readonly ByteRange[] } | null = null,
  ): ResourceGraphPage {
    let all = parsedRows;
    const skipToken = envelope.$skipToken ? envelope.$skipToken : null;
    return {
      get rows() {
        all ??= takeRows(0, rowCount);
        return all;
      },
      rowCount,
      takeRows: (start, end) => (all ? all.slice(start, end) : takeRows(start, end)),
      rowBytes: () => bytes,
      totalRecords: envelope.totalRecords,
      count: envelope.count ?? rowCount,
      skipToken,
      truncated: envelope.resultTruncated,
      partialScope: {
        tenantSubscriptionLimitHit: (headers.get('x-ms-tenant-subscription-limit-hit') ?? '').trim().toLowerCase() === 'true',
      },
      scope,
      batchIndex: position.batchIndex,
      batchCount: position.batchCount,
      pageIndex: position.pageIndex,
      quota,
      requestId,
    };
  }

  /** Reads the quota headers; a spent quota delays the next request until the reset. */
  private observeQuota(headers: Headers): QuotaState {
    const remainingRaw = headers.get('x-ms-user-quota-remaining');
    const remaining = remainingRaw !== null && /^\s*-?\d+\s*$/.test(remainingRaw) ? Number(remainingRaw) : null;
    const resetsAfterMs = parseQuotaResetsAfter(headers.get('x-ms-user-quota-resets-after'));
    if (remaining !== null && remaining <= 0) {
      const waitMs = Math.min(this.options.maxWaitMs, resetsAfterMs ?? DEFAULT_QUOTA_WINDOW_MS);
      this.notBefore = Math.max(this.notBefore, this.options.now() + waitMs);
    }
    return { remaining, resetsAfterMs };
  }

  /**
   * Waits until a spent quota resets. Every call that starts meanwhile waits for the same instant
   * (the source fetches the next page while CVE details are looked up); the mark is cleared once
   * passed, unless a later answer moved it.
   */
  private async waitForQuota(scope: ResourceGraphScope, call: QueryCallOptions): Promise<void> {
    const until = this.notBefore;
    const waitMs = until - this.options.now();
    if (waitMs <= 0) return;
    await this.wait({ reason: 'quota', waitMs, attempt: 0, status: null, scope }, call);
    if (this.notBefore === until) this.notBefore = 0;
  }

  private async wait(info: WaitInfo, call: QueryCallOptions): Promise<void> {
    call.onWait?.(info);
    if (info.waitMs <= 0) return;
    try {
      await this.options.sleep(info.waitMs, call.signal);
    } catch (error) {
      if (call.signal?.aborted) throw this.cancelled(info.scope);
      throw error;
    }
  }

  private async token(scope: ResourceGraphScope, signal: AbortSignal | undefined, forceRefresh: boolean): Promise<string> {
    let token: string;
    try {
      token = await this.options.getToken({ forceRefresh, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw this.cancelled(scope);
      throw new ResourceGraphError({
        kind: 'unauthorized',
        message: this.redact(`could not obtain an access token for Resource Graph: ${describeError(error)}`),
        status: null,
        scope,
        hint: 'Check the auth setting and its credential (az login, managed identity, AZURE_* variables); run `vulnledger doctor`',
      });
    }
    if (typeof token !== 'string' || token.trim() === '') {
      throw new ResourceGraphError({
        kind: 'unauthorized',
        message: 'the credential returned an empty access token',
        status: null,
        scope,
        hint: 'Check the auth setting and its credential; run `vulnledger doctor`',
      });
    }
    this.seenTokens.add(token);
    return token;
  }

  private cancelled(scope: ResourceGraphScope): ResourceGraphError {
    return new ResourceGraphError({ kind: 'cancelled', message: `Resource Graph query for ${describeScope(scope)} was cancelled`, status: null, scope });
  }

  private httpError(
    kind: ResourceGraphErrorKind,
    status: number,
    scope: ResourceGraphScope,
    armError: ArmError | null,
    text: string,
    requestId: string | null,
    query: string,
    hint: string,
    retryAfterMs: number | null = null,
  ): ResourceGraphError {
    const what = armError ? describeArmError(armError, query) : `body: ${oneLine(text).slice(0, 300) || '(empty)'}`;
    const reference = requestId ? ` [request id ${requestId}]` : '';
    return new ResourceGraphError({
      kind,
      message: this.redact(`Resource Graph answered HTTP ${status} for ${describeScope(scope)}: ${what}${reference}`),
      status,
      scope,
      code: armError?.code ?? null,
      details: armError?.details.map((detail) => redactDetail(detail, (value) => this.redact(value))) ?? [],
      retryAfterMs,
      requestId,
      hint,
    });
  }

  /** Removes every token this client has sent, and anything shaped like a JWT, from a text. */
  private redact(text: string): string {
    let out = text;
    for (const token of this.seenTokens) {
      if (token.length >= 4) out = out.split(token).join('[redacted]');
    }
    return out.replace(JWT_LIKE, '[redacted]');
  }
}

function redactDetail(detail: ResourceGraphErrorDetail, redact: (value: string) => string): ResourceGraphErrorDetail {
  const out: ResourceGraphErrorDetail = { ...detail, code: redact(detail.code), message: redact(detail.message) };
  if (detail.token !== undefined) out.token = redact(detail.token);
  if (detail.expectedToken !== undefined) out.expectedToken = redact(detail.expectedToken);
  return out;
}

/** "BadRequest: … — InvalidQuery: Query is invalid…; ParserFailure at line 1, position 42 near ' and type contains ' (query line 1: …)". */
function describeArmError(error: ArmError, query: string): string {
  const parts = [error.code ? `${error.code}${error.message ? `: ${oneLine(error.message)}` : ''}` : oneLine(error.message)];
  const lines = query.split(/\r?\n/);
  for (const detail of error.details) {
    let text = detail.code;
    if (detail.message && detail.message !== detail.code) text += `: ${oneLine(detail.message)}`;
    if (detail.line !== undefined || detail.characterPositionInLine !== undefined) {
      text += ` at line ${detail.line ?? '?'}, position ${detail.characterPositionInLine ?? '?'}`;
      if (detail.token !== undefined) text += ` near token ${JSON.stringify(detail.token)}`;
      if (detail.expectedToken !== undefined) text += ` (expected ${JSON.stringify(detail.expectedToken)})`;
      const source = detail.line !== undefined ? lines[detail.line - 1] : undefined;
      if (source !== undefined) text += ` — query line ${detail.line}: ${JSON.stringify(source.trim().slice(0, 200))}`;
    } else {
      if (detail.token !== undefined) text += ` (token ${JSON.stringify(detail.token)})`;
      if (detail.expectedToken !== undefined) text += ` (expected ${JSON.stringify(detail.expectedToken)})`;
    }
    parts.push(text);
  }
  return parts.filter((part) => part !== '').join(' — ');
}

function isTimeout(error: unknown): boolean {
  if (error instanceof TransientHttpError) return /no response within/.test(error.message);
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------- auth

/**
 * Adapts an `@azure/identity` TokenCredential to a `TokenProvider` for one scope (see
 * `scopeForEndpoint`). Caches the token until its refresh time (or 5 minutes before expiry),
 * shares one in-flight request, and fetches a new one on `forceRefresh` (after a 401).
 */
export function tokenProviderFromCredential(
  credential: TokenCredential,
  scope: string,
  options: { now?: () => number } = {},
): TokenProvider {
  const now = options.now ?? Date.now;
  let cached: { token: string; refreshAt: number } | null = null;
  let inFlight: Promise<string> | null = null;
  return async (request = {}) => {
    if (!request.forceRefresh && cached && now() < cached.refreshAt) return cached.token;
    if (inFlight && !request.forceRefresh) return inFlight;
    const getOptions: GetTokenOptions = request.signal ? { abortSignal: request.signal } : {};
    const pending = (async () => {
      let accessToken: AccessToken | null;
      try {
        accessToken = await credential.getToken(scope, getOptions);
      } catch (error) {
        throw new Error(`${credentialName(credential)} could not get a token for ${scope}: ${describeError(error)}`);
      }
      if (!accessToken || !accessToken.token) throw new Error(`${credentialName(credential)} returned no token for ${scope}`);
      const refreshAt = accessToken.refreshAfterTimestamp ?? accessToken.expiresOnTimestamp - 5 * 60_000;
      cached = { token: accessToken.token, refreshAt };
      return accessToken.token;
    })();
    inFlight = pending;
    try {
      return await pending;
    } finally {
      if (inFlight === pending) inFlight = null;
    }
  };
}

function credentialName(credential: TokenCredential): string {
  const described = (credential as { description?: unknown }).description;
  if (typeof described === 'string') return described;
  const name = (credential as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? name : 'the credential';
}

/** How the source authenticates (config `auth`). */
export type AzureAuthMode = 'default' | 'managed-identity' | 'cli' | 'service-principal' | 'access-token';

export const AZURE_AUTH_MODES: readonly AzureAuthMode[] = ['default', 'managed-identity', 'cli', 'service-principal', 'access-token'];

/** Options for `createCredential`. `env` is where secrets are read from (normally `process.env`). */
export interface CreateCredentialOptions {
  managedIdentityClientId?: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A TokenCredential that says which credential it is (never which token). */
export interface DescribedCredential extends TokenCredential {
  readonly description: string;
  /** Gets a token and names the credential that produced it (for a chain: the member that succeeded). */
  getTokenWithOrigin?(scopes: string | string[], options?: GetTokenOptions): Promise<TokenWithOrigin>;
}

/** A token and the credential that produced it. Only `doctor` asks; it prints `origin`, never the token. */
export interface TokenWithOrigin {
  token: AccessToken;
  origin: string;
}

/** The internal method of `@azure/identity`'s ChainedTokenCredential (and DefaultAzureCredential) that also returns the member that succeeded. */
type ChainInternals = {
  getTokenInternal?: (scopes: string | string[], options?: GetTokenOptions) => Promise<{ token: AccessToken; successfulCredential?: TokenCredential }>;
};

/**
 * Gets a token and names the credential that produced it: for `DefaultAzureCredential` and other
 * chains the member that succeeded (`AzureCliCredential`, `ManagedIdentityCredential`, …), read
 * through the chain's internal `getTokenInternal` when this @azure/identity version has it; else the
 * credential's own name.
 */
export async function getTokenWithOrigin(credential: TokenCredential, scopes: string | string[], options?: GetTokenOptions): Promise<TokenWithOrigin> {
  const described = credential as Partial<DescribedCredential>;
  if (typeof described.getTokenWithOrigin === 'function') return described.getTokenWithOrigin(scopes, options);
  const { token, member } = await tokenAndChainMember(credential, scopes, options);
  const name = credentialName(credential);
  return { token, origin: member ? `${member} (in ${name})` : name };
}

async function tokenAndChainMember(
  credential: TokenCredential,
  scopes: string | string[],
  options?: GetTokenOptions,
): Promise<{ token: AccessToken; member: string | null }> {
  const internal = (credential as ChainInternals).getTokenInternal;
  if (typeof internal === 'function') {
    const { token, successfulCredential } = await internal.call(credential, scopes, options);
    return { token, member: successfulCredential ? credentialName(successfulCredential) : null };
  }
  const token = await credential.getToken(scopes, options);
  if (!token) throw new Error(`${credentialName(credential)} returned no token`);
  return { token, member: null };
}

/**
 * Builds the credential for an `auth` setting. Missing settings (an unset `AZURE_ACCESS_TOKEN`, a
 * service principal without `AZURE_CLIENT_ID`) fail here, naming the variable. Nothing touches the
 * network or loads `@azure/identity` until the first `getToken` (the library is imported lazily).
 * - `default`: DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, …)
 * - `managed-identity`: ManagedIdentityCredential (user-assigned when `managedIdentityClientId` is set)
 * - `cli`: AzureCliCredential (`az login`)
 * - `service-principal`: ClientSecretCredential or ClientCertificateCredential from `AZURE_TENANT_ID`,
 *   `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` or `AZURE_CLIENT_CERTIFICATE_PATH`
 * - `access-token`: the bearer token in `AZURE_ACCESS_TOKEN` (pipelines that already hold one)
 * `env` is read for `service-principal`, `access-token` and `AZURE_AUTHORITY_HOST`; `default`,
 * `managed-identity` and `cli` are configured by `@azure/identity` itself from `process.env`.
 */
export function createCredential(auth: AzureAuthMode, options: CreateCredentialOptions): DescribedCredential {
  const env = options.env;
  const clientId = options.managedIdentityClientId?.trim() || undefined;
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim() || undefined;
  switch (auth) {
    case 'access-token':
      return staticTokenCredential(env);
    case 'default':
      return lazyCredential(
        clientId ? `DefaultAzureCredential (user-assigned managed identity ${clientId})` : 'DefaultAzureCredential',
        async () => {
          const identity = await import('@azure/identity');
          return new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
        },
      );
    case 'managed-identity':
      return lazyCredential(
        clientId ? `ManagedIdentityCredential (user-assigned ${clientId})` : 'ManagedIdentityCredential (system-assigned)',
        async () => {
          const identity = await import('@azure/identity');
          return clientId ? new identity.ManagedIdentityCredential({ clientId }) : new identity.ManagedIdentityCredential();
        },
      );
    case 'cli':
      return lazyCredential('AzureCliCredential (az login)', async () => {
        const identity = await import('@azure/identity');
        return new identity.AzureCliCredential();
      });
    case 'service-principal': {
      const tenantId = env.AZURE_TENANT_ID?.trim();
      const spClientId = env.AZURE_CLIENT_ID?.trim();
      const secret = env.AZURE_CLIENT_SECRET;
      const certificatePath = env.AZURE_CLIENT_CERTIFICATE_PATH?.trim();
      const missing = [
        ...(tenantId ? [] : ['AZURE_TENANT_ID']),
        ...(spClientId ? [] : ['AZURE_CLIENT_ID']),
        ...(secret || certificatePath ? [] : ['AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)']),
      ];
      if (missing.length > 0 || !tenantId || !spClientId) {
        throw new Error(`auth: service-principal needs the environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      }
      const common = authorityHost ? { authorityHost } : {};
      if (secret) {
        return lazyCredential(`ClientSecretCredential (client ${spClientId})`, async () => {
          const identity = await import('@azure/identity');
          return new identity.ClientSecretCredential(tenantId, spClientId, secret, common);
        });
      }
      return lazyCredential(`ClientCertificateCredential (client ${spClientId})`, async () => {
        const identity = await import('@azure/identity');
        return new identity.ClientCertificateCredential(tenantId, spClientId, certificatePath ?? '', common);
      });
    }
    default:
      throw new Error(`unknown auth "${String(auth)}" (expected ${AZURE_AUTH_MODES.join(', ')})`);
  }
}

function lazyCredential(description: string, build: () => Promise<TokenCredential>): DescribedCredential {
  let credential: Promise<TokenCredential> | null = null;
  return {
    description,
    async getToken(scopes, getOptions) {
      credential ??= build();
      return (await credential).getToken(scopes, getOptions);
    },
    async getTokenWithOrigin(scopes, getOptions) {
      credential ??= build();
      const { token, member } = await tokenAndChainMember(await credential, scopes, getOptions);
      return { token, origin: member ? `${member} (in ${description})` : description };
    },
  };
}

function staticTokenCredential(env: Readonly<Record<string, string | undefined>>): DescribedCredential {
  const token = env.AZURE_ACCESS_TOKEN?.trim();
  if (!token) {
    throw new Error('auth: access-token reads the bearer token from the environment variable AZURE_ACCESS_TOKEN, which is not set');
  }
  const expiresOn = jwtExpiry(token);
  return {
    description: 'access token from AZURE_ACCESS_TOKEN',
    async getToken() {
      if (expiresOn !== null && expiresOn <= Date.now()) {
        throw new Error(`the token in AZURE_ACCESS_TOKEN expired at ${new Date(expiresOn).toISOString()}; get a new one (az account get-access-token)`);
      }
      return { token, expiresOnTimestamp: expiresOn ?? Date.now() + 60 * 60_000 };
    },
  };
}

/** The `exp` claim of a JWT in milliseconds, or null when the token is not a readable JWT. */
function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
