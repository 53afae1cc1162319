/**
 * A local fake of Azure Resource Graph (`POST /providers/Microsoft.ResourceGraph/resources`) that
 * speaks the real contract over HTTP on 127.0.0.1, so the real client code is what tests exercise.
 *
 * What it does like Azure: bearer token required (401 with an ARM error body otherwise), POST path
 * and api-version checked, `$skipToken` paging (opaque base64 tokens bound to the query and scope)
 * at a configurable page size, `x-ms-user-quota-remaining` / `x-ms-user-quota-resets-after` on every
 * response, the real 429 `RateLimiting` body, 400 `ParserFailure`, ARM `AuthorizationFailed` 403s,
 * `x-ms-tenant-subscription-limit-hit`, `resultFormat: table`.
 *
 * What it does NOT do: run KQL. It serves the configured rows whose `type` equals the type the
 * query filters on (the first `type ==`/`type =~ "…"` in the text) and, when the request lists
 * subscriptions, whose `subscriptionId` is one of them (above subscription scope: every row except
 * those of `forbiddenSubscriptions`); rows come sorted by `id`. Every other filter (Unhealthy,
 * kind, severity, CVE ids, `take`) is left to the TypeScript code under test.
 *
 * Faults are injected per request number, per subscription, per query text, or for the next request(s); every
 * request is recorded (headers and body) for assertions.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_TOKEN = 'fake-arg-token-3f9c2a7e';
export const FAKE_API_VERSION = '2022-10-01';
export const RESOURCES_PATH = '/providers/Microsoft.ResourceGraph/resources';

/** A row the fake may serve. Only `id`, `type` and `subscriptionId` are read. */
export interface FakeRow {
  id: string;
  type: string;
  subscriptionId?: string;
  [key: string]: unknown;
}

/** A fault the fake answers with instead of (or on top of) a normal page. */
export type FakeFault =
  /** 429 with the real RateLimiting body and quota headers (remaining 0). */
  | { kind: 'throttle'; retryAfter?: string; resetsAfter?: string }
  /** 400 BadRequest with InvalidQuery + ParserFailure details (the real body). */
  | { kind: 'bad-query' }
  /** 403 AuthorizationFailed (ARM body) naming the first requested subscription. */
  | { kind: 'forbidden' }
  /** 401 InvalidAuthenticationToken, whatever token was sent. */
  | { kind: 'unauthorized' }
  /** 5xx (default 500) with an ARM error body, optional Retry-After. */
  | { kind: 'server-error'; status?: number; retryAfter?: string }
  /** Accept the request and never answer (client timeout). */
  | { kind: 'hang' }
  /** Send 200 headers and half a body, then stall (timeout while reading the body). */
  | { kind: 'stall-body' }
  /** 200 with an arbitrary body (not JSON, JSON without `data`, …). */
  | { kind: 'malformed'; body: string; contentType?: string }
  /** A normal page, but with `x-ms-user-quota-remaining: 0`. */
  | { kind: 'quota-exhausted'; resetsAfter?: string }
  /** A normal page with `resultTruncated: "true"` and no `$skipToken`. */
  | { kind: 'truncated' }
  /** Any status, body and headers (quota headers are added unless given). */
  | { kind: 'response'; status: number; body: unknown; headers?: Record<string, string> };

/** When an injected fault fires. Without `request`, `subscription` or `query` it fires on the next request(s). */
export interface FaultWhen {
  /** 1-based number of the request (all POSTs to the resources path count). */
  request?: number;
  /** Fires on requests whose `subscriptions` include this id (case-insensitive). */
  subscription?: string;
  /** Fires on requests whose query text contains this string (e.g. `virtualMachines`, `cvedetails`). */
  query?: string;
  /** How many times it fires (default 1; `Infinity` for ever; default Infinity with `subscription`). */
  times?: number;
}

/** One request the fake received. */
export interface RecordedRequest {
  /** 1-based, counting every request to any path. */
  n: number;
  at: number;
  method: string;
  path: string;
  apiVersion: string | null;
  headers: Record<string, string>;
  rawBody: string;
  body: FakeRequestBody | null;
  /** The status the fake answered with (null while hanging). */
  status: number | null;
}

/** The parsed request body, as Resource Graph defines it. */
export interface FakeRequestBody {
  query?: string;
  subscriptions?: string[];
  managementGroups?: string[];
  options?: { $top?: number; $skip?: number; $skipToken?: string; resultFormat?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface FakeResourceGraphOptions {
  rows?: FakeRow[];
  /** Largest page the fake serves (the client's `$top` can only lower it). Default 1000. */
  pageSize?: number;
  /** Accepted bearer tokens. Default `[FAKE_TOKEN]`. */
  tokens?: string[];
  /** Accepted api-versions. Default `['2022-10-01']`. */
  apiVersions?: string[];
  /** `x-ms-user-quota-remaining` on normal responses (default 14). */
  quotaRemaining?: number;
  /** `x-ms-user-quota-resets-after` on normal responses (default `00:00:05`). */
  quotaResetsAfter?: string;
  /** Send `x-ms-tenant-subscription-limit-hit: true` on tenant and management-group scoped responses. */
  tenantSubscriptionLimitHit?: boolean;
  /**
   * Subscriptions the identity cannot read: a request naming any of them gets 403; a tenant or
   * management-group scoped request silently leaves out their rows (as Resource Graph does).
   */
  forbiddenSubscriptions?: string[];
  /** Answer in `table` format whatever the request asks (as api-version 2019-04-01 did). */
  forceTableFormat?: boolean;
  /** Called for every request as it arrives (before the answer). */
  onRequest?: (request: RecordedRequest) => void;
}

export interface FakeResourceGraph {
  /** Base URL (the client's `endpoint`), e.g. `http://127.0.0.1:43121`. */
  url: string;
  requests: RecordedRequest[];
  /** Requests to the resources endpoint only. */
  queryRequests(): RecordedRequest[];
  setRows(rows: FakeRow[]): void;
  inject(fault: FakeFault, when?: FaultWhen): void;
  close(): Promise<void>;
}

/** The real 429 body (Azure/azure-cli-extensions#3325, Azure/azqr#516; ids replaced). */
export const RATE_LIMITING_BODY = {
  error: {
    code: 'RateLimiting',
    message:
      'Please provide below info when asking for support: timestamp = 2026-06-10T03:20:01.1234567Z, correlationId = 00000000-1111-2222-3333-444444444444.',
    details: [
      {
        code: 'RateLimiting',
        message:
          'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
      },
    ],
  },
};

/** The real 400 body of an invalid query. */
export const PARSER_FAILURE_BODY = {
  error: {
    code: 'BadRequest',
    message:
      'Please provide below info when asking for support: timestamp = 2026-06-10T03:21:00.0000000Z, correlationId = 55555555-6666-7777-8888-999999999999.',
    details: [
      {
        code: 'InvalidQuery',
        message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.',
      },
      { code: 'ParserFailure', message: 'ParserFailure', line: 1, characterPositionInLine: 42, token: "' and type contains '" },
    ],
  },
};

interface ArmedFault {
  fault: FakeFault;
  when: FaultWhen;
  remaining: number;
}

interface SkipTokenPayload {
  offset: number;
  binding: string;
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeResourceGraph(options: FakeResourceGraphOptions = {}): Promise<FakeResourceGraph> {
  let rows = [...(options.rows ?? [])];
  const tokens = new Set(options.tokens ?? [FAKE_TOKEN]);
  const apiVersions = new Set(options.apiVersions ?? [FAKE_API_VERSION]);
  const pageSize = options.pageSize ?? 1000;
  const forbidden = new Set((options.forbiddenSubscriptions ?? []).map((id) => id.toLowerCase()));
  const faults: ArmedFault[] = [];
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  let queryCount = 0;

  const quotaHeaders = (remaining = options.quotaRemaining ?? 14, resetsAfter = options.quotaResetsAfter ?? '00:00:05') => ({
    'x-ms-user-quota-remaining': String(remaining),
    'x-ms-user-quota-resets-after': resetsAfter,
  });

  const send = (
    record: RecordedRequest,
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    record.status = status;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-request-id': `fake-${record.n}`,
      ...quotaHeaders(),
      ...headers,
    });
    res.end(text);
  };

  const takeFault = (queryNumber: number, body: FakeRequestBody | null): FakeFault | null => {
    const subs = (body?.subscriptions ?? []).map((id) => String(id).toLowerCase());
    for (const armed of faults) {
      if (armed.remaining <= 0) continue;
      if (armed.when.request !== undefined && armed.when.request !== queryNumber) continue;
      if (armed.when.subscription !== undefined && !subs.includes(armed.when.subscription.toLowerCase())) continue;
      if (armed.when.query !== undefined && !String(body?.query ?? '').includes(armed.when.query)) continue;
      armed.remaining--;
      return armed.fault;
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: FakeRequestBody | null = null;
      try {
        body = rawBody ? (JSON.parse(rawBody) as FakeRequestBody) : null;
      } catch {
        body = null;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
      }
      const record: RecordedRequest = {
        n: requests.length + 1,
        at: Date.now(),
        method: req.method ?? '',
        path: url.pathname,
        apiVersion: url.searchParams.get('api-version'),
        headers,
        rawBody,
        body,
        status: null,
      };
      requests.push(record);
      options.onRequest?.(record);
      handle(record, res);
    });
  });

  const handle = (record: RecordedRequest, res: http.ServerResponse): void => {
    // ARM front door: authentication first.
    const auth = record.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(auth);
    if (!match) {
      send(record, res, 401, armError('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."), {
        'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
      });
      return;
    }
    if (!tokens.has(match[1] ?? '')) {
      send(record, res, 401, armError('InvalidAuthenticationToken', 'The access token is invalid.'), {
        'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
      });
      return;
    }
    if (record.path.toLowerCase() !== RESOURCES_PATH.toLowerCase()) {
      send(record, res, 404, armError('InvalidResourceType', `The resource type could not be found for path '${record.path}'.`));
      return;
    }
    if (record.method !== 'POST') {
      send(record, res, 405, armError('MethodNotAllowed', `The method '${record.method}' is not allowed.`));
      return;
    }
    if (record.apiVersion === null || !apiVersions.has(record.apiVersion)) {
      send(
        record,
        res,
        400,
        armError(
          record.apiVersion === null ? 'MissingApiVersionParameter' : 'InvalidApiVersionParameter',
          `The api-version '${record.apiVersion ?? ''}' is invalid. The supported versions are '${[...apiVersions].join("','")}'.`,
        ),
      );
      return;
    }

    queryCount++;
    const body = record.body;
    const fault = takeFault(queryCount, body);
    if (fault) {
      const handled = answerFault(fault, record, res);
      if (handled) return;
    }

    if (!body || typeof body.query !== 'string' || body.query.trim() === '') {
      send(record, res, 400, armError('BadRequest', 'The request content was invalid: query is required.'));
      return;
    }
    if (body.subscriptions !== undefined && body.managementGroups !== undefined) {
      send(record, res, 400, armError('BadRequest', 'Specify either subscriptions or managementGroups, not both.'));
      return;
    }
    if (Array.isArray(body.subscriptions) && body.subscriptions.length > 1000) {
      send(record, res, 400, armError('BadRequest', 'Too many subscriptions in the request (at most 1000).'));
      return;
    }
    const denied = (body.subscriptions ?? []).find((id) => forbidden.has(String(id).toLowerCase()));
    if (denied !== undefined) {
      send(record, res, 403, authorizationFailed(String(denied)));
      return;
    }
    servePage(record, res, body, {
      quotaExhausted: fault?.kind === 'quota-exhausted' ? fault : null,
      truncated: fault?.kind === 'truncated',
    });
  };

  /** Returns true when the fault produced the whole answer. */
  const answerFault = (fault: FakeFault, record: RecordedRequest, res: http.ServerResponse): boolean => {
    switch (fault.kind) {
      case 'throttle':
        send(record, res, 429, RATE_LIMITING_BODY, {
          ...quotaHeaders(0, fault.resetsAfter ?? '00:00:04'),
          ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
        });
        return true;
      case 'bad-query':
        send(record, res, 400, PARSER_FAILURE_BODY);
        return true;
      case 'forbidden':
        send(record, res, 403, authorizationFailed(record.body?.subscriptions?.[0] ?? ''));
        return true;
      case 'unauthorized':
        send(record, res, 401, armError('InvalidAuthenticationToken', 'The access token is invalid.'));
        return true;
      case 'server-error':
        send(
          record,
          res,
          fault.status ?? 500,
          armError('InternalServerError', 'Encountered internal server error. Please try again.'),
          fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
        );
        return true;
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      case 'stall-body':
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json', ...quotaHeaders() });
        res.write('{"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [');
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      case 'malformed':
        record.status = 200;
        res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json', ...quotaHeaders() });
        res.end(fault.body);
        return true;
      case 'response':
        send(record, res, fault.status, fault.body, fault.headers ?? {});
        return true;
      case 'quota-exhausted':
      case 'truncated':
        return false;
    }
  };

  const servePage = (
    record: RecordedRequest,
    res: http.ServerResponse,
    body: FakeRequestBody,
    flags: { quotaExhausted: { resetsAfter?: string } | null; truncated: boolean },
  ): void => {
    const query = body.query ?? '';
    const binding = bindingOf(body);
    let offset = 0;
    const skipToken = body.options?.$skipToken;
    if (skipToken !== undefined) {
      const payload = decodeSkipToken(skipToken);
      if (!payload || payload.binding !== binding) {
        send(record, res, 400, {
          error: {
            code: 'BadRequest',
            message: 'The $skipToken is invalid for this query and scope.',
            details: [{ code: 'InvalidSkipToken', message: 'The skip token does not match the query or scope it was issued for.' }],
          },
        });
        return;
      }
      offset = payload.offset;
    }
    const top = Math.min(pageSize, positiveInt(body.options?.$top) ?? 1000);
    // Above subscription scope Resource Graph shows only what the identity can read.
    const matching = selectRows(rows, query, body.subscriptions).filter(
      (row) => body.subscriptions !== undefined || typeof row.subscriptionId !== 'string' || !forbidden.has(row.subscriptionId.toLowerCase()),
    );
    const slice = matching.slice(offset, offset + top);
    const next = offset + slice.length;
    const more = !flags.truncated && next < matching.length;
    const table = options.forceTableFormat || body.options?.resultFormat === 'table';
    const scopedAboveSubscriptions = body.subscriptions === undefined;
    send(
      record,
      res,
      200,
      {
        totalRecords: matching.length,
        count: slice.length,
        resultTruncated: flags.truncated ? 'true' : 'false',
        ...(more ? { $skipToken: encodeSkipToken({ offset: next, binding }) } : {}),
        facets: [],
        data: table ? toTable(slice) : slice,
      },
      {
        ...(flags.quotaExhausted ? quotaHeaders(0, flags.quotaExhausted.resetsAfter ?? '00:00:03') : {}),
        ...(options.tenantSubscriptionLimitHit && scopedAboveSubscriptions ? { 'x-ms-tenant-subscription-limit-hit': 'true' } : {}),
      },
    );
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queryRequests: () => requests.filter((r) => r.path.toLowerCase() === RESOURCES_PATH.toLowerCase()),
    setRows(next) {
      rows = [...next];
    },
    inject(fault, when = {}) {
      const defaultTimes = when.subscription !== undefined && when.request === undefined ? Infinity : 1;
      faults.push({ fault, when, remaining: when.times ?? defaultTimes });
    },
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The type a query filters on: the first `type ==`/`type =~` string literal, lower-cased. */
export function typeFilterOf(query: string): string | null {
  const match = /\btype\s*(?:==|=~)\s*(["'])(.*?)\1/i.exec(query);
  return match?.[2]?.toLowerCase() ?? null;
}

function selectRows(rows: readonly FakeRow[], query: string, subscriptions: readonly string[] | undefined): FakeRow[] {
  const type = typeFilterOf(query);
  const subs = subscriptions ? new Set(subscriptions.map((id) => id.toLowerCase())) : null;
  return rows
    .filter((row) => type === null || String(row.type).toLowerCase() === type)
    .filter((row) => subs === null || (typeof row.subscriptionId === 'string' && subs.has(row.subscriptionId.toLowerCase())))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function toTable(rows: readonly FakeRow[]): { columns: { name: string; type: string }[]; rows: unknown[][] } {
  const names: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!names.includes(key)) names.push(key);
  return {
    columns: names.map((name) => ({ name, type: columnType(rows.find((row) => row[name] !== undefined && row[name] !== null)?.[name]) })),
    rows: rows.map((row) => names.map((name) => row[name] ?? null)),
  };
}

function columnType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'object';
}

/** A token is only valid for the query and scope it was issued for (as Resource Graph's are). */
function bindingOf(body: FakeRequestBody): string {
  return createHash('sha256')
    .update(JSON.stringify([body.query, body.subscriptions ?? null, body.managementGroups ?? null]))
    .digest('hex')
    .slice(0, 16);
}

function encodeSkipToken(payload: SkipTokenPayload): string {
  return Buffer.from(JSON.stringify({ $id: '1', RowsToSkip: payload.offset, Binding: payload.binding })).toString('base64');
}

function decodeSkipToken(token: string): SkipTokenPayload | null {
  try {
    const json = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { RowsToSkip?: unknown; Binding?: unknown };
    if (typeof json.RowsToSkip !== 'number' || typeof json.Binding !== 'string') return null;
    return { offset: json.RowsToSkip, binding: json.Binding };
  } catch {
    return null;
  }
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function armError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function authorizationFailed(subscription: string): { error: { code: string; message: string } } {
  return armError(
    'AuthorizationFailed',
    `The client '7c1f0c2e-0000-4000-8000-000000000001' with object id '7c1f0c2e-0000-4000-8000-000000000001' does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/${subscription}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
