import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeRssFeed, startFakeFeedServer, type FakeFeedServer } from '../../../test/fakes/feeds.js';
import { ledgerHarness } from '../../../test/helpers/ledger.js';
import { advisoryCaseKey } from '../../core/advisory.js';
import { DefenderFileConfig } from '../defender-file/config.js';
import { createDefenderFileSource } from '../defender-file/index.js';
import { FeedConfig } from './config.js';
import { createFeedSource, feedChecks, feedTarget } from './index.js';
import { FEED_PRESETS } from './parse.js';

const DEMO = path.resolve(import.meta.dirname, '../../../demo/data');
const JUNE = '2026-06-01T06:00:00Z';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

function feed(url: string, extra: Record<string, unknown> = {}) {
  return createFeedSource(FeedConfig.parse({ type: 'feed', name: 'msrc', url, retries: 0, ...extra }), '/');
}

/** An RSS 2.0 feed of the given items. */
export function rss(items: Array<{ guid: string; title: string; date: string; text: string; category?: string }>): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${i.title}</title><link>https://msrc.example.com/${i.guid}</link><guid isPermaLink="false">${i.guid}</guid><pubDate>${i.date}</pubDate>${i.category ? `<category>${i.category}</category>` : ''}<description>${i.text}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>MSRC</title><link>https://msrc.example.com/</link>\n${body}\n</channel></rss>`;
}

describe('source feed against the fake feed server', () => {
  let server: FakeFeedServer;

  beforeAll(async () => {
    server = await startFakeFeedServer({
      routes: {
        '/msrc.xml': { body: fixture('msrc-blog-feed-sample.xml'), etag: '"v1"', lastModified: 'Wed, 27 May 2026 17:00:00 GMT' },
        '/atom.xml': { body: fixture('atom-feed.xml'), contentType: 'application/atom+xml' },
        '/jvn.rdf': { body: fixture('jvn-rdf.xml') },
        '/hostile.xml': { body: fixture('script-entities-cdata.xml') },
        '/noguid.xml': { body: fixture('missing-guid.xml') },
        '/dups.xml': { body: fixture('duplicates.xml') },
        '/broken.xml': { body: fixture('malformed.xml') },
        '/large.xml': { body: largeRssFeed() },
        '/slow.xml': { body: fixture('msrc-blog-feed-sample.xml'), delayMs: 3000 },
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('records each item as an advisory case once; an unchanged feed costs one 304 and writes nothing', async () => {
    const h = ledgerHarness();
    const url = server.urlFor('/msrc.xml');
    const first = await h.run([feed(url)], JUNE);
    expect(first.exitCode).toBe(0);
    expect(first.sources[0]).toMatchObject({ status: 'ok', counts: { rows: 2, new: 2 } });
    expect(first.events.map((e) => e.type)).toEqual(['advisory.new', 'advisory.new']);

    const key = advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/');
    expect(key).toMatch(/^advisory:msrc:[0-9a-f]{12}$/);
    const stored = await h.read(async (s) => ({ record: await s.getCase(key), advisory: await s.advisory(key) }));
    expect(stored.record).toMatchObject({ kind: 'advisory', state: 'open', severity: 'Unknown', title: 'Protecting customers through Coordinated Vulnerability Disclosure' });
    expect(stored.record?.triage).toMatchObject({ status: 'new', responseRequired: 'undecided', dueDate: null });
    expect(stored.advisory).toMatchObject({
      source: 'msrc',
      link: 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/',
      publishedAt: '2026-05-27T17:00:00.000Z',
      cveIds: [],
    });
    expect(stored.advisory?.summary).toContain('<em>');
    const japanese = await h.read((s) => s.advisory(advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/?p=20260528')));
    expect(japanese).toMatchObject({
      title: '協調的な脆弱性開示 (CVD) に関するお知らせ — 2026 年 5 月',
      categories: ['MSRC', 'Coordinated Vulnerability Disclosure'],
      cveIds: ['CVE-2026-00001', 'CVE-2026-00002'],
    });

    const tables = ['cases', 'advisories', 'advisory_cves', 'history', 'events', 'triage'];
    const before = h.counts(tables);
    const again = await h.run([feed(url)], '2026-06-02T06:00:00Z');
    expect(again.exitCode).toBe(0);
    expect(again.events).toEqual([]);
    expect(again.sources[0]?.notes[0]).toContain('not modified since the last run (304)');
    expect(h.counts(tables)).toEqual(before);
    expect(server.requestsFor('/msrc.xml').map((r) => [r.status, r.ifNoneMatch])).toEqual([
      [200, null],
      [304, '"v1"'],
    ]);
  });

  it('a changed feed adds only the new item; an edited item is updated in place with history', async () => {
    const h = ledgerHarness();
    server.setRoute('/changing.xml', {
      body: rss([{ guid: 'a-1', title: 'First', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'About CVE-2024-6387' }]),
      etag: '"c1"',
    });
    const url = server.urlFor('/changing.xml');
    await h.run([feed(url)], JUNE);
    server.setRoute('/changing.xml', {
      body: rss([
        { guid: 'a-2', title: 'Second', date: 'Tue, 02 Jun 2026 00:00:00 GMT', text: 'Nothing' },
        { guid: 'a-1', title: 'First (updated)', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'About CVE-2024-6387 and CVE-2024-6119' },
      ]),
      etag: '"c2"',
    });
    const second = await h.run([feed(url)], '2026-06-03T06:00:00Z');
    expect(second.sources[0]?.counts).toMatchObject({ rows: 2, new: 1, changed: 1, unchanged: 0 });
    expect(second.events.map((e) => [e.type, e.caseKey])).toEqual([['advisory.new', 'advisory:msrc:a-2']]);
    expect(h.sql<{ key: string }>("select key from cases where kind = 'advisory' order by key").map((r) => r.key)).toEqual(['advisory:msrc:a-1', 'advisory:msrc:a-2']);
    const history = await h.read((s) => s.history('advisory:msrc:a-1'));
    expect(history.map((e) => [e.field, e.oldValue, e.newValue])).toEqual([
      ['state', null, 'open'],
      ['title', 'First', 'First (updated)'],
      ['advisory.cves', 'CVE-2024-6387', 'CVE-2024-6387, CVE-2024-6119'],
    ]);
  });

  it('items older than announceWindowDays are recorded on first sight but not announced', async () => {
    const h = ledgerHarness();
    const report = await h.run([feed(server.urlFor('/msrc.xml'), { announceWindowDays: 3 })], JUNE);
    expect(report.events).toEqual([]);
    expect(report.sources[0]?.counts.new).toBe(2);
    const key = advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/');
    const history = await h.read((s) => s.history(key));
    expect(history.map((e) => e.field)).toEqual(['state', 'advisory.announced']);
    expect(history[1]?.newValue).toBe('no: published 2026-05-27T17:00:00.000Z, before the announce window');
  });

  it('Atom, JVN RDF (Japanese), scripts, entities and CDATA become plain text; CVEs in <script> do not count', async () => {
    const h = ledgerHarness();
    const report = await h.run(
      [
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'atom', url: server.urlFor('/atom.xml'), retries: 0 }), '/'),
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'jvn', url: server.urlFor('/jvn.rdf'), retries: 0 }), '/'),
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'hostile', url: server.urlFor('/hostile.xml'), retries: 0 }), '/'),
      ],
      JUNE,
    );
    expect(report.sources.map((s) => [s.source, s.status, s.counts.new])).toEqual([
      ['atom', 'ok', 2],
      ['jvn', 'ok', 3],
      ['hostile', 'ok', 5],
    ]);
    const rows = h.sql<{ source: string; title: string; summary: string; cve_ids_json: string; link: string | null }>(
      'select source, title, summary, cve_ids_json, link from advisories order by source, item_key',
    );
    const hostile = rows.filter((r) => r.source === 'hostile');
    expect(hostile.map((r) => r.summary).join('\n')).not.toMatch(/<script|alert\(|document\.cookie|onerror/);
    expect(hostile.find((r) => r.title === 'Escaped script')?.summary).toBe('Patch now');
    expect(hostile.find((r) => r.title.startsWith('CDATA title'))?.cve_ids_json).toBe('["CVE-2026-30001"]');
    expect(hostile.find((r) => r.title === 'javascript link is dropped')?.link).toBeNull();
    const japanese = hostile.find((r) => r.title.startsWith('Japanese'));
    expect(japanese?.title).toBe('Japanese: 協調的な脆弱性開示 — ＣＶＥ表記');
    expect(JSON.parse(japanese!.cve_ids_json)).toEqual(['CVE-2026-30002', 'CVE-2026-30003', 'CVE-2026-30004']);
    const jvn = rows.filter((r) => r.source === 'jvn');
    expect(jvn).toHaveLength(3);
    expect(jvn.some((r) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(r.title))).toBe(true);
  });

  it('items without a guid are keyed by link (else a hash); duplicates are kept once; an empty item is counted as skipped', async () => {
    const h = ledgerHarness();
    const report = await h.run(
      [
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'noguid', url: server.urlFor('/noguid.xml'), retries: 0 }), '/'),
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'dups', url: server.urlFor('/dups.xml'), retries: 0 }), '/'),
      ],
      JUNE,
    );
    expect(report.sources[0]).toMatchObject({ status: 'ok', counts: { rows: 5, new: 4, skipped: { invalid: 1 } } });
    expect(report.sources[1]).toMatchObject({ status: 'ok', counts: { rows: 5, new: 3 } });
    expect(report.sources[1]?.notes).toContain('2 duplicate item(s) in the feed, kept once');
    const keys = h.sql<{ item_key: string }>("select item_key from advisories where source = 'noguid' order by item_key").map((r) => r.item_key);
    // A relative link is resolved against the feed's URL (the document's base).
    expect(keys).toEqual([
      server.urlFor('/2026/06/relative/'),
      'https://noguid.example.com/blog/2026/06/only-link/',
      'https://noguid.example.com/blog/2026/06/permalink-guid/',
      expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    ]);
    const again = await h.run(
      [createFeedSource(FeedConfig.parse({ type: 'feed', name: 'noguid', url: server.urlFor('/noguid.xml'), retries: 0 }), '/')],
      '2026-06-02T06:00:00Z',
    );
    expect(again.sources[0]?.counts).toMatchObject({ new: 0, unchanged: 4 });
  });

  it('a 5 MB item is read; its summary is capped and a CVE at its very end is still found', async () => {
    const h = ledgerHarness();
    const report = await h.run([createFeedSource(FeedConfig.parse({ type: 'feed', name: 'large', url: server.urlFor('/large.xml'), retries: 0 }), '/')], JUNE);
    expect(report.sources[0]?.status).toBe('ok');
    const [row] = h.sql<{ summary: string; cve_ids_json: string }>('select summary, cve_ids_json from advisories');
    expect(row?.summary.length).toBe(20_000);
    expect(row?.summary.endsWith('…')).toBe(true);
    expect(row?.cve_ids_json).toBe('["CVE-2026-99999"]');
  });

  it('include / exclude keywords keep matching items only; the rest are counted as not ours', async () => {
    const h = ledgerHarness();
    server.setRoute('/mixed.xml', {
      body: rss([
        { guid: 'm-1', title: 'Coordinated Vulnerability Disclosure: a bug in a partner product', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'x' },
        { guid: 'm-2', title: 'Announcing BlueHat 2026', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'conference' },
        { guid: 'm-3', title: 'Patch for CVE-2026-4242', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'x', category: 'Security Update' },
        { guid: 'm-4', title: 'Bounty news about CVE-2026-4343', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'x', category: 'Bounty' },
      ]),
    });
    // The msrc preset's keywords apply when no include is configured.
    const source = createFeedSource(FeedConfig.parse({ type: 'feed', name: 'msrc', preset: 'msrc', url: server.urlFor('/mixed.xml'), exclude: ['bounty'], retries: 0 }), '/');
    const report = await h.run([source], JUNE);
    expect(report.sources[0]?.counts).toMatchObject({ rows: 4, new: 2, skipped: { 'not-ours': 2 } });
    expect(h.sql<{ item_key: string }>('select item_key from advisories order by item_key').map((r) => r.item_key)).toEqual(['m-1', 'm-3']);
  });

  it('malformed XML fails the source with URL and position; stored advisories stay; another source still applies (exit 2)', async () => {
    const h = ledgerHarness();
    server.setRoute('/flaky.xml', { body: rss([{ guid: 'f-1', title: 'Kept', date: 'Mon, 01 Jun 2026 00:00:00 GMT', text: 'CVE-2024-6387' }]), etag: '"f1"' });
    const url = server.urlFor('/flaky.xml');
    await h.run([feed(url)], JUNE);
    const before = h.counts(['cases', 'advisories', 'advisory_cves', 'history', 'source_state']);
    const state = h.sql<{ value: string }>('select value from source_state');
    server.setRoute('/flaky.xml', { body: fixture('malformed.xml'), etag: '"f2"' });
    const defender = createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: path.join(DEMO, 'week-1', '*.json') }), '/');
    const report = await h.run([feed(url), defender], '2026-06-02T06:00:00Z');
    expect(report.exitCode).toBe(2);
    expect(report.sources.map((s) => [s.source, s.status])).toEqual([
      ['msrc', 'failed'],
      ['defender', 'ok'],
    ]);
    expect(report.sources[0]?.error).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/flaky\\.xml: malformed XML at line \\d+, column \\d+: `));
    const after = h.counts(['cases', 'advisories', 'advisory_cves', 'history', 'source_state']);
    expect(after.advisories).toBe(before.advisories);
    expect(after.advisory_cves).toBe(before.advisory_cves);
    expect(h.sql<{ value: string }>('select value from source_state')).toEqual(state); // the new ETag was not kept
    expect(after.cases).toBeGreaterThan(before.cases!); // the Defender source applied
  });

  it('404 and a response slower than the timeout fail the source with a clear message', async () => {
    const h = ledgerHarness();
    const report = await h.run(
      [
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'gone', url: server.urlFor('/gone.xml'), retries: 0 }), '/'),
        createFeedSource(FeedConfig.parse({ type: 'feed', name: 'slow', url: server.urlFor('/slow.xml'), retries: 0, timeoutSeconds: 0.3 }), '/'),
      ],
      JUNE,
    );
    expect(report.exitCode).toBe(1);
    expect(report.sources[0]?.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/gone\.xml answered HTTP 404: Not Found$/);
    expect(report.sources[1]?.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/slow\.xml failed: no response within 300 ms$/);
    expect(h.counts(['advisories'])).toEqual({ advisories: 0 });
  });

  it('doctor reads and parses the feed without writing; a broken feed is a failed check with the reason', async () => {
    const signal = new AbortController().signal;
    const [ok] = feedChecks(FeedConfig.parse({ type: 'feed', name: 'msrc', preset: 'msrc', url: server.urlFor('/msrc.xml') }), '/');
    expect(await ok!.run(signal)).toEqual({ name: 'source msrc: feed', status: 'ok', detail: `${server.urlFor('/msrc.xml')}: rss2, 2 item(s), 2 kept by the filters` });
    const [bad] = feedChecks(FeedConfig.parse({ type: 'feed', name: 'broken', url: server.urlFor('/broken.xml') }), '/');
    expect(await bad!.run(signal)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/broken\.xml: malformed XML at line \d+, column \d+/) });
    expect(server.requestsFor('/msrc.xml').every((r) => r.ifNoneMatch === null || r.status === 304)).toBe(true);
  });

  it('reads an offline mirror file; an unchanged file writes nothing', async () => {
    const h = ledgerHarness();
    const file = path.join(h.dir, 'feed.xml');
    writeFileSync(file, fixture('msrc-blog-feed-sample.xml'));
    const source = () => createFeedSource(FeedConfig.parse({ type: 'feed', name: 'msrc', url: './feed.xml' }), h.dir);
    expect((await h.run([source()], JUNE)).sources[0]?.counts.new).toBe(2);
    const again = await h.run([source()], '2026-06-02T06:00:00Z');
    expect(again.sources[0]?.notes[0]).toMatch(/feed\.xml not modified since the last run; advisories unchanged$/);
  });
});

describe('feed presets', () => {
  it('fill in the URL and (msrc) the CVD keywords; an explicit url wins', () => {
    const preset = feedTarget(FeedConfig.parse({ type: 'feed', preset: 'msrc' }), '/cfg');
    expect(preset.location).toEqual({ kind: 'url', url: FEED_PRESETS.msrc.url, display: 'https://msrc.microsoft.com/blog/feed' });
    expect(preset.include).toEqual(['Coordinated Vulnerability Disclosure', 'CVE-']);
    const mirror = feedTarget(FeedConfig.parse({ type: 'feed', preset: 'jvn', url: './jvn.rdf' }), '/cfg');
    expect(mirror.location).toEqual({ kind: 'file', path: '/cfg/jvn.rdf', display: '/cfg/jvn.rdf' });
    expect(FeedConfig.safeParse({ type: 'feed' }).error?.issues[0]?.message).toBe('give `url` (a feed URL or file path) or `preset` (msrc, jvn, jvndb)');
  });
});
