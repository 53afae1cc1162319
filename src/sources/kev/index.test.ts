import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFeedServer, type FakeFeedServer } from '../../../test/fakes/feeds.js';
import { ledgerHarness, type LedgerHarness } from '../../../test/helpers/ledger.js';
import { DEFAULT_SLA } from '../../core/sla.js';
import { DefenderFileConfig } from '../defender-file/config.js';
import { createDefenderFileSource } from '../defender-file/index.js';
import { KevConfig } from './config.js';
import { createKevSource, kevChecks } from './index.js';

const DEMO = path.resolve(import.meta.dirname, '../../../demo/data');
const WEEK1 = '2026-11-16T06:00:00Z';
const WEEK2 = '2026-11-23T06:00:00Z';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

type Entry = [cve: string, dateAdded: string, dueDate: string, ransomware: 'Known' | 'Unknown'];

/** A KEV catalog as CISA publishes it (slashes escaped). */
export function kevDoc(entries: Entry[], version = '2026.11.16'): string {
  return JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: version,
    dateReleased: `${version.replace(/\./g, '-')}T17:00:00.000Z`,
    count: entries.length,
    vulnerabilities: entries.map(([cveID, dateAdded, dueDate, ransomware]) => ({
      cveID,
      vendorProject: 'Vendor',
      product: 'Product',
      vulnerabilityName: `${cveID} vulnerability`,
      dateAdded,
      shortDescription: 'Described.',
      requiredAction: 'Apply mitigations per vendor instructions.',
      dueDate,
      knownRansomwareCampaignUse: ransomware,
      notes: `https://nvd.nist.gov/vuln/detail/${cveID}`,
      cwes: ['CWE-362'],
    })),
  }).replace(/\//g, '\\/');
}

const REGRESSHION: Entry = ['CVE-2024-6387', '2026-10-01', '2026-10-22', 'Unknown'];
const OPENSSL: Entry = ['CVE-2024-6119', '2026-11-20', '2026-12-11', 'Known'];
const UNRELATED: Entry = ['CVE-2025-48384', '2025-08-25', '2025-09-15', 'Unknown'];

function defender(week: string) {
  return createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: path.join(DEMO, week, '*.json') }), '/');
}

function kev(url: string) {
  return createKevSource(KevConfig.parse({ type: 'kev', url, retries: 0 }), '/');
}

interface Enrichment {
  case_key: string;
  kev_json: string | null;
}

function kevOf(h: LedgerHarness, key: string): unknown {
  const row = h.sql<Enrichment>('select case_key, kev_json from case_enrichment where case_key = ?', key)[0];
  return row?.kev_json ? JSON.parse(row.kev_json) : null;
}

function dueOf(h: LedgerHarness, key: string): string | null {
  return h.sql<{ due_date: string | null }>('select due_date from triage where case_key = ?', key)[0]?.due_date ?? null;
}

describe('source kev against the fake server', () => {
  let server: FakeFeedServer;

  beforeAll(async () => {
    server = await startFakeFeedServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it('caches the catalog, marks cases (quietly on first load), applies the KEV SLA rule, and checks at most once a day', async () => {
    const h = ledgerHarness();
    server.setRoute('/kev-a.json', { body: kevDoc([REGRESSHION, UNRELATED]), etag: '"k1"', contentType: 'application/json' });
    const url = server.urlFor('/kev-a.json');
    const first = await h.run([kev(url), defender('week-1')], WEEK1);
    expect(first.exitCode).toBe(0);
    expect(first.sources.map((s) => s.source)).toEqual(['defender', 'kev']); // enrichment runs last
    expect(first.sources[1]?.notes).toEqual(['KEV catalog 2026.11.16 from ' + url + ': 2 entries', 'first KEV catalog in this ledger: cases in it are marked, not flagged as worsened']);
    expect(first.events.filter((e) => e.type === 'case.worsened')).toEqual([]);
    expect(first.events.find((e) => e.caseKey === 'machine:CVE-2024-6387' && e.type === 'case.new')?.details).toMatchObject({ kev: true });
    expect(kevOf(h, 'machine:CVE-2024-6387')).toEqual({ dateAdded: '2026-10-01', dueDate: '2026-10-22', knownRansomware: null, since: '2026-11-16T06:00:00.000Z' });
    expect(kevOf(h, 'CVE-2024-6119')).toBeNull();
    // High is due in 30 days; in KEV it is due 7 days after it entered KEV.
    expect(dueOf(h, 'machine:CVE-2024-6387')).toBe('2026-11-23');
    expect(dueOf(h, 'CVE-2024-6119')).toBe('2026-12-16');
    expect(h.sql<{ key: string; fetched_at: string }>("select key, fetched_at from cache where namespace = 'kev' order by key")).toEqual([
      { key: 'CVE-2024-6387', fetched_at: '2026-11-16T06:00:00.000Z' },
      { key: 'CVE-2025-48384', fetched_at: '2026-11-16T06:00:00.000Z' },
    ]);
    const history = await h.read((s) => s.history('machine:CVE-2024-6387'));
    expect(history.filter((e) => e.field !== 'state').map((e) => [e.field, e.oldValue, e.newValue])).toEqual([
      ['kev', null, 'added 2026-10-01, CISA due 2026-10-22, ransomware unknown'],
      ['triage.dueDate', '2026-12-16', '2026-11-23'],
    ]);

    // Same day: no request at all; nothing written.
    const tables = ['cases', 'case_enrichment', 'history', 'events', 'cache'];
    const before = h.counts(tables);
    const sameDay = await h.run([defender('week-1'), kev(url)], '2026-11-16T18:00:00Z');
    expect(sameDay.sources[1]?.notes[0]).toMatch(/checked 2026-11-16T06:00:00\.000Z, less than a day ago; next check after 2026-11-17T06:00:00\.000Z; cached catalog 2026\.11\.16 with 2 entries$/);
    expect(server.requestsFor('/kev-a.json')).toHaveLength(1);
    // Next day: one conditional request, answered 304.
    const nextDay = await h.run([defender('week-1'), kev(url)], '2026-11-17T06:00:00Z');
    expect(nextDay.sources[1]?.notes[0]).toContain('not modified (304)');
    expect(server.requestsFor('/kev-a.json').map((r) => [r.status, r.ifNoneMatch])).toEqual([
      [200, null],
      [304, '"k1"'],
    ]);
    expect(h.counts(tables)).toEqual({ ...before, events: before.events });

    // A week later the catalog adds CVE-2024-6119 (ransomware use known): that open case worsened.
    server.setRoute('/kev-a.json', { body: kevDoc([REGRESSHION, UNRELATED, OPENSSL], '2026.11.20'), etag: '"k2"', contentType: 'application/json' });
    const week2 = await h.run([defender('week-2'), kev(url)], WEEK2);
    expect(week2.exitCode).toBe(0);
    const worsened = week2.events.filter((e) => e.type === 'case.worsened');
    expect(worsened).toEqual([
      {
        type: 'case.worsened',
        caseKey: 'CVE-2024-6119',
        at: '2026-11-23T06:00:00.000Z',
        details: { reason: 'kev', cveId: 'CVE-2024-6119', dateAdded: '2026-11-20', dueDate: '2026-12-11', knownRansomware: true },
      },
    ]);
    expect(kevOf(h, 'CVE-2024-6119')).toEqual({ dateAdded: '2026-11-20', dueDate: '2026-12-11', knownRansomware: true, since: '2026-11-23T06:00:00.000Z' });
    expect(dueOf(h, 'CVE-2024-6119')).toBe('2026-11-30');
    expect(week2.cases.get('CVE-2024-6119')?.kev?.knownRansomware).toBe(true);
  });

  it('applies the cached catalog to cases that appear later, without fetching again', async () => {
    const h = ledgerHarness();
    server.setRoute('/kev-b.json', { body: kevDoc([['CVE-2026-2001', '2026-11-10', '2026-12-01', 'Unknown']]), contentType: 'application/json' });
    const url = server.urlFor('/kev-b.json');
    await h.run([defender('week-1'), kev(url)], WEEK1);
    expect(kevOf(h, 'machine:CVE-2026-2001')).toBeNull(); // no such case yet
    // Week 2 brings curl CVE-2026-2001 on vm-batch-03; the KEV source is not even configured now.
    const week2 = await h.run([defender('week-2')], WEEK2);
    expect(kevOf(h, 'machine:CVE-2026-2001')).toEqual({ dateAdded: '2026-11-10', dueDate: '2026-12-01', knownRansomware: null, since: '2026-11-23T06:00:00.000Z' });
    expect(week2.events.find((e) => e.caseKey === 'machine:CVE-2026-2001')).toMatchObject({ type: 'case.new', details: { kev: true } });
    expect(week2.events.filter((e) => e.type === 'case.worsened')).toEqual([]);
    expect(server.requestsFor('/kev-b.json')).toHaveLength(1);
  });

  it.each([
    ['kev-syntax-error.json', /^http:\/\/127\.0\.0\.1:\d+\/bad\.json: not valid JSON at line 9, column 9: /],
    ['kev-truncated.json', /^http:\/\/127\.0\.0\.1:\d+\/bad\.json: not valid JSON at line \d+, column \d+: /],
    ['kev-no-vulnerabilities.json', /^http:\/\/127\.0\.0\.1:\d+\/bad\.json: not a KEV catalog: \$\.vulnerabilities must be an array, found an object$/],
  ])('%s fails the source with the URL and position; cached KEV and case marks stay; the run proceeds (exit 2)', async (name, message) => {
    const h = ledgerHarness();
    const file = path.join(h.dir, 'kev.json');
    writeFileSync(file, kevDoc([REGRESSHION]));
    await h.run([defender('week-1'), createKevSource(KevConfig.parse({ type: 'kev', url: './kev.json' }), h.dir)], WEEK1);
    const cached = h.sql('select * from cache order by namespace, key');
    const marks = h.sql('select * from case_enrichment order by case_key');
    server.setRoute('/bad.json', { body: fixture(name), contentType: 'application/json' });
    const report = await h.run([defender('week-2'), kev(server.urlFor('/bad.json'))], WEEK2);
    expect(report.exitCode).toBe(2);
    expect(report.sources.map((s) => [s.source, s.status])).toEqual([
      ['defender', 'ok'],
      ['kev', 'failed'],
    ]);
    expect(report.sources[1]?.error).toMatch(message);
    expect(h.sql('select * from cache order by namespace, key')).toEqual(cached);
    expect(h.sql('select * from case_enrichment order by case_key')).toEqual(marks);
    expect(kevOf(h, 'machine:CVE-2024-6387')).toMatchObject({ dateAdded: '2026-10-01' });
    expect(report.events.some((e) => e.type === 'case.new' && e.caseKey === 'machine:CVE-2026-2001')).toBe(true); // findings still applied
  });

  it('reads an offline mirror file: re-read only when its content changes; a catalog cut to under half is refused', async () => {
    const h = ledgerHarness();
    const file = path.join(h.dir, 'kev.json');
    const source = () => createKevSource(KevConfig.parse({ type: 'kev', url: './kev.json' }), h.dir);
    const many: Entry[] = Array.from({ length: 120 }, (_, i) => [`CVE-2020-${String(10000 + i)}`, '2020-01-01', '2020-02-01', 'Unknown']);
    writeFileSync(file, kevDoc([REGRESSHION, ...many]));
    expect((await h.run([defender('week-1'), source()], WEEK1)).sources[1]?.notes[0]).toMatch(/: 121 entries$/);
    expect((await h.run([defender('week-1'), source()], '2026-11-16T07:00:00Z')).sources[1]?.notes[0]).toMatch(/kev\.json: file unchanged; cached catalog 2026\.11\.16 with 121 entries$/);
    writeFileSync(file, kevDoc([REGRESSHION]));
    const shrunk = await h.run([defender('week-1'), source()], '2026-11-16T08:00:00Z');
    expect(shrunk.sources[1]?.error).toMatch(/kev\.json: the KEV catalog has 1 entries, less than half of the 121 cached; refusing it as a truncated or wrong document\. The cached catalog stays in use\.$/);
    expect(h.sql<{ n: number }>("select count(*) n from cache where namespace = 'kev'")[0]?.n).toBe(121);
  });

  it('doctor reads and parses the catalog; a broken one fails the check', async () => {
    server.setRoute('/kev-d.json', { body: kevDoc([REGRESSHION, OPENSSL]), contentType: 'application/json' });
    server.setRoute('/kev-e.json', { body: fixture('kev-syntax-error.json'), contentType: 'application/json' });
    const signal = new AbortController().signal;
    expect(await kevChecks(KevConfig.parse({ type: 'kev', url: server.urlFor('/kev-d.json') }), '/')[0]!.run(signal)).toEqual({
      name: 'source kev: KEV catalog',
      status: 'ok',
      detail: `${server.urlFor('/kev-d.json')}: catalog 2026.11.16, 2 entries`,
    });
    expect(await kevChecks(KevConfig.parse({ type: 'kev', url: server.urlFor('/kev-e.json') }), '/')[0]!.run(signal)).toMatchObject({ status: 'fail', detail: expect.stringContaining('not valid JSON at line 9, column 9') });
  });

  it('sla.kev null turns the KEV due-date rule off', async () => {
    const h = ledgerHarness();
    server.setRoute('/kev-c.json', { body: kevDoc([REGRESSHION]), contentType: 'application/json' });
    await h.run([defender('week-1'), kev(server.urlFor('/kev-c.json'))], WEEK1, { sla: { ...DEFAULT_SLA, kevDays: null } });
    expect(kevOf(h, 'machine:CVE-2024-6387')).not.toBeNull();
    expect(dueOf(h, 'machine:CVE-2024-6387')).toBe('2026-12-16');
  });
});
