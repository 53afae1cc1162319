import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEpssQueryUrls, parseEpssCsv, parseEpssJson } from '../../src/sources/epss/parse.js';
import { FeedParseError, parseFeed } from '../../src/sources/feed/parse.js';
import { parseKevCatalog } from '../../src/sources/kev/parse.js';
import { PermanentHttpError, TransientHttpError, fetchWithRetry } from '../../src/util/http.js';
import { largeRssFeed, startFakeFeedServer, type FakeEpssScore, type FakeFeedServer } from './feeds.js';

function fixture(path: string): string {
  return readFileSync(new URL(`../../src/sources/${path}`, import.meta.url), 'utf8');
}

const NO_RETRY = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
const V1_DATE = 'Wed, 27 May 2026 17:00:00 GMT';

const knownCves = Array.from({ length: 300 }, (_, i) => `CVE-2025-${String(20000 + i)}`);
const scoreTable: Record<string, FakeEpssScore> = Object.fromEntries(
  knownCves.map((id, i) => [id, { epss: (i / 1000).toFixed(9), percentile: ((i + 1) / 300).toFixed(9) }]),
);

describe('fake feed server', () => {
  let server: FakeFeedServer;

  beforeAll(async () => {
    server = await startFakeFeedServer({
      routes: {
        '/msrc.xml': { body: fixture('feed/__fixtures__/msrc-blog-feed-sample.xml'), etag: '"v1"', lastModified: V1_DATE, contentType: 'application/rss+xml; charset=utf-8' },
        '/atom.xml': { body: fixture('feed/__fixtures__/atom-feed.xml'), etag: 'W/"atom-1"', contentType: 'application/atom+xml' },
        '/broken.xml': { body: fixture('feed/__fixtures__/malformed.xml') },
        '/large.xml': { body: largeRssFeed() },
        '/slow.xml': { body: '<rss/>', delayMs: 5000 },
        '/error.xml': { status: 500, body: 'upstream exploded', contentType: 'text/plain' },
        '/kev.json': { body: fixture('kev/__fixtures__/cisa-kev-sample.json'), etag: '"kev-2025.08.25"', contentType: 'application/json' },
        '/epss.csv': { body: fixture('epss/__fixtures__/epss-scores.csv'), lastModified: V1_DATE, contentType: 'text/csv' },
      },
      epss: { scores: scoreTable },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  describe('conditional GET', () => {
    it('answers 200 with validators, then 304 to If-None-Match and If-Modified-Since (real fetch + fetchWithRetry)', async () => {
      const url = server.urlFor('/msrc.xml');

      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe('"v1"');
      expect(first.headers.get('last-modified')).toBe(V1_DATE);
      expect(parseFeed(await first.text(), { source: url }).items).toHaveLength(2);

      const byEtag = await fetchWithRetry(url, { headers: { 'If-None-Match': '"v1"' }, acceptStatus: [304], retry: NO_RETRY });
      expect(byEtag.status).toBe(304);
      expect(await byEtag.text()).toBe('');
      expect(byEtag.headers.get('etag')).toBe('"v1"');

      const byDate = await fetchWithRetry(url, { headers: { 'If-Modified-Since': V1_DATE }, acceptStatus: [304], retry: NO_RETRY });
      expect(byDate.status).toBe(304);

      const older = await fetchWithRetry(url, { headers: { 'If-Modified-Since': 'Tue, 26 May 2026 00:00:00 GMT' }, acceptStatus: [304], retry: NO_RETRY });
      expect(older.status).toBe(200);
      await older.arrayBuffer();

      // If-None-Match wins over If-Modified-Since (RFC 9110): a stale tag means a full answer.
      const staleTag = await fetchWithRetry(url, { headers: { 'If-None-Match': '"v0"', 'If-Modified-Since': V1_DATE }, acceptStatus: [304], retry: NO_RETRY });
      expect(staleTag.status).toBe(200);
      await staleTag.arrayBuffer();

      expect(server.requestsFor('/msrc.xml').map((r) => [r.status, r.ifNoneMatch, r.ifModifiedSince])).toEqual([
        [200, null, null],
        [304, '"v1"', null],
        [304, null, V1_DATE],
        [200, null, 'Tue, 26 May 2026 00:00:00 GMT'],
        [200, '"v0"', V1_DATE],
      ]);
    });

    it('answers 200 again once the feed changes', async () => {
      const path = '/changing.xml';
      server.setRoute(path, { body: fixture('feed/__fixtures__/duplicates.xml'), etag: '"a"' });
      const url = server.urlFor(path);
      expect((await fetchWithRetry(url, { headers: { 'If-None-Match': '"a"' }, acceptStatus: [304], retry: NO_RETRY })).status).toBe(304);
      server.setRoute(path, { body: fixture('feed/__fixtures__/missing-guid.xml'), etag: '"b"' });
      const changed = await fetchWithRetry(url, { headers: { 'If-None-Match': '"a"' }, acceptStatus: [304], retry: NO_RETRY });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).toBe('"b"');
      expect(parseFeed(await changed.text()).meta.title).toBe('No guids');
    });

    it('matches weak ETags and a list of tags', async () => {
      const url = server.urlFor('/atom.xml');
      const res = await fetchWithRetry(url, { headers: { 'If-None-Match': '"other", "atom-1"' }, acceptStatus: [304], retry: NO_RETRY });
      expect(res.status).toBe(304);
    });

    it('needs acceptStatus: without it, fetchWithRetry treats 304 as an error', async () => {
      await expect(fetchWithRetry(server.urlFor('/msrc.xml'), { headers: { 'If-None-Match': '"v1"' }, retry: NO_RETRY })).rejects.toBeInstanceOf(PermanentHttpError);
    });

    it('serves KEV JSON and EPSS CSV with validators too', async () => {
      const kev = await fetchWithRetry(server.urlFor('/kev.json'), { retry: NO_RETRY });
      expect(kev.headers.get('content-type')).toBe('application/json');
      expect(parseKevCatalog(await kev.text()).entries).toHaveLength(3);
      expect((await fetchWithRetry(server.urlFor('/kev.json'), { headers: { 'If-None-Match': '"kev-2025.08.25"' }, acceptStatus: [304], retry: NO_RETRY })).status).toBe(304);

      const csv = await fetchWithRetry(server.urlFor('/epss.csv'), { retry: NO_RETRY });
      expect(parseEpssCsv(await csv.text()).scores).toHaveLength(4);
      expect((await fetchWithRetry(server.urlFor('/epss.csv'), { headers: { 'If-Modified-Since': V1_DATE }, acceptStatus: [304], retry: NO_RETRY })).status).toBe(304);
    });
  });

  describe('failures', () => {
    it('answers 404 for an unknown path: a permanent error', async () => {
      const error = await fetchWithRetry(server.urlFor('/nope.xml'), { retry: NO_RETRY }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentHttpError);
      expect((error as PermanentHttpError).status).toBe(404);
    });

    it('answers 500: transient, retried the configured number of times', async () => {
      const error = await fetchWithRetry(server.urlFor('/error.xml'), { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientHttpError);
      expect((error as TransientHttpError).status).toBe(500);
      expect((error as TransientHttpError).message).toBe(`GET ${server.url}/error.xml answered HTTP 500: upstream exploded`);
      expect(server.requestsFor('/error.xml').map((r) => r.status)).toEqual([500, 500, 500]);
    });

    it('times out a slow response', async () => {
      const started = performance.now();
      const error = await fetchWithRetry(server.urlFor('/slow.xml'), { timeoutMs: 200, retry: NO_RETRY }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(TransientHttpError);
      expect((error as TransientHttpError).message).toBe(`GET ${server.url}/slow.xml failed: no response within 200 ms`);
    });

    it('serves malformed XML that the parser rejects with URL and position', async () => {
      const url = server.urlFor('/broken.xml');
      const body = await (await fetchWithRetry(url, { retry: NO_RETRY })).text();
      const error = (() => {
        try {
          parseFeed(body, { source: url });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(FeedParseError);
      expect((error as FeedParseError).message).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}: malformed XML at line 7, column 24: `));
    });

    it('serves a 5 MB item that parses to bounded output', async () => {
      const res = await fetchWithRetry(server.urlFor('/large.xml'), { retry: NO_RETRY });
      const body = await res.text();
      expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
      const feed = parseFeed(body);
      expect(feed.items).toHaveLength(1);
      expect(feed.items[0]?.summary.length).toBe(20_000);
      expect(feed.items[0]?.cveIds).toEqual(['CVE-2026-99999']);
    }, 60_000);
  });

  describe('EPSS API endpoint', () => {
    const unknown = Array.from({ length: 50 }, (_, i) => `CVE-2026-${String(90000 + i)}`);
    const wanted = [...knownCves, ...unknown];

    it('refuses a cve parameter over 2000 characters, as FIRST documents', async () => {
      const naive = `${server.urlFor('/data/v1/epss')}?cve=${wanted.join(',')}`;
      const error = await fetchWithRetry(naive, { retry: NO_RETRY }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentHttpError);
      expect((error as PermanentHttpError).status).toBe(400);
    });

    it('answers every known CVE across the batches buildEpssQueryUrls makes, each batch complete in one page', async () => {
      const before = server.requestsFor('/data/v1/epss').length;
      const urls = buildEpssQueryUrls(server.urlFor('/data/v1/epss'), wanted);
      expect(urls.length).toBe(Math.ceil((wanted.length * 15) / 2000));
      const scores = [];
      for (const url of urls) {
        const res = await fetchWithRetry(url, { retry: NO_RETRY });
        const result = parseEpssJson(await res.text(), { source: url });
        expect(result.complete).toBe(true);
        expect(result.dropped).toBe(0);
        scores.push(...result.scores);
      }
      expect(scores.map((s) => s.cveId)).toEqual(knownCves);
      expect(scores[1]).toEqual({ cveId: 'CVE-2025-20001', score: 0.001, percentile: 0.006666667, date: '2026-06-01' });
      const log = server.requestsFor('/data/v1/epss').slice(before);
      expect(log.map((r) => r.status)).toEqual(urls.map(() => 200));
      for (const r of log) {
        expect((r.query['cve'] ?? '').length).toBeLessThanOrEqual(2000);
        // More than the API's default page of 100 per batch: the limit parameter is what keeps it whole.
        expect(Number(r.query['limit'])).toBe((r.query['cve'] ?? '').split(',').length);
        expect(r.query['envelope']).toBe('true');
      }
      expect(Math.max(...log.map((r) => (r.query['cve'] ?? '').split(',').length))).toBeGreaterThan(100);
    });

    it('truncates to the default limit of 100 when a client forgets it', async () => {
      const ids = knownCves.slice(0, 120);
      const res = await fetchWithRetry(`${server.urlFor('/data/v1/epss')}?cve=${ids.join(',')}`, { retry: NO_RETRY });
      const result = parseEpssJson(await res.text());
      expect(result.scores).toHaveLength(100);
      expect([result.total, result.complete]).toEqual([120, false]);
    });
  });
});
