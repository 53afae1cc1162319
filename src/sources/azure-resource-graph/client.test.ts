import { ChainedTokenCredential, CredentialUnavailableError, type AccessToken, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FAKE_TOKEN,
  RESOURCES_PATH,
  startFakeResourceGraph,
  type FakeResourceGraph,
  type FakeResourceGraphOptions,
  type FakeRow,
} from '../../../test/fakes/resource-graph.js';
import { sleep as realSleep } from '../../util/http.js';
import {
  ResourceGraphError,
  batchSubscriptions,
  createCredential,
  createResourceGraphClient,
  parseQuotaResetsAfter,
  scopeForEndpoint,
  tokenProviderFromCredential,
  type ResourceGraphClientOptions,
  type ResourceGraphPage,
  type TokenProvider,
  type WaitInfo,
} from './client.js';
import { loadCveDetailsQuery, loadQuery } from './queries.js';

// ---------------------------------------------------------------- fixtures

const SUB_A = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const SUB_B = '5c2d8e3a-7f41-4b6e-9a0d-1e2f3a4b5c6d';
const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const ASSESSMENTS = 'microsoft.security/assessments';

/** Waits really happen, scaled down 100× so a 4 s quota reset costs 40 ms of test time. */
const SCALE = 100;

function assessmentRow(i: number, subscriptionId = SUB_A, type = ASSESSMENTS): FakeRow {
  const n = String(i).padStart(3, '0');
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-本番-東京/providers/Microsoft.Compute/virtualMachines/vm-${n}/providers/Microsoft.Security/assessments/00000000-0000-4000-8000-000000000${n}`,
    name: `00000000-0000-4000-8000-000000000${n}`,
    type,
    tenantId: TENANT,
    subscriptionId,
    resourceGroup: 'rg-本番-東京',
    properties: { status: { code: 'Unhealthy' }, metadata: { severity: 'High', recommendationCategory: 'SoftwareUpdate' } },
  };
}

const cveDetailsRow = (cve: string): FakeRow => ({
  id: `/providers/microsoft.security/cvedetails/${cve}`,
  name: cve,
  type: 'microsoft.security/cvedetails',
  tenantId: TENANT,
  properties: { cveId: cve.toUpperCase(), severity: 'Critical' },
});

const fakes: FakeResourceGraph[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

interface Harness {
  fake: FakeResourceGraph;
  /** Requests and waits in the order they happened. */
  events: string[];
  waits: WaitInfo[];
  client(overrides?: Partial<ResourceGraphClientOptions>): ReturnType<typeof createResourceGraphClient>;
}

async function harness(options: FakeResourceGraphOptions = {}): Promise<Harness> {
  const events: string[] = [];
  const waits: WaitInfo[] = [];
  const fake = await startFakeResourceGraph({
    ...options,
    onRequest: (request) => events.push(`request ${request.n}`),
  });
  fakes.push(fake);
  return {
    fake,
    events,
    waits,
    client: (overrides = {}) =>
      createResourceGraphClient({
        endpoint: fake.url,
        getToken: async () => FAKE_TOKEN,
        retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 40 },
        throttleRetries: 3,
        timeoutMs: 2_000,
        sleep: async (ms, signal) => {
          events.push(`sleep ${ms}`);
          await realSleep(ms / SCALE, signal);
        },
        ...overrides,
      }),
  };
}

function recordWaits(h: Harness): { onWait(info: WaitInfo): void } {
  return { onWait: (info) => h.waits.push(info) };
}

async function collect(generator: AsyncGenerator<ResourceGraphPage, void, void>): Promise<ResourceGraphPage[]> {
  const pages: ResourceGraphPage[] = [];
  for await (const page of generator) pages.push(page);
  return pages;
}

async function failure(generator: AsyncGenerator<ResourceGraphPage, void, void>, pages: ResourceGraphPage[] = []): Promise<ResourceGraphError> {
  try {
    for await (const page of generator) pages.push(page);
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceGraphError);
    return error as ResourceGraphError;
  }
  throw new Error('expected the query to fail');
}

/** The token must not appear anywhere a user or a log could see it. */
function expectNoSecret(error: ResourceGraphError, secret: string = FAKE_TOKEN): void {
  const surfaces = [error.message, String(error), error.stack ?? '', error.hint, JSON.stringify(error.details), JSON.stringify(error)];
  for (const surface of surfaces) expect(surface).not.toContain(secret);
}

const machinesQuery = loadQuery('machines', 'individual', { minSeverity: 'High' });

// ---------------------------------------------------------------- paging and streaming

describe('paging', () => {
  it('follows $skipToken with the same query and scope, yielding each page as it arrives', async () => {
    const rows = [
      ...Array.from({ length: 7 }, (_, i) => assessmentRow(7 - i)), // served sorted by id
      assessmentRow(50, SUB_B), // other subscription: not requested
      assessmentRow(60, SUB_A, 'microsoft.security/assessments/subassessments'), // other type
      cveDetailsRow('cve-2024-6119'), // tenant-level row
    ];
    const h = await harness({ rows, pageSize: 3 });
    const pageInfos: number[] = [];
    const generator = h.client().query(
      { query: machinesQuery, subscriptions: [SUB_A] },
      { onPage: (info) => pageInfos.push(info.rows) },
    );

    const first = await generator.next();
    expect(first.done).toBe(false);
    expect(h.fake.queryRequests()).toHaveLength(1); // page 2 is not requested before page 1 is consumed
    const pages = [first.value as ResourceGraphPage];
    for await (const page of generator) pages.push(page);

    expect(pages.map((p) => p.rows.length)).toEqual([3, 3, 1]);
    expect(pageInfos).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.pageIndex)).toEqual([0, 1, 2]);
    expect(pages.every((p) => p.totalRecords === 7 && !p.truncated)).toBe(true);
    expect(pages[2]?.skipToken).toBeNull();
    const ids = pages.flatMap((p) => p.rows.map((row) => (row as FakeRow).id));
    expect(ids).toEqual([...ids].sort());
    expect(ids.every((id) => id.includes(SUB_A) && !id.includes('vm-060'))).toBe(true);

    const requests = h.fake.queryRequests();
    expect(requests).toHaveLength(3);
    for (const [i, request] of requests.entries()) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(RESOURCES_PATH);
      expect(request.apiVersion).toBe('2022-10-01');
      expect(request.headers.authorization).toBe(`Bearer ${FAKE_TOKEN}`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.body?.query).toBe(machinesQuery);
      expect(request.body?.subscriptions).toEqual([SUB_A]);
      expect(request.body?.options?.$top).toBe(1000);
      expect(request.body?.options?.resultFormat).toBe('objectArray');
      expect(request.body?.options?.$skipToken).toBe(i === 0 ? undefined : pages[i - 1]?.skipToken);
    }
  });

  it('reads tenant-level cvedetails rows at tenant scope (no subscriptions in the body)', async () => {
    const h = await harness({ rows: [cveDetailsRow('cve-2024-6119'), cveDetailsRow('cve-2023-44487'), assessmentRow(1)] });
    const pages = await collect(h.client().query({ query: loadCveDetailsQuery(['CVE-2024-6119', 'CVE-2023-44487']) }));
    expect(pages.flatMap((p) => p.rows.map((row) => (row as FakeRow).name))).toEqual(['cve-2023-44487', 'cve-2024-6119']);
    const body = h.fake.queryRequests()[0]?.body;
    expect(body && 'subscriptions' in body).toBe(false);
    expect(body && 'managementGroups' in body).toBe(false);
  });

  it('sends management-group scope as managementGroups', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    const pages = await collect(h.client().query({ query: machinesQuery, managementGroups: ['mg-security'] }));
    expect(pages[0]?.rows).toHaveLength(1);
    expect(h.fake.queryRequests()[0]?.body?.managementGroups).toEqual(['mg-security']);
    expect(pages[0]?.scope).toEqual({ managementGroups: ['mg-security'] });
  });

  it('converts table-format results ({columns, rows}) to objects', async () => {
    const h = await harness({ rows: [assessmentRow(1), assessmentRow(2)], forceTableFormat: true });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(pages[0]?.rows).toEqual([assessmentRow(1), assessmentRow(2)]);
  });

  it('splits 2500 subscriptions into 3 requests of ≤ 1000, each paged to the end', async () => {
    const subscriptions = Array.from({ length: 2500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const rows = [assessmentRow(1, subscriptions[10]), assessmentRow(2, subscriptions[1500]), assessmentRow(3, subscriptions[2499]), assessmentRow(4, subscriptions[2498])];
    const h = await harness({ rows, pageSize: 1 });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [...subscriptions, subscriptions[0] ?? ''] }));
    const requests = h.fake.queryRequests();
    expect(requests.map((r) => r.body?.subscriptions?.length)).toEqual([1000, 1000, 500, 500]); // batch 3 has 2 pages
    expect(requests[3]?.body?.options?.$skipToken).toBeTruthy();
    expect(pages.map((p) => [p.batchIndex, p.batchCount, p.pageIndex, p.rows.length])).toEqual([
      [0, 3, 0, 1],
      [1, 3, 0, 1],
      [2, 3, 0, 1],
      [2, 3, 1, 1],
    ]);
    expect(pages[0]?.scope.subscriptions).toHaveLength(1000);
    expect(batchSubscriptions(subscriptions).map((b) => b.length)).toEqual([1000, 1000, 500]);
  });

  it('surfaces resultTruncated "true" and stops (no token to follow)', async () => {
    const h = await harness({ rows: Array.from({ length: 5 }, (_, i) => assessmentRow(i)), pageSize: 2 });
    h.fake.inject({ kind: 'truncated' }, { request: 1 });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.truncated).toBe(true);
    expect(pages[0]?.skipToken).toBeNull();
  });

  it('surfaces x-ms-tenant-subscription-limit-hit on tenant scope', async () => {
    const h = await harness({ rows: [assessmentRow(1)], tenantSubscriptionLimitHit: true });
    const tenant = await collect(h.client().query({ query: machinesQuery }));
    expect(tenant[0]?.partialScope.tenantSubscriptionLimitHit).toBe(true);
    const scoped = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(scoped[0]?.partialScope.tenantSubscriptionLimitHit).toBe(false);
  });

  it('stops with a malformed error when Resource Graph repeats a $skipToken (never loops)', async () => {
    const h = await harness();
    const page = { totalRecords: 10, count: 1, resultTruncated: 'false', $skipToken: 'c2FtZQ==', data: [assessmentRow(1)] };
    h.fake.inject({ kind: 'response', status: 200, body: page }, { times: 3 });
    const pages: ResourceGraphPage[] = [];
    const error = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }), pages);
    expect(error.kind).toBe('malformed');
    expect(error.message).toMatch(/same \$skipToken twice/);
    expect(pages).toHaveLength(2);
  });
});

// ---------------------------------------------------------------- throttling

describe('throttling', () => {
  it('on 429 waits the quota reset (no Retry-After) and retries', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'throttle', resetsAfter: '00:00:04' }, { request: 1 });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(pages[0]?.rows).toHaveLength(1);
    expect(h.events).toEqual(['request 1', 'sleep 4000', 'request 2']);
    expect(h.waits.map((w) => [w.reason, w.waitMs, w.status])).toEqual([['throttled', 4000, 429]]);
    const requests = h.fake.queryRequests();
    expect(requests[1]?.rawBody).toBe(requests[0]?.rawBody); // the same request is resent
  });

  it('on 429 prefers Retry-After over the quota reset', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'throttle', retryAfter: '2', resetsAfter: '00:00:04' }, { request: 1 });
    await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(h.events).toEqual(['request 1', 'sleep 2000', 'request 2']);
  });

  it('gives up with a throttled error after the bounded 429 retries', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'throttle', resetsAfter: '00:00:01' }, { times: Infinity });
    const error = await failure(h.client({ throttleRetries: 2 }).query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(h.fake.queryRequests()).toHaveLength(3);
    expect(error.kind).toBe('throttled');
    expect(error.status).toBe(429);
    expect(error.code).toBe('RateLimiting');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(1000);
    expect(error.message).toMatch(/HTTP 429 for subscriptions 0b1f6471.*RateLimiting.*aka\.ms\/resourcegraph-throttling/);
    expectNoSecret(error);
  });

  it('waits for the quota reset before the next call when x-ms-user-quota-remaining is 0', async () => {
    const h = await harness({ rows: Array.from({ length: 4 }, (_, i) => assessmentRow(i)), pageSize: 2 });
    h.fake.inject({ kind: 'quota-exhausted', resetsAfter: '00:00:03' }, { request: 1 });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(pages[0]?.quota).toEqual({ remaining: 0, resetsAfterMs: 3000 });
    expect(pages[1]?.quota.remaining).toBe(14);
    expect(h.events).toEqual(['request 1', expect.stringMatching(/^sleep (29\d\d|3000)$/), 'request 2']);
    expect(h.waits.map((w) => w.reason)).toEqual(['quota']);
    expect(h.waits[0]?.waitMs).toBeGreaterThan(2900); // the reset time, less the few ms already gone
    const [first, second] = h.fake.queryRequests();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3000 / SCALE - 5);
  });

  it('a spent quota holds back every call made meanwhile, not just the first (the source prefetches pages)', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'quota-exhausted', resetsAfter: '00:00:03' }, { request: 1 });
    const client = h.client();
    await collect(client.query({ query: machinesQuery, subscriptions: [SUB_A] }));
    await Promise.all([1, 2].map(() => collect(client.query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)))));
    expect(h.waits.map((w) => w.reason)).toEqual(['quota', 'quota']);
    const [first, ...later] = h.fake.queryRequests();
    expect(later).toHaveLength(2);
    for (const r of later) expect((r.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3000 / SCALE - 5);
  });

  it('does not wait when the quota is spent on the last call', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'quota-exhausted' }, { request: 1 });
    await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(h.events).toEqual(['request 1']);
  });
});

// ---------------------------------------------------------------- errors

describe('errors', () => {
  it('answers 401 to a request without a token (the fake enforces auth)', async () => {
    const h = await harness();
    const response = await fetch(`${h.fake.url}${RESOURCES_PATH}?api-version=2022-10-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: machinesQuery }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  it('401: refreshes the token once, then fails with an unauthorized error that names the fix', async () => {
    const h = await harness();
    const calls: Array<boolean | undefined> = [];
    const getToken: TokenProvider = async (options) => {
      calls.push(options?.forceRefresh);
      return 'stale-token-value-123';
    };
    const error = await failure(h.client({ getToken }).query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(calls).toEqual([false, true]);
    expect(h.fake.queryRequests()).toHaveLength(2);
    expect(error.kind).toBe('unauthorized');
    expect(error.status).toBe(401);
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.message).toContain(`the token must be for ${h.fake.url}/.default`);
    expect(error.message).toContain(`grant the identity Reader or Security Reader on /subscriptions/${SUB_A}`);
    expectNoSecret(error, 'stale-token-value-123');
  });

  it('401 then a refreshed token succeeds', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    const getToken: TokenProvider = async (options) => (options?.forceRefresh ? FAKE_TOKEN : 'expired-token-value');
    const pages = await collect(h.client({ getToken }).query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(pages[0]?.rows).toHaveLength(1);
  });

  it('a credential that cannot give a token is an unauthorized error, before any request', async () => {
    const h = await harness();
    const getToken: TokenProvider = async () => {
      throw new Error('AzureCliCredential: Please run az login');
    };
    const error = await failure(h.client({ getToken }).query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/could not obtain an access token.*az login/);
    expect(h.fake.queryRequests()).toHaveLength(0);
  });

  it('400 ParserFailure: a bad-query error showing line, position and token; not retried', async () => {
    const h = await harness();
    h.fake.inject({ kind: 'bad-query' });
    const query = "securityresources | where type == 'x' and type contains 'y' | project id";
    const error = await failure(h.client().query({ query, subscriptions: [SUB_A] }));
    expect(h.fake.queryRequests()).toHaveLength(1);
    expect(error.kind).toBe('bad-query');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('BadRequest');
    expect(error.details.map((d) => d.code)).toEqual(['InvalidQuery', 'ParserFailure']);
    expect(error.message).toContain('InvalidQuery: Query is invalid.');
    expect(error.message).toContain(`ParserFailure at line 1, position 42 near token "' and type contains '"`);
    expect(error.message).toContain(`query line 1: ${JSON.stringify(query)}`);
    expect(error.message).toContain('[request id fake-1]');
    expectNoSecret(error);
  });

  it('403: a forbidden error naming the role and the scope to grant it on', async () => {
    const h = await harness({ rows: [assessmentRow(1)], forbiddenSubscriptions: [SUB_B] });
    const error = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A, SUB_B] }));
    expect(error.kind).toBe('forbidden');
    expect(error.status).toBe(403);
    expect(error.code).toBe('AuthorizationFailed');
    expect(error.scope).toEqual({ subscriptions: [SUB_A, SUB_B] });
    expect(error.message).toContain(`Grant the identity Reader or Security Reader on /subscriptions/${SUB_A}, /subscriptions/${SUB_B}`);
    expect(error.message).toContain('Microsoft.ResourceGraph/resources/read');
    expect(h.fake.queryRequests()).toHaveLength(1);
    expectNoSecret(error);
  });

  it('403 on one batch: earlier batches were yielded and the error names the failed batch', async () => {
    const subscriptions = Array.from({ length: 1500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const h = await harness({ rows: [assessmentRow(1, subscriptions[3])], forbiddenSubscriptions: [subscriptions[1200] ?? ''] });
    const pages: ResourceGraphPage[] = [];
    const error = await failure(h.client().query({ query: machinesQuery, subscriptions }), pages);
    expect(pages.map((p) => p.rows.length)).toEqual([1]);
    expect(error.kind).toBe('forbidden');
    expect(error.scope.subscriptions).toEqual(subscriptions.slice(1000));
    expect(error.message).toMatch(/subscriptions 00000000-0000-4000-8000-000000001000, .* and 497 more/);
  });

  it('500 is retried with backoff, then succeeds', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'server-error' }, { times: 2 });
    const pages = await collect(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(pages[0]?.rows).toHaveLength(1);
    expect(h.fake.queryRequests().map((r) => r.status)).toEqual([500, 500, 200]);
    expect(h.waits.map((w) => [w.reason, w.attempt, w.status])).toEqual([
      ['server-error', 1, 500],
      ['server-error', 2, 500],
    ]);
    for (const wait of h.waits) expect(wait.waitMs).toBeLessThanOrEqual(40);
  });

  it('500 for ever: a transient error after the bounded retries', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'server-error', status: 503, retryAfter: '1' }, { times: Infinity });
    const error = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(h.fake.queryRequests()).toHaveLength(3);
    expect(h.waits.map((w) => w.waitMs)).toEqual([1000, 1000]); // Retry-After honoured
    expect(error.kind).toBe('transient');
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/HTTP 503 .*InternalServerError.*after 3 attempts/);
    expectNoSecret(error);
  });

  it('a response that never arrives times out, is retried, then fails as transient', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'hang' }, { times: Infinity });
    const started = Date.now();
    const error = await failure(h.client({ timeoutMs: 150, retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 } }).query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.fake.queryRequests()).toHaveLength(2);
    expect(h.waits.map((w) => w.reason)).toEqual(['timeout']);
    expect(error.kind).toBe('transient');
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/failed after 2 attempts: no complete response within 150 ms/);
  });

  it('a body that stops half-way times out too (the timeout covers the body)', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    h.fake.inject({ kind: 'stall-body' }, { request: 1 });
    const pages = await collect(h.client({ timeoutMs: 150 }).query({ query: machinesQuery, subscriptions: [SUB_A] }, recordWaits(h)));
    expect(pages[0]?.rows).toHaveLength(1);
    expect(h.waits.map((w) => w.reason)).toEqual(['timeout']);
  });

  it('a 200 whose body is not JSON is a malformed error, never "0 rows"', async () => {
    const h = await harness();
    h.fake.inject({ kind: 'malformed', body: '<html><body>Sign in to your proxy</body></html>', contentType: 'text/html' });
    const error = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(error.kind).toBe('malformed');
    expect(error.status).toBe(200);
    expect(error.message).toMatch(/not JSON .*<html><body>Sign in/);
    expect(h.fake.queryRequests()).toHaveLength(1);
  });

  it('a 200 JSON body without data (or with a boolean-less resultTruncated) is malformed', async () => {
    const h = await harness();
    h.fake.inject({ kind: 'malformed', body: JSON.stringify({ totalRecords: 0, count: 0, resultTruncated: 'false' }) });
    const missingData = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(missingData.kind).toBe('malformed');
    expect(missingData.message).toMatch(/not a Resource Graph QueryResponse \(data:/);

    h.fake.inject({ kind: 'malformed', body: JSON.stringify({ totalRecords: 0, count: 0, resultTruncated: 'maybe', data: [] }) });
    const badFlag = await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(badFlag.message).toMatch(/resultTruncated/);

    h.fake.inject({ kind: 'malformed', body: '' });
    expect((await failure(h.client().query({ query: machinesQuery, subscriptions: [SUB_A] }))).message).toMatch(/an empty body/);
  });

  it('UnexpectedQueryExecutionError is a too-complex error (split the batch), not retried', async () => {
    const h = await harness();
    h.fake.inject({
      kind: 'response',
      status: 400,
      body: { error: { code: 'BadRequest', message: 'Query execution failed', details: [{ code: 'UnexpectedQueryExecutionError', message: 'Unexpected error' }] } },
    });
    const error = await failure(h.client().query({ query: loadCveDetailsQuery(['CVE-2024-6119']) }));
    expect(error.kind).toBe('too-complex');
    expect(error.message).toMatch(/split the batch/);
    expect(h.fake.queryRequests()).toHaveLength(1);
  });

  it('another 4xx (wrong api-version) is a rejected error naming the endpoint', async () => {
    const h = await harness();
    const error = await failure(h.client({ apiVersion: '2019-04-01' }).query({ query: machinesQuery }));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/InvalidApiVersionParameter.*Check the endpoint/);
  });

  it('never puts the token in an error, even when the service echoes it back', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const h = await harness({ tokens: [jwt] });
    h.fake.inject({
      kind: 'response',
      status: 400,
      body: { error: { code: 'BadRequest', message: `bad header Authorization: Bearer ${jwt}`, details: [{ code: 'Echo', message: jwt, token: jwt }] } },
    });
    const error = await failure(h.client({ getToken: async () => jwt }).query({ query: machinesQuery }));
    expect(error.message).toContain('Bearer [redacted]');
    expectNoSecret(error, jwt);
    expectNoSecret(error, jwt.split('.')[1]);

    const leakyText = `upstream said: token=${jwt}`;
    h.fake.inject({ kind: 'response', status: 502, body: leakyText }, { times: Infinity });
    const transient = await failure(h.client({ getToken: async () => jwt }).query({ query: machinesQuery }));
    expect(transient.kind).toBe('transient');
    expect(transient.message).toContain('upstream said: token=[redacted]');
    expectNoSecret(transient, jwt);
  });

  it('cancelling the signal stops a waiting query with a cancelled error', async () => {
    const h = await harness();
    h.fake.inject({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(h.client({ timeoutMs: 5_000 }).query({ query: machinesQuery }, { signal: controller.signal }));
    expect(error.kind).toBe('cancelled');
  });

  it('refuses plain http to a non-loopback endpoint and bad requests before any call', async () => {
    const getToken: TokenProvider = async () => FAKE_TOKEN;
    expect(() => createResourceGraphClient({ endpoint: 'http://arm.example.com', getToken })).toThrow(/must use https/);
    expect(() => createResourceGraphClient({ endpoint: 'https://management.azure.com?x=1', getToken })).toThrow(/without query/);
    expect(() => createResourceGraphClient({ getToken, pageSize: 1001 })).toThrow(/1 to 1000/);
    const client = createResourceGraphClient({ getToken });
    await expect(collect(client.query({ query: machinesQuery, subscriptions: [] }))).rejects.toThrow(/lists no subscriptions/);
    await expect(collect(client.query({ query: machinesQuery, subscriptions: [SUB_A], managementGroups: ['mg'] }))).rejects.toThrow(/not both/);
  });
});

// ---------------------------------------------------------------- auth

class TestCredential implements TokenCredential {
  readonly calls: Array<{ scopes: string | string[]; options?: GetTokenOptions }> = [];
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    this.calls.push({ scopes, options });
    return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60_000 };
  }
}

class UnavailableCredential implements TokenCredential {
  async getToken(): Promise<AccessToken | null> {
    throw new CredentialUnavailableError('UnavailableCredential: not configured on this machine');
  }
}

describe('auth', () => {
  it('adapts an @azure/identity credential chain to the client, scoped to the endpoint and cached', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    const test = new TestCredential(FAKE_TOKEN);
    const chain = new ChainedTokenCredential(new UnavailableCredential(), test);
    const getToken = tokenProviderFromCredential(chain, scopeForEndpoint(h.fake.url));
    const client = h.client({ getToken });
    await collect(client.query({ query: machinesQuery, subscriptions: [SUB_A] }));
    await collect(client.query({ query: machinesQuery, subscriptions: [SUB_A] }));
    expect(test.calls).toHaveLength(1); // cached until its refresh time
    expect(test.calls[0]?.scopes).toEqual(`${h.fake.url}/.default`);
    expect(h.fake.queryRequests().map((r) => r.headers.authorization)).toEqual([`Bearer ${FAKE_TOKEN}`, `Bearer ${FAKE_TOKEN}`]);
    await getToken({ forceRefresh: true });
    expect(test.calls).toHaveLength(2);
  });

  it('a chain where no credential works gives an error naming the credential, not a token', async () => {
    const getToken = tokenProviderFromCredential(new ChainedTokenCredential(new UnavailableCredential()), 'https://management.azure.com/.default');
    await expect(getToken()).rejects.toThrow(/ChainedTokenCredential could not get a token for https:\/\/management\.azure\.com\/\.default: [\s\S]*not configured on this machine/);
  });

  it('auth: access-token reads AZURE_ACCESS_TOKEN and talks to Resource Graph with it', async () => {
    const h = await harness({ rows: [assessmentRow(1)] });
    const credential = createCredential('access-token', { env: { AZURE_ACCESS_TOKEN: FAKE_TOKEN } });
    expect(credential.description).toBe('access token from AZURE_ACCESS_TOKEN');
    expect(credential.description).not.toContain(FAKE_TOKEN);
    const pages = await collect(h.client({ getToken: tokenProviderFromCredential(credential, scopeForEndpoint(h.fake.url)) }).query({ query: machinesQuery }));
    expect(pages[0]?.rows).toHaveLength(1);
  });

  it('auth: access-token without the variable, or with an expired JWT, says so', async () => {
    expect(() => createCredential('access-token', { env: {} })).toThrow(/environment variable AZURE_ACCESS_TOKEN, which is not set/);
    const expired = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ exp: 1_600_000_000 })).toString('base64url')}.`;
    const credential = createCredential('access-token', { env: { AZURE_ACCESS_TOKEN: expired } });
    const error = await tokenProviderFromCredential(credential, 'https://management.azure.com/.default')().catch((e: unknown) => e as Error);
    expect(String(error)).toMatch(/AZURE_ACCESS_TOKEN expired at 2020-09-13T12:26:40\.000Z/);
    expect(String(error)).not.toContain(expired);
  });

  it('builds every other credential lazily, without touching the network; service-principal names missing variables', async () => {
    expect(createCredential('default', { env: {} }).description).toBe('DefaultAzureCredential');
    expect(createCredential('default', { env: {}, managedIdentityClientId: 'abc' }).description).toMatch(/user-assigned managed identity abc/);
    expect(createCredential('managed-identity', { env: {} }).description).toMatch(/system-assigned/);
    expect(createCredential('managed-identity', { env: {}, managedIdentityClientId: 'abc' }).description).toMatch(/user-assigned abc/);
    expect(createCredential('cli', { env: {} }).description).toMatch(/AzureCliCredential/);
    expect(() => createCredential('service-principal', { env: { AZURE_CLIENT_ID: 'x' } })).toThrow(
      /needs the environment variables AZURE_TENANT_ID, AZURE_CLIENT_SECRET \(or AZURE_CLIENT_CERTIFICATE_PATH\)/,
    );
    const sp = createCredential('service-principal', {
      env: { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 'very-secret-value' },
    });
    expect(sp.description).toBe('ClientSecretCredential (client c)');
    expect(sp.description).not.toContain('very-secret-value');
    expect(() => createCredential('password' as never, { env: {} })).toThrow(/unknown auth "password"/);
  });

  it('derives the token scope from the endpoint origin', () => {
    expect(scopeForEndpoint('https://management.azure.com')).toBe('https://management.azure.com/.default');
    expect(scopeForEndpoint('https://management.chinacloudapi.cn/')).toBe('https://management.chinacloudapi.cn/.default');
    expect(scopeForEndpoint('https://management.usgovcloudapi.net/some/proxy/path')).toBe('https://management.usgovcloudapi.net/.default');
    expect(() => scopeForEndpoint('not a url')).toThrow(/not a URL/);
  });
});

describe('helpers', () => {
  it('parses x-ms-user-quota-resets-after', () => {
    expect(parseQuotaResetsAfter('00:00:04')).toBe(4000);
    expect(parseQuotaResetsAfter('01:02:03')).toBe(3_723_000);
    expect(parseQuotaResetsAfter('00:00:04.5000000')).toBe(4500);
    expect(parseQuotaResetsAfter('1.00:00:00')).toBe(86_400_000);
    expect(parseQuotaResetsAfter('soon')).toBeNull();
    expect(parseQuotaResetsAfter(null)).toBeNull();
  });

  it('batches subscriptions by ≤ 1000, dropping blanks and case-insensitive duplicates', () => {
    expect(batchSubscriptions(['A', 'a', ' b ', '', 'c'], 2)).toEqual([['A', 'b'], ['c']]);
    expect(batchSubscriptions([])).toEqual([]);
    expect(() => batchSubscriptions(['a'], 1001)).toThrow(/1 to 1000/);
  });
});
