/**
 * How the Notion mirror behaves when Notion misbehaves: rate limits, conflicts, server errors,
 * lost responses, a process stopped between creating a page and recording it, a schema that
 * changed under us, deleted pages, and two syncs at once. Real SDK against the fake server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorBusyError } from '../../app/mirror.js';
import { harness, pageOf, prop, type Harness } from '../../../test/helpers/notion.js';
import { runWith, syntheticFinding } from '../../bench/notion-seed.js';
import { triageCase } from '../../app/cases.js';
import { createNotionMirror } from './index.js';

let h: Harness;
afterEach(async () => h?.close());

const PAGES = /^\/v1\/pages$/;
const PAGE = /^\/v1\/pages\/[^/]+$/;
const posts = (): number => h.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pages').length;
const keys = (): string[] => h.pages().map((p) => prop(p, 'CVE ID')).sort();

describe('rate limits and retries', () => {
  it('429 with Retry-After is retried (POST included) and counted', async () => {
    h = await harness({ cases: 3 });
    h.fake.inject({ method: 'POST', path: PAGES, times: 2, status: 429, retryAfter: 1 });
    const r = await h.sync();
    expect([r.error, r.created, r.requests.rateLimited]).toEqual([null, 3, 2]);
    expect(h.fake.requests.filter((q) => q.path === '/v1/pages').map((q) => q.status)).toEqual([429, 429, 200, 200, 200]);
    expect(h.pages()).toHaveLength(3);
  });

  it('529 service_overload is retried by the SDK; 409 conflict_error and 504 on an update are retried by us', async () => {
    h = await harness({ cases: 1 });
    await h.sync();
    for (const [i, status] of [529, 409, 504].entries()) {
      await triageCase(h.store, 'CVE-2026-10000', { owner: `owner-${i}` }, { actor: 'sato', clock: h.clock });
      h.clock.advance(60_000);
      h.fake.inject({ method: 'PATCH', path: PAGE, times: 1, status });
      h.reset();
      const r = await h.sync();
      expect([status, r.error, r.updated]).toEqual([status, null, 1]);
      expect(h.fake.requests.filter((q) => q.method === 'PATCH').map((q) => q.status)).toEqual([status, 200]);
      expect(prop(pageOf(h, 'CVE-2026-10000'), 'Owner')).toBe(`owner-${i}`);
    }
  });

  it('a 409 that does not go away stops the sync with a message saying what failed', async () => {
    h = await harness({ cases: 1 });
    await h.sync();
    await triageCase(h.store, 'CVE-2026-10000', { owner: 'x' }, { actor: 'sato', clock: h.clock });
    h.clock.advance(60_000);
    h.fake.inject({ method: 'PATCH', path: PAGE, times: 10, status: 409 });
    const r = await h.sync();
    expect(r.error).toMatch(/^PATCH \/v1\/pages\/[0-9a-f-]+ failed: 409 conflict_error Conflict occurred while saving\. Please try again\. \(request [0-9a-f-]+\)\. Notion did not complete the request; the next sync retries\.$/);
    expect(h.fake.requests.filter((q) => q.method === 'PATCH')).toHaveLength(3); // 1 + our 2 retries (test setting)
  });

  it('stays within the rate limit of a server that enforces 3 requests per rolling second', async () => {
    h = await harness({ cases: 7, fake: { rateLimit: { perSecond: 3 } }, config: { requestsPerSecond: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // let the setup's requests leave the server's window
    const started = performance.now();
    const r = await h.sync();
    const seconds = (performance.now() - started) / 1000;
    expect([r.error, r.created]).toEqual([null, 7]);
    expect(h.fake.stats.rateLimited).toBe(0);
    expect(seconds).toBeGreaterThan(2); // 10 requests at ≤ 3/s
  }, 20_000);
});

describe('never two pages for one case', () => {
  it('a create answered 500 that did not happen: looked up, not found, created once', async () => {
    h = await harness({ cases: 2 });
    h.fake.inject({ method: 'POST', path: PAGES, times: 1, status: 500 });
    const r = await h.sync();
    expect([r.error, r.created, r.adopted]).toEqual([null, 2, 0]);
    expect(keys()).toEqual(['CVE-2026-10000', 'CVE-2026-10001']);
    expect(posts()).toBe(3);
  });

  it('a create applied but answered 500 (or 504): looked up, found, adopted — no retry, no duplicate', async () => {
    for (const status of [500, 504]) {
      h = await harness({ cases: 2 });
      h.fake.inject({ method: 'POST', path: PAGES, times: 1, status, afterApply: true });
      const r = await h.sync();
      expect([status, r.error, r.created, r.adopted]).toEqual([status, null, 1, 1]);
      expect(keys()).toEqual(['CVE-2026-10000', 'CVE-2026-10001']);
      expect(posts()).toBe(2);
      const link = await h.store.transaction((tx) => tx.mirror('notion').link('CVE-2026-10000'));
      expect(link?.pageId).toBe(pageOf(h, 'CVE-2026-10000').id);
      await h.close();
    }
    h = await harness({ cases: 0 });
  });

  it('a create applied whose answer never came (timeout): looked up and adopted', async () => {
    h = await harness({ cases: 2, config: { timeoutSeconds: 1 } });
    h.fake.inject({ method: 'POST', path: PAGES, times: 1, afterApply: true, hang: true });
    const r = await h.sync();
    expect([r.error, r.created, r.adopted]).toEqual([null, 1, 1]);
    expect(keys()).toEqual(['CVE-2026-10000', 'CVE-2026-10001']);
  });

  it('stopped between creating a page and recording it: the rerun adopts the page instead of creating another', async () => {
    h = await harness({ cases: 4 });
    const stop = new AbortController();
    // The second create is applied; the process stops before the answer arrives (and before recording it).
    h.fake.inject({ method: 'POST', path: PAGES, times: 1, afterApply: true, delayMs: 10_000 });
    setTimeout(() => stop.abort(new Error('killed')), 300);
    const killed = await h.sync({ signal: stop.signal });
    expect(killed.error).toMatch(/cancelled|killed/);
    expect(h.pages()).toHaveLength(1);
    const links = await h.store.transaction((tx) => tx.mirror('notion').links());
    expect([...links.keys()]).toEqual([]); // the first page was applied but its answer was held back too
    h.fake.clearFaults();

    h.clock.advance(60_000);
    const rerun = await h.sync();
    expect([rerun.error, rerun.created, rerun.adopted]).toEqual([null, 3, 1]);
    expect(keys()).toEqual(['CVE-2026-10000', 'CVE-2026-10001', 'CVE-2026-10002', 'machine:CVE-2026-10003']);
    expect(h.fake.pages(h.ids.dataSourceId)).toHaveLength(4);
  });
});

describe('errors that must stop the sync', () => {
  it('a property renamed in Notion: stops before writing, naming what is missing', async () => {
    h = await harness({ cases: 3 });
    await h.sync();
    await h.fake.inject({ times: 0 });
    await fetch(`${h.fake.url}/v1/data_sources/${h.ids.dataSourceId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.config.token}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { Owner: { name: '担当' } } }),
    });
    for (const key of ['CVE-2026-10000', 'CVE-2026-10001']) await triageCase(h.store, key, { owner: 'sato' }, { actor: 'sato', clock: h.clock });
    h.clock.advance(60_000);
    h.reset();
    const r = await h.sync();
    expect(r.error).toBe('Notion database "Vulns" does not have the properties vulnledger writes — missing: Owner (rich_text). Run `vulnledger notion setup` to add them (nothing is deleted), or map fields to your names with "propertyNames". Nothing was written.');
    expect(h.writes()).toEqual([]);
  });

  it('a validation error from Notion names the property, and no further page is written', async () => {
    h = await harness({ cases: 3 });
    await h.sync();
    for (const key of ['CVE-2026-10000', 'CVE-2026-10001', 'CVE-2026-10002']) await triageCase(h.store, key, { owner: 'sato' }, { actor: 'sato', clock: h.clock });
    h.clock.advance(60_000);
    h.fake.inject({ method: 'PATCH', path: PAGE, times: 1, status: 400, message: 'Owner is expected to be people.' });
    h.reset();
    const r = await h.sync();
    expect(r.error).toMatch(/^PATCH \/v1\/pages\/[0-9a-f-]+ failed: 400 validation_error Owner is expected to be people\. \(request .*\)\. Run `vulnledger doctor`/);
    expect(h.writes()).toHaveLength(1);
  });

  it('a wrong token: stops at once; the token never appears in the report or the logs', async () => {
    h = await harness({ cases: 1 });
    const mirror = createNotionMirror({ ...h.config, token: 'secret_wrong_token_that_is_long' }, h.deps);
    const { syncMirror } = await import('../../app/mirror.js');
    const r = await syncMirror(h.store, mirror, { clock: h.clock, log: h.log, minSeverity: 'High' });
    expect(r.error).toMatch(/401 unauthorized API token is invalid\..*Check the integration token \(NOTION_TOKEN\)/);
    expect(JSON.stringify(r)).not.toContain('secret_wrong_token_that_is_long');
    expect(h.log.lines.join('\n')).not.toContain('secret_wrong_token_that_is_long');
    expect(h.log.lines.join('\n')).not.toContain(h.config.token);
  });
});

describe('pages deleted in Notion, and the sync lock', () => {
  it('a page moved to the trash is not recreated (reported), unless asked to', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10000');
    await fetch(`${h.fake.url}/v1/pages/${page.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${h.config.token}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' }, body: JSON.stringify({ in_trash: true }) });
    await triageCase(h.store, 'CVE-2026-10000', { owner: 'sato' }, { actor: 'sato', clock: h.clock });
    h.clock.advance(60_000);
    const r = await h.sync();
    expect([r.error, r.gone, r.created]).toEqual([null, ['CVE-2026-10000'], 0]);
    const again = await h.sync();
    expect([again.gone, again.created, again.requests.writes]).toEqual([['CVE-2026-10000'], 0, 0]);
    const recreated = await h.sync({ recreateDeleted: true });
    expect([recreated.created, recreated.gone]).toEqual([1, []]);
    expect(prop(pageOf(h, 'CVE-2026-10000'), 'Owner')).toBe('sato');
  });

  it('a second sync of the same mirror is refused while one holds the lock; a stale lock is taken over', async () => {
    h = await harness({ cases: 1 });
    h.fake.inject({ method: 'POST', path: PAGES, times: 1, delayMs: 400 });
    const first = h.sync({ lockOwner: 'host-a:pid 1' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(h.sync({ lockOwner: 'host-b:pid 2' })).rejects.toThrow(MirrorBusyError);
    expect((await first).created).toBe(1);
    await h.store.transaction((tx) => tx.mirror('notion').set('lock', JSON.stringify({ owner: 'host-c:pid 3', at: '2026-11-30T09:00:00.000Z' })));
    await expect(h.sync({ lockIsStale: () => false })).rejects.toThrow(/another sync of mirror "notion" is running \(host-c:pid 3, since 2026-11-30T09:00:00.000Z\)/);
    const taken = await h.sync({ lockIsStale: () => true });
    expect(taken.error).toBeNull();
    expect(await h.store.transaction((tx) => tx.mirror('notion').get('lock'))).toBeNull();
  });
});

describe('the ledger changes a case while it is mirrored', () => {
  it('a case resolves: State, Resolved and the triage status follow; the body keeps the resolved row', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    h.clock.advance(24 * 3600_000);
    await runWith(h.store, [syntheticFinding(1)], { clock: h.clock, log: h.log });
    h.reset();
    const r = await h.sync();
    expect([r.updated, r.bodies]).toEqual([2, 1]); // the other case: only its Last seen moved to the new day
    expect((h.writes().find((w) => w.method === 'PATCH' && w.path === `/v1/pages/${pageOf(h, 'CVE-2026-10001').id}`)!.body as { properties: object }).properties).toEqual({ 'Last seen': { date: { start: '2026-12-01' } } });
    const page = pageOf(h, 'CVE-2026-10000');
    expect([prop(page, 'State'), prop(page, 'Resolved'), prop(page, 'Triage status')]).toEqual(['Resolved', '2026-12-01', 'Fixed']);
    expect(prop(page, 'Evidence')).toMatch(/^2026-12-01 vulnledger: No longer reported by synthetic as of 2026-12-01/);
  });
});
