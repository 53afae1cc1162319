/**
 * The azure-resource-graph source against the fake Resource Graph over HTTP, through the real
 * client, the real credential code (`auth: access-token` with AZURE_ACCESS_TOKEN), the real run use
 * case and a real SQLite ledger. The fake returns rows by type, not by KQL: the TypeScript filters
 * (kind, Unhealthy, severity, CVE ids) are what these tests prove. source-threaded.test.ts runs
 * this whole suite again with pages mapped on the mapping thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cveDetailsRow,
  groupedMachineRow,
  imageRow,
  machineRow,
  sqlRow,
  subscriptionRow,
  type CveSpec,
} from '../../../test/fakes/defender-rows.js';
import { argMode } from '../../../test/helpers/arg-mode.js';
import { FAKE_TOKEN, startFakeResourceGraph, type FakeResourceGraph, type FakeResourceGraphOptions, type FakeRow } from '../../../test/fakes/resource-graph.js';
import { runLedger, type RunReport } from '../../app/run.js';
import { fixedClock } from '../../core/clock.js';
import { findingContentHash } from '../../core/lifecycle.js';
import type { Logger, ProgressUpdate } from '../../core/ports.js';
import { DEFAULT_SLA } from '../../core/sla.js';
import { openSqliteLedger } from '../../store/sqlite.js';
import { memoryLogger, nullLogger } from '../../util/logger.js';
import { AzureResourceGraphConfig } from './config.js';
import { createAzureResourceGraphSource, type AzureSourceOverrides } from './source.js';

const SUB_A = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const SUB_B = '5c2d8e3a-7f41-4b6e-9a0d-1e2f3a4b5c6d';
const WEEK1 = '2026-11-16T06:00:00Z';
const WEEK2 = '2026-11-23T06:00:00Z';

/**
 * Client waits really happen, scaled down 100×. A call times out after 5 s: a slow first answer on
 * a loaded machine must not count as a hang (the hang tests use {@link QUICK_TIMEOUT}).
 */
const FAST: AzureSourceOverrides = {
  client: {
    timeoutMs: 5_000,
    retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 50 },
    sleep: (ms, signal) => new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms / 100);
      signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    }),
  },
};

/** FAST, but a call that does not answer times out after 150 ms. */
const QUICK_TIMEOUT: AzureSourceOverrides = { client: { ...FAST.client, timeoutMs: 150 } };

const cve = (id: string, severity?: string, cvss?: number): CveSpec => ({ id, ...(severity ? { severity } : {}), ...(cvss !== undefined ? { cvss } : {}) });

/** Two subscriptions with an image, two machines and a SQL rule each, plus noise the filters must drop. */
function estate(): FakeRow[] {
  return [
    subscriptionRow(SUB_A, 'prod'),
    subscriptionRow(SUB_B, 'staging'),
    ...[SUB_A, SUB_B].flatMap((sub, i) => [
      imageRow({ subscriptionId: sub, registry: `acr${i}`, repository: 'payments/api', digest: `sha256:${String(i).repeat(64)}`, cves: [cve('CVE-2024-6119', 'High', 7.5)] }),
      machineRow({ subscriptionId: sub, vm: `vm-web-${i}`, software: 'openssh', cves: [cve('CVE-2024-6387', 'Critical', 8.1)] }),
      machineRow({ subscriptionId: sub, vm: `vm-db-${i}`, software: 'curl', cves: [cve('CVE-2025-0001', 'High')] }),
      sqlRow({ subscriptionId: sub, server: `sql-${i}`, database: '売上DB', rule: 'VA2065', ruleSeverity: 'High' }),
      // Dropped in TypeScript: a healthy row, a SQL rule below minSeverity.
      machineRow({ subscriptionId: sub, vm: `vm-web-${i}`, software: '7zip', status: 'Healthy', cves: [] }),
      sqlRow({ subscriptionId: sub, server: `sql-${i}`, database: '売上DB', rule: 'VA1143', ruleSeverity: 'Low' }),
    ]),
  ];
}

interface Harness {
  fake: FakeResourceGraph;
  /** One run; `log` replaces the suite's logger for it. */
  run(at?: string, config?: Record<string, unknown>, overrides?: AzureSourceOverrides, log?: Logger): Promise<RunReport>;
  /** Open (state) findings by key `kind|subscription|vulnId|asset` for assertions. */
  findings(): Array<{ kind: string; subscription: string; vulnId: string; state: string; severity: string; severitySource: string; cvss: number | null }>;
  progress: ProgressUpdate[];
  cache(): Array<{ key: string; value: unknown }>;
  /** The ledger file. */
  file: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(fakeOptions: FakeResourceGraphOptions = {}, base: Record<string, unknown> = {}): Promise<Harness> {
  const fake = await startFakeResourceGraph({ rows: estate(), pageSize: 2, ...fakeOptions });
  const dir = mkdtempSync(path.join(tmpdir(), 'vl-arg-'));
  const file = path.join(dir, 'ledger.db');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => fake.close());
  const progress: ProgressUpdate[] = [];
  const run = async (at = WEEK1, config: Record<string, unknown> = {}, overrides: AzureSourceOverrides = FAST, log?: Logger): Promise<RunReport> => {
    const parsed = AzureResourceGraphConfig.parse({
      type: 'azure-resource-graph',
      name: 'defender',
      endpoint: fake.url,
      auth: 'access-token',
      scope: { subscriptions: [SUB_A, SUB_B] },
      ...base,
      ...config,
    });
    const mode = argMode.mapWorkerUrl && !overrides.mapWorkerUrl ? { mapWorkerUrl: argMode.mapWorkerUrl } : {};
    const source = createAzureResourceGraphSource(parsed, { env: { AZURE_ACCESS_TOKEN: FAKE_TOKEN } }, { ...overrides, ...mode });
    const { store } = await openSqliteLedger(file, { clock: fixedClock(at), log: nullLogger });
    try {
      return await runLedger(store, [source], { minSeverity: 'High', sla: DEFAULT_SLA, clock: fixedClock(at), log: log ?? argMode.log ?? nullLogger, progress: (u) => progress.push(u) });
    } finally {
      await store.close();
    }
  };
  const read = <T>(sql: string): T[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  return {
    fake,
    run,
    progress,
    file,
    findings: () =>
      read<{ kind: string; subscription: string; vulnId: string; state: string; severity: string; severitySource: string; cvss: number | null }>(
        'select kind, subscription_id subscription, vuln_id vulnId, state, severity, severity_source severitySource, cvss from findings order by kind, subscription_id, vuln_id, asset_key',
      ),
    cache: () => read<{ key: string; value_json: string }>("select key, value_json from cache where namespace = 'cvedetails' order by key").map((r) => ({ key: r.key, value: JSON.parse(r.value_json) as unknown })),
  };
}

const summary = (rows: ReturnType<Harness['findings']>): string[] => rows.map((f) => `${f.kind} ${f.subscription.slice(0, 4)} ${f.vulnId} ${f.state}`);

const ALL_OPEN = [
  'machine 0b1f CVE-2024-6387 open',
  'machine 0b1f CVE-2025-0001 open',
  'machine 5c2d CVE-2024-6387 open',
  'machine 5c2d CVE-2025-0001 open',
  'registryImage 0b1f CVE-2024-6119 open',
  'registryImage 5c2d CVE-2024-6119 open',
  'sql 0b1f VA2065 open',
  'sql 5c2d VA2065 open',
];

describe('collecting', () => {
  it('pages every kind × model per subscription batch into the ledger, filtering in TypeScript', async () => {
    const h = await harness({}, { cveDetails: false });
    const report = await h.run();
    const r = report.sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.coverage).toEqual({ complete: true });
    expect(report.exitCode).toBe(0);
    expect(summary(h.findings())).toEqual(ALL_OPEN);
    // 4 individual queries each see all 12 assessment rows (the fake does not run KQL); grouped ones see none.
    expect(r.counts.rows).toBe(48);
    expect(r.models).toEqual({ individual: 48, grouped: 0 });
    expect(r.counts.findings).toBe(8);
    expect(r.counts.skipped).toEqual({ healthy: 8, 'not-ours': 30, 'below-threshold': 2 });

    const queries = h.fake.queryRequests().map((q) => q.body!);
    expect(queries[0]!.query).toContain('resourcecontainers');
    expect(queries[0]!.subscriptions).toBeUndefined(); // visible subscriptions: tenant scope
    const data = queries.slice(1);
    expect(data.map((q) => q.subscriptions)).toEqual(data.map(() => [SUB_A, SUB_B]));
    expect(data.every((q) => q.options?.$top === 1000 && q.options.resultFormat === 'objectArray')).toBe(true);
    expect(data.filter((q) => q.options?.$skipToken !== undefined).length).toBeGreaterThan(0); // 12 rows at 2 a page
    expect(new Set(data.map((q) => q.query)).size).toBe(8); // one query per kind × model
    expect(data.every((q) => !/\b(take|limit)\b/.test(q.query ?? ''))).toBe(true);
    expect(h.fake.requests.every((q) => q.headers.authorization === `Bearer ${FAKE_TOKEN}`)).toBe(true);
    // Progress: pages and rows per kind.
    expect(h.progress.some((p) => p.message === 'registryImages (individual): 6 pages, 12 rows')).toBe(true);
  });

  it('rerun on the same data changes nothing', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    const again = await h.run('2026-11-16T07:00:00Z');
    const r = again.sources[0]!;
    expect(r.status).toBe('ok');
    expect([r.counts.new, r.counts.changed, r.counts.reopened, r.counts.resolved, r.counts.unchanged]).toEqual([0, 0, 0, 0, 8]);
    expect(again.events).toEqual([]);
    expect(summary(h.findings())).toEqual(ALL_OPEN);
  });

  it('a finding gone from a complete read resolves; model auto reads the grouped model too and says so', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    h.fake.setRows([
      ...estate().filter((row) => !String(row.id).includes('vm-db-0')),
      groupedMachineRow({ subscriptionId: SUB_A, vm: 'vm-legacy-07', cves: [cve('CVE-2024-5274', 'High', 8.8)] }),
    ]);
    const report = await h.run(WEEK2);
    const r = report.sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.counts.resolved).toBe(1);
    expect(r.counts.new).toBe(1);
    expect(r.models).toEqual({ individual: 44, grouped: 4 });
    expect(summary(h.findings())).toContain('machine 0b1f CVE-2025-0001 resolved');
    expect(summary(h.findings())).toContain('machine 0b1f CVE-2024-5274 open');
  });

  it('a full page (1000 rows) is handed on in slices: every row counted once, every finding kept', async () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      machineRow({ subscriptionId: SUB_A, vm: `vm-${String(i).padStart(4, '0')}`, cves: [cve(`CVE-2026-${10000 + (i % 7)}`, 'High')] }),
    );
    const h = await harness({ rows: [subscriptionRow(SUB_A, 'prod'), ...many], pageSize: 1000 }, { kinds: ['machines'], model: 'individual', scope: { subscriptions: [SUB_A] } });
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('ok');
    expect([r.counts.rows, r.counts.findings, r.counts.new]).toEqual([1000, 1000, 1000]);
    expect(r.models).toEqual({ individual: 1000 });
    expect(h.fake.queryRequests().filter((q) => q.body?.query?.includes('virtualMachines'))).toHaveLength(1); // one page
    expect(h.findings().every((f) => f.severitySource === 'cve')).toBe(true);
  });

  it('an unrecognised row is counted and reported with its id, never dropped silently', async () => {
    const odd: FakeRow = {
      id: `/subscriptions/${SUB_A}/providers/Microsoft.Security/assessments/0ddba110-0000-4000-8000-000000000001`,
      name: '0ddba110-0000-4000-8000-000000000001',
      type: 'microsoft.security/assessments',
      subscriptionId: SUB_A,
      properties: { status: { code: 'Unhealthy' }, metadata: { severity: 'High', recommendationCategory: 'SoftwareUpdate' } },
    };
    const h = await harness({ rows: [...estate(), odd] }, { cveDetails: false, kinds: ['machines'], model: 'individual' });
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.counts.skipped.unrecognised).toBe(1);
    expect(r.unrecognised).toEqual([`${odd.id}: SoftwareUpdate row without resourceDetails.ResourceType`]);
  });
});

describe('throttling and timeouts', () => {
  it('survives a 429 and a spent quota: waits, retries, and reads everything', async () => {
    const h = await harness({}, { cveDetails: false });
    h.fake.inject({ kind: 'throttle', resetsAfter: '00:00:02' }, { request: 3 });
    h.fake.inject({ kind: 'throttle', retryAfter: '1' }, { request: 7 });
    h.fake.inject({ kind: 'quota-exhausted', resetsAfter: '00:00:03' }, { request: 10 });
    const started = Date.now();
    const report = await h.run();
    const r = report.sources[0]!;
    expect(r.status).toBe('ok');
    expect(summary(h.findings())).toEqual(ALL_OPEN);
    expect(h.fake.queryRequests().filter((q) => q.status === 429)).toHaveLength(2);
    const waits = h.progress.map((p) => p.message ?? '').filter((m) => /throttled|quota/.test(m));
    expect(waits).toEqual([
      'registryImages (individual): throttled (429), waiting 2.0 s (retry 1)',
      'registryImages (individual): throttled (429), waiting 1.0 s (retry 1)',
      'runningContainers (individual): quota spent, waiting 3.0 s',
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55); // 6 s of waits at 1/100
  });

  it('a call that never answers times out; after the bounded retries its scope is unread and the rest is read', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    // Week 2: the images and one machine package are gone, but the machines query never answers.
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('vm-db-0') && !String(row.id).includes('payments-api')));
    h.fake.inject({ kind: 'hang' }, { query: 'Microsoft.Compute/virtualMachines', times: 2 });
    const report = await h.run(WEEK2, {}, QUICK_TIMEOUT);
    const r = report.sources[0]!;
    expect(r.status).toBe('partial');
    expect(report.exitCode).toBe(2);
    expect(r.coverage).toEqual({
      complete: false,
      unread: [{ kind: 'machine', subscriptionId: SUB_A }, { kind: 'machine', subscriptionId: SUB_B }],
      reason: r.error,
    });
    expect(r.error).toBe(
      `not read, so none of its findings was resolved: machines in subscriptions ${SUB_A}, ${SUB_B}: (individual model) ` +
        `Resource Graph request for subscriptions ${SUB_A}, ${SUB_B} failed after 2 attempts: no complete response within 150 ms. ` +
        'Check network access to the endpoint (proxy, firewall) and retry the run; nothing was resolved for this scope',
    );
    // Registry images were read completely: the gone image resolves. The machine package in the unread part stays open.
    expect(summary(h.findings())).toEqual([
      'machine 0b1f CVE-2024-6387 open',
      'machine 0b1f CVE-2025-0001 open',
      'machine 5c2d CVE-2024-6387 open',
      'machine 5c2d CVE-2025-0001 open',
      'registryImage 0b1f CVE-2024-6119 resolved',
      'registryImage 5c2d CVE-2024-6119 resolved',
      'sql 0b1f VA2065 open',
      'sql 5c2d VA2065 open',
    ]);
  });
});

describe('partial scope: no false resolutions', () => {
  /** Week 2: subscription A's curl finding is fixed; subscription B has become unreadable and lost everything. */
  const week2Rows = (): FakeRow[] => estate().filter((row) => !String(row.id).includes('vm-db-0') && row.subscriptionId !== SUB_B);

  const expectOnlyReadPartResolved = (h: Harness): void => {
    expect(summary(h.findings())).toEqual([
      'machine 0b1f CVE-2024-6387 open',
      'machine 0b1f CVE-2025-0001 resolved', // read, and gone: resolved
      'machine 5c2d CVE-2024-6387 open', // not read: stays open
      'machine 5c2d CVE-2025-0001 open',
      'registryImage 0b1f CVE-2024-6119 open',
      'registryImage 5c2d CVE-2024-6119 open',
      'sql 0b1f VA2065 open',
      'sql 5c2d VA2065 open',
    ]);
  };

  it('a subscription the identity can no longer see is reported as not read; only the readable one resolves', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    // Access to B was removed: the fake answers 403 for B and hides it at tenant scope.
    const fake = await startFakeResourceGraph({ rows: [...week2Rows(), subscriptionRow(SUB_B, 'staging')], pageSize: 2, forbiddenSubscriptions: [SUB_B] });
    cleanups.push(() => fake.close());
    const report = await h.run(WEEK2, { endpoint: fake.url });
    const r = report.sources[0]!;
    expect(r.status).toBe('partial');
    expect(report.exitCode).toBe(2);
    expect(r.coverage).toEqual({ complete: false, unread: [{ subscriptionId: SUB_B }], reason: r.error });
    expect(r.error).toBe(
      `not read, so none of its findings was resolved: all kinds in subscription ${SUB_B}: not visible to the identity (Resource Graph lists no such subscription for it); ` +
        'grant it Reader or Security Reader on these subscriptions (or a management group above them), or remove them from scope.subscriptions',
    );
    expect(r.counts.resolved).toBe(1);
    expectOnlyReadPartResolved(h);
    // B was never queried for findings: no 403 needed to find out.
    expect(fake.queryRequests().slice(1).every((q) => JSON.stringify(q.body?.subscriptions) === JSON.stringify([SUB_A]))).toBe(true);
  });

  it('a 403 on one subscription of a batch: the batch is split, the rest is read, the forbidden one is not resolved', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    // B is still listed as visible, but every query naming it is refused.
    h.fake.setRows([...week2Rows(), subscriptionRow(SUB_B, 'staging')]);
    h.fake.inject({ kind: 'forbidden' }, { subscription: SUB_B });
    const week1Requests = h.fake.queryRequests().length;
    const report = await h.run(WEEK2);
    const r = report.sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toEqual({ complete: false, unread: [{ subscriptionId: SUB_B }], reason: r.error });
    expect(r.error).toMatch(
      new RegExp(`^not read, so none of its findings was resolved: all kinds in subscription ${SUB_B}: Resource Graph answered HTTP 403 for subscriptions ${SUB_B}: AuthorizationFailed: .* Grant the identity Reader or Security Reader on /subscriptions/${SUB_B} \\(or a management group above them\\)`),
    );
    expectOnlyReadPartResolved(h);
    // Found by halving once; later queries leave B out.
    const bodies = h.fake.queryRequests().slice(week1Requests + 1).map((q) => JSON.stringify(q.body?.subscriptions));
    expect(bodies[0]).toBe(JSON.stringify([SUB_A, SUB_B])); // 403
    expect(bodies[1]).toBe(JSON.stringify([SUB_A])); // first half: read
    expect(bodies.filter((b) => b.includes(SUB_B))).toEqual([JSON.stringify([SUB_A, SUB_B]), JSON.stringify([SUB_B])]); // then B alone: 403
    expect(bodies.at(-1)).toBe(JSON.stringify([SUB_A]));
  });

  it('a batch that keeps failing (HTTP 500) leaves that kind unread in its subscriptions; other kinds resolve', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('payments-api') && !String(row.id).includes('vm-db-')));
    h.fake.inject({ kind: 'server-error', status: 503 }, { query: 'Microsoft.Compute/virtualMachines', times: 2 });
    const r = (await h.run(WEEK2)).sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toMatchObject({ unread: [{ kind: 'machine', subscriptionId: SUB_A }, { kind: 'machine', subscriptionId: SUB_B }] });
    expect(r.error).toContain('Resource Graph answered HTTP 503');
    expect(summary(h.findings()).filter((s) => s.includes('resolved'))).toEqual(['registryImage 0b1f CVE-2024-6119 resolved', 'registryImage 5c2d CVE-2024-6119 resolved']);
  });

  it('a 200 page with a row that is not JSON: that batch is unread (malformed), never read as fewer rows', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('payments-api') && !String(row.id).includes('vm-db-')));
    const broken = '{"totalRecords": 2, "count": 2, "resultTruncated": "false", "data": [{"id": "/x", "type": "microsoft.security/assessments"}, {"id": "/y",}]}';
    h.fake.inject({ kind: 'malformed', body: broken }, { query: 'Microsoft.Compute/virtualMachines' });
    const r = (await h.run(WEEK2)).sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toMatchObject({ unread: [{ kind: 'machine', subscriptionId: SUB_A }, { kind: 'machine', subscriptionId: SUB_B }] });
    expect(r.error).toContain('with row 2 of 2 not valid JSON (13 bytes)');
    expect(summary(h.findings()).filter((s) => s.includes('resolved'))).toEqual(['registryImage 0b1f CVE-2024-6119 resolved', 'registryImage 5c2d CVE-2024-6119 resolved']);
  });

  it('400 ParserFailure: the reason shows line and position; that kind is not resolved anywhere', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('/servers/sql-0/') && !String(row.id).includes('payments-api')));
    h.fake.inject({ kind: 'bad-query' }, { query: 'SQL Vulnerability Assessment' });
    const r = (await h.run(WEEK2)).sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toMatchObject({ unread: [{ kind: 'sql' }] });
    expect(r.error).toContain('sql (whole scope): the sql query (individual model) was rejected: Resource Graph answered HTTP 400');
    expect(r.error).toContain('ParserFailure at line 1, position 42 near token "\' and type contains \'"');
    expect(r.error).toContain('Fix the query');
    expect(summary(h.findings()).filter((s) => s.startsWith('sql'))).toEqual(['sql 0b1f VA2065 open', 'sql 5c2d VA2065 open']);
    expect(summary(h.findings()).filter((s) => s.includes('resolved'))).toEqual(['registryImage 0b1f CVE-2024-6119 resolved', 'registryImage 5c2d CVE-2024-6119 resolved']);
  });

  it('resultTruncated on a batch: that kind in those subscriptions is unread', async () => {
    const h = await harness({}, { cveDetails: false });
    await h.run(WEEK1);
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('payments-api')));
    h.fake.inject({ kind: 'truncated' }, { query: '.containerimage' });
    const r = (await h.run(WEEK2)).sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toMatchObject({ unread: [{ kind: 'registryImage', subscriptionId: SUB_A }, { kind: 'registryImage', subscriptionId: SUB_B }] });
    expect(r.error).toContain('Resource Graph truncated the registryImages result (individual model, resultTruncated "true")');
    expect(summary(h.findings()).filter((s) => s.includes('resolved'))).toEqual([]);
  });

  it('tenant scope cut at 10,000 subscriptions (x-ms-tenant-subscription-limit-hit): nothing resolves', async () => {
    const h = await harness({ tenantSubscriptionLimitHit: true }, { cveDetails: false, scope: undefined });
    await h.run(WEEK1);
    h.fake.setRows(estate().filter((row) => !String(row.id).includes('vm-db-0')));
    const r = (await h.run(WEEK2)).sources[0]!;
    expect(r.status).toBe('partial');
    expect(r.coverage).toMatchObject({ unread: [{ kind: 'registryImage' }, { kind: 'runningContainer' }, { kind: 'machine' }, { kind: 'sql' }] });
    expect(r.error).toContain('x-ms-tenant-subscription-limit-hit');
    expect(r.counts.resolved).toBe(0);
    expect(h.fake.queryRequests().every((q) => q.body?.subscriptions === undefined)).toBe(true);
  });

  it('management-group scope is sent as managementGroups', async () => {
    const h = await harness({}, { cveDetails: false, scope: { managementGroups: ['contoso-prod'] } });
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('ok');
    expect(h.fake.queryRequests().every((q) => JSON.stringify(q.body?.managementGroups) === '["contoso-prod"]')).toBe(true);
    expect(summary(h.findings())).toEqual(ALL_OPEN);
  });

  it('fails (exit 1, nothing written) when none of the configured subscriptions is visible', async () => {
    const h = await harness({ rows: estate().filter((row) => row.type !== 'microsoft.resources/subscriptions') }, { cveDetails: false });
    const report = await h.run();
    const r = report.sources[0]!;
    expect(r.status).toBe('failed');
    expect(report.exitCode).toBe(1);
    expect(r.error).toBe(
      `nothing could be read from Azure Resource Graph: all kinds in subscriptions ${SUB_A}, ${SUB_B}: not visible to the identity (Resource Graph lists no such subscription for it); ` +
        'grant it Reader or Security Reader on these subscriptions (or a management group above them), or remove them from scope.subscriptions',
    );
    expect(h.findings()).toEqual([]);
  });

  it('a token the service refuses (401) fails the source with the fix, never printing the token', async () => {
    const h = await harness({ tokens: ['another-token'] }, { cveDetails: false });
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('failed');
    expect(r.error).toContain('Resource Graph answered HTTP 401');
    expect(r.error).toContain('Sign in again or fix the credential');
    expect(r.error).not.toContain(FAKE_TOKEN);
  });
});

describe('CVE details at tenant scope', () => {
  /** A machine package whose CVE Defender leaves Unknown inline, on a Medium recommendation. */
  const chrome = (): FakeRow => machineRow({ subscriptionId: SUB_A, vm: 'vm-app-0', software: 'chrome', severity: 'Medium', cves: [cve('CVE-2026-1234')] });
  const cveRequests = (h: Harness, from = 0): Array<{ query: string; subscriptions: unknown; status: number | null }> =>
    h.fake
      .queryRequests()
      .slice(from)
      .filter((q) => (q.body?.query ?? '').includes('microsoft.security/cvedetails'))
      .map((q) => ({ query: q.body!.query!, subscriptions: q.body!.subscriptions, status: q.status }));

  it('sets the severity (and CVSS) of a CVE from cvedetails, caches it, and does not ask again while fresh', async () => {
    const h = await harness({ rows: [...estate(), chrome(), cveDetailsRow('CVE-2026-1234', 'Critical', 9.8), cveDetailsRow('CVE-2099-0001', 'Low')] });
    const report = await h.run(WEEK1);
    const r = report.sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.notes).toEqual([]);
    const found = h.findings().find((f) => f.vulnId === 'CVE-2026-1234');
    expect(found).toEqual({ kind: 'machine', subscription: SUB_A, vulnId: 'CVE-2026-1234', state: 'open', severity: 'Critical', severitySource: 'cvedetails', cvss: 9.8 });
    // Others keep their own severity: no details for them (cached as "none").
    expect(h.findings().find((f) => f.vulnId === 'CVE-2024-6387')).toMatchObject({ severity: 'Critical', severitySource: 'cve' });
    // One lookup for all CVEs of all pages, at tenant scope (no subscriptions), lower-cased ids.
    const lookups = cveRequests(h);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.subscriptions).toBeUndefined();
    expect((lookups[0]!.query.match(/"cve-\d+-\d+"/g) ?? []).sort()).toEqual(['"cve-2024-6119"', '"cve-2024-6387"', '"cve-2025-0001"', '"cve-2026-1234"']);
    expect(h.cache()).toEqual([
      { key: 'cve-2024-6119', value: { found: false } },
      { key: 'cve-2024-6387', value: { found: false } },
      { key: 'cve-2025-0001', value: { found: false } },
      { key: 'cve-2026-1234', value: { found: true, severity: 'Critical', cvss: 9.8, publishedAt: '2026-01-15T00:00:00Z' } },
    ]);

    const before = h.fake.queryRequests().length;
    const again = await h.run('2026-11-16T07:00:00Z');
    expect(again.sources[0]!.counts.unchanged).toBe(9);
    expect(again.sources[0]!.counts.changed).toBe(0);
    expect(cveRequests(h, before)).toEqual([]);
  });

  it('every stored content hash is that of the stored finding, whether the details were applied after a fetch or while mapping', async () => {
    // Week 1: one machine has the CVE; its details are fetched and applied on the main thread.
    // Week 2: five more machines have it, spread over later pages; the details are cached, handed to
    // the mapper with the first page's batches, and the new findings are mapped, detailed and
    // hashed there, then inserted with that hash.
    const vms = ['vm-app-0', 'vm-app-1', 'vm-app-2', 'vm-app-3', 'vm-app-4', 'vm-app-5'];
    const chromeOn = (vm: string): FakeRow => machineRow({ subscriptionId: SUB_A, vm, software: 'chrome', severity: 'Medium', cves: [cve('CVE-2026-1234')] });
    const details = cveDetailsRow('CVE-2026-1234', 'Critical', 9.8);
    const h = await harness({ rows: [...estate(), chromeOn(vms[0]!), details] });
    const storedHashes = async (): Promise<{ detailed: unknown[]; wrong: string[] }> => {
      const { store } = await openSqliteLedger(h.file, { clock: fixedClock(WEEK1), log: nullLogger });
      try {
        const findings = (await Promise.all((await store.listCases({})).map((c) => store.findingsOfCase(c.key)))).flat();
        return {
          detailed: findings.filter((f) => f.vulnId === 'CVE-2026-1234').map((f) => [f.severity, f.severitySource, f.cvss]),
          wrong: findings.filter((f) => f.contentHash !== findingContentHash(f)).map((f) => `${f.assetKey} ${f.vulnId}`),
        };
      } finally {
        await store.close();
      }
    };
    // The run's "CVE details" log counts the findings the details changed, wherever they were applied.
    const applied = (log: { lines: string[] }): number[] => log.lines.filter((l) => l.includes('CVE details')).map((l) => Number(/applied=(\d+)/.exec(l)?.[1]));
    const log1 = memoryLogger('info');
    await h.run(WEEK1, {}, FAST, log1);
    expect(await storedHashes()).toEqual({ detailed: [['Critical', 'cvedetails', 9.8]], wrong: [] });
    expect(applied(log1)).toEqual([1]);
    h.fake.setRows([...estate(), ...vms.map(chromeOn), details]);
    const log2 = memoryLogger('info');
    const week2 = await h.run('2026-11-16T07:00:00Z', {}, FAST, log2);
    expect(week2.sources[0]!.counts).toMatchObject({ new: vms.length - 1, changed: 0 });
    expect(await storedHashes()).toEqual({ detailed: vms.map(() => ['Critical', 'cvedetails', 9.8]), wrong: [] });
    expect(applied(log2)).toEqual([vms.length]);
  });

  it('refetches details older than cveDetailsMaxAgeDays; if that fails, the cached ones still apply (no severity flip)', async () => {
    const h = await harness({ rows: [...estate(), chrome(), cveDetailsRow('CVE-2026-1234', 'Critical', 9.8)] });
    await h.run(WEEK1);
    h.fake.inject({ kind: 'server-error', status: 500 }, { query: 'microsoft.security/cvedetails', times: Infinity });
    const before = h.fake.queryRequests().length;
    const later = await h.run('2026-11-25T06:00:00Z'); // 9 days: stale
    const r = later.sources[0]!;
    expect(r.status).toBe('ok');
    expect(cveRequests(h, before).map((q) => q.status)).toEqual([500, 500]); // tried (with a retry), then gave up
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^The CVE-details lookup failed \(Resource Graph answered HTTP 500 .*\)\. Severities of CVEs without cached details stay as Defender reports them/);
    expect(r.counts.changed).toBe(0);
    expect(h.findings().find((f) => f.vulnId === 'CVE-2026-1234')).toMatchObject({ severity: 'Critical', severitySource: 'cvedetails' });
  });

  it('not readable (no cvedetails visible): says so once, falls back to Defender\'s severities, and the run is ok', async () => {
    const h = await harness({ rows: [...estate(), chrome()] });
    const report = await h.run(WEEK1, {}, { ...FAST, cveBatchSize: 1 });
    const r = report.sources[0]!;
    expect(r.status).toBe('ok');
    expect(report.exitCode).toBe(0);
    expect(r.notes).toEqual([
      'CVE details (microsoft.security/cvedetails) are not readable at the tenant: Resource Graph returned none. They are tenant-level rows; grant the identity Reader or Security Reader on the tenant root management group (or a management group and set scope.managementGroups). ' +
        "Severities of CVEs without cached details stay as Defender reports them: the CVE's own severity, else the recommendation's, else Unknown",
    ]);
    // One lookup of one id, one probe; then no more lookups although 4 ids (batches of 1) were wanted.
    const lookups = cveRequests(h);
    expect(lookups).toHaveLength(2);
    expect(lookups[1]!.query).toContain('| take 1');
    // Chrome's CVE falls back to the Medium recommendation: below minSeverity, not recorded.
    expect(h.findings().find((f) => f.vulnId === 'CVE-2026-1234')).toBeUndefined();
    expect(r.counts.skipped['below-threshold']).toBe(3);
    expect(h.cache()).toEqual([]); // nothing cached as "no details" from an unreadable scope
  });

  it('a 403 on cvedetails is a note, never a failure', async () => {
    const h = await harness({ rows: [...estate(), chrome(), cveDetailsRow('CVE-2026-1234', 'Critical')] });
    h.fake.inject({ kind: 'forbidden' }, { query: 'microsoft.security/cvedetails', times: Infinity });
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.coverage).toEqual({ complete: true });
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^CVE details \(microsoft\.security\/cvedetails\) are not readable by this identity at the tenant \(Resource Graph answered HTTP 403/);
    expect(summary(h.findings())).toEqual(ALL_OPEN);
  });

  it('splits a batch Resource Graph finds too complex (UnexpectedQueryExecutionError) and still applies the details', async () => {
    const h = await harness({ rows: [...estate(), chrome(), cveDetailsRow('CVE-2026-1234', 'Critical', 9.8)] });
    h.fake.inject(
      { kind: 'response', status: 400, body: { error: { code: 'BadRequest', message: 'Query execution failed', details: [{ code: 'UnexpectedQueryExecutionError', message: 'Query execution has resulted in an error.' }] } } },
      { query: 'microsoft.security/cvedetails' },
    );
    const r = (await h.run()).sources[0]!;
    expect(r.status).toBe('ok');
    expect(r.notes).toEqual([]);
    const lookups = cveRequests(h);
    expect(lookups.map((q) => (q.query.match(/"cve-\d+-\d+"/g) ?? []).length)).toEqual([4, 2, 2]);
    expect(lookups.map((q) => q.status)).toEqual([400, 200, 200]);
    expect(h.findings().find((f) => f.vulnId === 'CVE-2026-1234')).toMatchObject({ severity: 'Critical', severitySource: 'cvedetails', cvss: 9.8 });
  });

  it('holds back at most pendingFindings findings for details, and never asks for the same CVE twice in a run', async () => {
    const h = await harness({ rows: [...estate(), chrome(), cveDetailsRow('CVE-2026-1234', 'High')] });
    const r = (await h.run(WEEK1, {}, { ...FAST, pendingFindings: 2 })).sources[0]!;
    expect(r.status).toBe('ok');
    const asked = cveRequests(h).flatMap((q) => q.query.match(/"cve-\d+-\d+"/g) ?? []);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked).size).toBe(asked.length);
    expect(h.findings().find((f) => f.vulnId === 'CVE-2026-1234')).toMatchObject({ severity: 'High', severitySource: 'cvedetails' });
  });
});
