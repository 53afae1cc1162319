import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFeedServer, type FakeEpssScore, type FakeFeedServer } from '../../../test/fakes/feeds.js';
import { ledgerHarness, type LedgerHarness } from '../../../test/helpers/ledger.js';
import { generateExport } from '../../bench/generate.js';
import { DefenderFileConfig } from '../defender-file/config.js';
import { createDefenderFileSource } from '../defender-file/index.js';
import { EpssConfig } from './config.js';
import { createEpssSource, epssChecks } from './index.js';

const DEMO = path.resolve(import.meta.dirname, '../../../demo/data');
const WEEK1 = '2026-11-16T06:00:00Z';
const WEEK2 = '2026-11-23T06:00:00Z';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

function defender(pattern: string) {
  return createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: pattern }), '/');
}

const week = (w: string) => defender(path.join(DEMO, w, '*.json'));

function epss(url: string, extra: Record<string, unknown> = {}) {
  return createEpssSource(EpssConfig.parse({ type: 'epss', url, retries: 0, ...extra }), '/');
}

function epssOf(h: LedgerHarness, key: string): unknown {
  const row = h.sql<{ epss_json: string | null; epss_baseline: number | null }>('select epss_json, epss_baseline from case_enrichment where case_key = ?', key)[0];
  return row ? { epss: row.epss_json ? JSON.parse(row.epss_json) : null, baseline: row.epss_baseline } : undefined;
}

describe('source epss against the fake FIRST API', () => {
  let server: FakeFeedServer;
  const scores: Record<string, FakeEpssScore> = {};

  beforeAll(async () => {
    server = await startFakeFeedServer({ epss: { scores, date: '2026-11-15' } });
  });

  afterAll(async () => {
    await server.close();
  });

  it('asks for the open CVEs in one batched query, caches scores and "not scored", and asks again only after a day', async () => {
    Object.assign(scores, {
      'CVE-2024-6387': { epss: '0.432100000', percentile: '0.971000000' },
      'CVE-2024-6119': { epss: '0.000450000', percentile: '0.160000000' },
    });
    const h = ledgerHarness();
    const api = server.urlFor('/data/v1/epss');
    const report = await h.run([epss(api), week('week-1')], WEEK1);
    expect(report.exitCode).toBe(0);
    const requests = server.requestsFor('/data/v1/epss');
    expect(requests).toHaveLength(1);
    const open = h.sql<{ vuln_id: string }>("select distinct vuln_id from findings where state = 'open' and vuln_id like 'CVE-%' order by vuln_id").map((r) => r.vuln_id);
    expect(requests[0]?.query).toEqual({ limit: String(open.length), envelope: 'true', cve: open.join(',') });
    expect(report.sources[1]?.notes).toEqual([`EPSS API: ${open.length} of ${open.length} open CVE(s) asked in 1 request(s); 2 scored, ${open.length - 2} not scored yet (asked again after a day)`]);
    expect(epssOf(h, 'machine:CVE-2024-6387')).toEqual({ epss: { score: 0.4321, percentile: 0.971, date: '2026-11-15' }, baseline: 0.4321 });
    expect(epssOf(h, 'CVE-2023-45288')).toBeUndefined();
    expect(h.sql<{ value_json: string }>("select value_json from cache where namespace = 'epss' and key = 'CVE-2023-45288'")).toEqual([{ value_json: 'null' }]);
    const detail = await h.read((s) => s.getCase('machine:CVE-2024-6387'));
    expect(detail?.epss).toEqual({ score: 0.4321, percentile: 0.971, date: '2026-11-15' });

    await h.run([epss(api), week('week-1')], '2026-11-16T20:00:00Z');
    expect(server.requestsFor('/data/v1/epss')).toHaveLength(1);
    await h.run([epss(api), week('week-1')], '2026-11-17T06:00:00Z');
    expect(server.requestsFor('/data/v1/epss')).toHaveLength(2);
  });

  it('a rise of at least riseStep over the baseline flags an open case as worsened, once', async () => {
    const h = ledgerHarness();
    const api = server.urlFor('/data/v1/epss');
    scores['CVE-2023-45288'] = { epss: '0.200000000', percentile: '0.900000000' };
    await h.run([week('week-1'), epss(api)], WEEK1);
    scores['CVE-2023-45288'] = { epss: '0.250000000', percentile: '0.910000000' };
    const small = await h.run([week('week-1'), epss(api)], '2026-11-18T06:00:00Z');
    expect(small.events.filter((e) => e.type === 'case.worsened')).toEqual([]);
    scores['CVE-2023-45288'] = { epss: '0.310000000', percentile: '0.950000000', date: '2026-11-22' };
    const big = await h.run([week('week-2'), epss(api)], WEEK2);
    expect(big.events.filter((e) => e.type === 'case.worsened')).toEqual([
      {
        type: 'case.worsened',
        caseKey: 'CVE-2023-45288',
        at: '2026-11-23T06:00:00.000Z',
        details: { reason: 'epss', cveId: 'CVE-2023-45288', from: 0.2, to: 0.31, percentile: 0.95, date: '2026-11-22' },
      },
    ]);
    expect(epssOf(h, 'CVE-2023-45288')).toEqual({ epss: { score: 0.31, percentile: 0.95, date: '2026-11-22' }, baseline: 0.31 });
    const history = await h.read((s) => s.history('CVE-2023-45288'));
    expect(history.filter((e) => e.field === 'epss').map((e) => [e.oldValue, e.newValue])).toEqual([
      [null, '0.2 (percentile 0.9, 2026-11-15)'],
      ['0.2', '0.31 (percentile 0.95, 2026-11-22)'],
    ]);
    const again = await h.run([week('week-2'), epss(api)], '2026-11-24T06:00:00Z');
    expect(again.events.filter((e) => e.type === 'case.worsened')).toEqual([]);
  });

  it('splits many CVEs into queries whose cve parameter stays within 2000 characters', async () => {
    const h = ledgerHarness();
    const exports = path.join(h.dir, 'exports');
    mkdirSync(exports);
    await generateExport(exports, 400, 1000, { seed: 7 });
    const start = server.requests.length;
    const report = await h.run([defender(path.join(exports, '*.json')), epss(server.urlFor('/data/v1/epss'))], WEEK1);
    expect(report.sources.map((s) => s.status)).toEqual(['ok', 'ok']);
    const open = h.sql<{ vuln_id: string }>("select distinct vuln_id from findings where state = 'open' and vuln_id like 'CVE-%' order by vuln_id").map((r) => r.vuln_id);
    const batches = server.requests.slice(start).filter((r) => r.path === '/data/v1/epss');
    expect(open.length).toBeGreaterThan(150);
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(open.join(',').length / 2000));
    expect(batches.length).toBeGreaterThan(1);
    for (const r of batches) {
      expect(r.status).toBe(200);
      expect(r.query.cve!.length).toBeLessThanOrEqual(2000);
      expect(Number(r.query.limit)).toBe(r.query.cve!.split(',').length);
    }
    expect(batches.flatMap((r) => r.query.cve!.split(','))).toEqual(open);
  });

  it('doctor asks the API about one CVE', async () => {
    scores['CVE-2021-44228'] = { epss: '0.94358', percentile: '0.99957' };
    const result = await epssChecks(EpssConfig.parse({ type: 'epss', url: server.urlFor('/data/v1/epss') }), '/')[0]!.run(new AbortController().signal);
    expect(result).toEqual({ name: 'source epss: EPSS', status: 'ok', detail: `${server.urlFor('/data/v1/epss')}: API answers (1 score(s) for a test CVE)` });
  });

  it('doctor reads at most 8 MB of an API answer', async () => {
    server.setRoute('/huge-api', { body: `{"status":"OK","total":1,"data":[{"cve":"${'x'.repeat(9 * 1024 * 1024)}"}]}`, contentType: 'application/json' });
    const result = await epssChecks(EpssConfig.parse({ type: 'epss', url: server.urlFor('/huge-api') }), '/')[0]!.run(new AbortController().signal);
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringMatching(/over the limit of 8388608/) });
  });

  it('an API error fails only this source; cached scores stay (exit 2)', async () => {
    const h = ledgerHarness();
    scores['CVE-2024-6387'] = { epss: '0.5', percentile: '0.98' };
    await h.run([week('week-1'), epss(server.urlFor('/data/v1/epss'))], WEEK1);
    const cached = h.sql("select * from cache where namespace = 'epss' order by key");
    server.setRoute('/broken-api', { status: 500, body: 'upstream exploded', contentType: 'text/plain' });
    const report = await h.run([week('week-1'), epss(server.urlFor('/broken-api'))], '2026-11-18T06:00:00Z');
    expect(report.exitCode).toBe(2);
    expect(report.sources[1]?.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/broken-api \(batch 1 of 1\) answered HTTP 500: upstream exploded$/);
    expect(h.sql("select * from cache where namespace = 'epss' order by key")).toEqual(cached);
    expect(epssOf(h, 'machine:CVE-2024-6387')).toMatchObject({ epss: { score: 0.5 } });
  });
});

describe('source epss from a file (offline mirror)', () => {
  it('loads a CSV (or .csv.gz) document; CVEs missing from it are not scored; malformed JSON fails with its position and keeps the scores', async () => {
    const h = ledgerHarness();
    const csv = ['#model_version:v2025.03.14,score_date:2026-11-15T00:00:00+0000', 'cve,epss,percentile', 'CVE-2024-6387,0.43210,0.97100', 'CVE-2024-6119,0.00045,0.16000', 'CVE-2021-44228,0.94358,0.99957'].join('\n');
    writeFileSync(path.join(h.dir, 'epss.csv.gz'), gzipSync(csv));
    const source = (file: string) => createEpssSource(EpssConfig.parse({ type: 'epss', url: `./${file}` }), h.dir);
    const report = await h.run([week('week-1'), source('epss.csv.gz')], WEEK1);
    expect(report.sources[1]?.notes[0]).toMatch(/EPSS CSV from .*epss\.csv\.gz: 3 score\(s\) for 2026-11-15$/);
    expect(epssOf(h, 'machine:CVE-2024-6387')).toEqual({ epss: { score: 0.4321, percentile: 0.971, date: '2026-11-15' }, baseline: 0.4321 });
    expect(epssOf(h, 'CVE-2024-6119')).toEqual({ epss: { score: 0.00045, percentile: 0.16, date: '2026-11-15' }, baseline: 0.00045 });
    expect(epssOf(h, 'CVE-2023-45288')).toBeUndefined();
    const marks = h.sql('select * from case_enrichment order by case_key');

    writeFileSync(path.join(h.dir, 'epss.json'), fixture('epss-malformed.json'));
    const bad = await h.run([week('week-1'), source('epss.json')], '2026-11-17T06:00:00Z');
    expect(bad.exitCode).toBe(2);
    expect(bad.sources[1]?.error).toMatch(/epss\.json: not valid JSON at line 5, column 98: /);
    expect(h.sql('select * from case_enrichment order by case_key')).toEqual(marks);
    expect(h.sql<{ n: number }>("select count(*) n from cache where namespace = 'epss'")[0]?.n).toBe(3);
  });
});
