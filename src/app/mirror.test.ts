/**
 * The two-way Notion sync end to end below the CLI: the real use case, store and Notion plugin
 * (real `@notionhq/client`) against the fake Notion server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PERSON_NAME } from '../../test/fakes/notion/index.js';
import { harness, pageOf, prop, type Harness } from '../../test/helpers/notion.js';
import { runWith, syntheticFinding } from '../bench/notion-seed.js';
import { triageCase } from './cases.js';

let h: Harness;
afterEach(async () => h?.close());

const rich = (content: string) => ({ rich_text: [{ text: { content } }] });
const history = async (key: string) => (await h.store.history(key)).filter((e) => e.actor !== 'vulnledger' || e.field.startsWith('notion.'));

describe('push', () => {
  it('first sync: one page per case in one request each; an unchanged rerun writes nothing', async () => {
    h = await harness({ cases: 12 });
    const first = await h.sync();
    expect(first.error).toBeNull();
    expect([first.created, first.updated, first.unchanged]).toEqual([12, 0, 0]);
    expect(h.pages()).toHaveLength(12);
    // database (data source id), the pull (lists every page on a first sync), the schema check, 12 creates
    expect(h.fake.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`)).toEqual([
      'GET /v1/databases/:id', 'POST /v1/data_sources/:id/query', 'GET /v1/data_sources/:id', ...Array<string>(12).fill('POST /v1/pages'),
    ]);
    const page = pageOf(h, 'CVE-2026-10000');
    expect([prop(page, 'Severity'), prop(page, 'State'), prop(page, 'Triage status'), prop(page, 'Due date'), prop(page, 'Repositories')]).toEqual([
      'Critical', 'Open', 'New', '2026-12-07', 'contosoacr.azurecr.io/app-0',
    ]);
    expect(h.fake.blocks(page.id).map((b) => b.type)).toEqual(['heading_3', 'table']);

    h.reset();
    h.clock.advance(5 * 60_000);
    const rerun = await h.sync();
    expect([rerun.created, rerun.updated, rerun.unchanged, rerun.pulled]).toEqual([0, 0, 12, 12]);
    expect(h.writes()).toEqual([]);
    expect(h.reads().length).toBeLessThanOrEqual(5);
    expect(rerun.requests).toEqual({ reads: 1, writes: 0, rateLimited: 0 });
  });

  it('pushes only the properties that changed, and rewrites the body only when the findings change', async () => {
    h = await harness({ cases: 4 });
    await h.sync();
    h.clock.advance(60_000);
    await triageCase(h.store, 'CVE-2026-10001', { owner: 'sato' }, { actor: 'sato', clock: h.clock });
    h.reset();
    const r = await h.sync();
    expect([r.updated, r.unchanged, r.bodies]).toEqual([1, 3, 0]);
    expect(h.writes().map((w) => [w.method, Object.keys((w.body as { properties: object }).properties)])).toEqual([['PATCH', ['Owner']]]);
    expect(prop(pageOf(h, 'CVE-2026-10001'), 'Owner')).toBe('sato');

    // a new resource for the case: Resources and the body change, nothing else
    const page = pageOf(h, 'CVE-2026-10002');
    h.fake.editPageAsPerson(page.id, {}, h.fake.botUserId);
    const note = { type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: 'notes by a person' } }] } };
    await fetch(`${h.fake.url}/v1/blocks/${page.id}/children`, { method: 'PATCH', headers: { authorization: `Bearer ${h.config.token}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' }, body: JSON.stringify({ children: [note] }) });
    h.clock.advance(60_000);
    const extra = syntheticFinding(2, { assetKey: 'contosoacr.azurecr.io/another', repository: 'contosoacr.azurecr.io/another' });
    await runWith(h.store, [...[0, 1, 3].map((i) => syntheticFinding(i)), syntheticFinding(2), extra], { clock: h.clock, log: h.log });
    h.reset();
    const again = await h.sync();
    expect([again.updated, again.bodies]).toEqual([1, 1]);
    expect((h.writes()[0]!.body as { properties: object }).properties).toEqual({ Repositories: { multi_select: [{ name: 'contosoacr.azurecr.io/another' }, { name: 'contosoacr.azurecr.io/app-2' }] } });
    expect(h.writes().map((w) => w.method)).toEqual(['PATCH', 'DELETE', 'DELETE', 'PATCH']);
    const body = h.fake.blocks(page.id);
    expect(body.map((b) => b.type)).toEqual(['paragraph', 'heading_3', 'table']);
    expect(h.fake.blocks(body[2]!.id as string)).toHaveLength(3);
  });

  it('mirrors cases at or above minSeverity, and keeps mirroring a case once it has a page', async () => {
    h = await harness({ cases: 8, config: { minSeverity: 'Critical' } });
    const r = await h.sync();
    expect(r.created).toBe(2); // cases 0 and 4 are Critical
    expect(h.pages().map((p) => prop(p, 'CVE ID')).sort()).toEqual(['CVE-2026-10000', 'sql:sql-prod-01:VA2004']);
    h.clock.advance(60_000);
    await runWith(h.store, Array.from({ length: 8 }, (_, i) => syntheticFinding(i, i === 0 ? { severity: 'High' } : {})), { clock: h.clock, log: h.log });
    const again = await h.sync();
    expect([again.created, again.updated]).toEqual([0, 1]);
    expect(prop(pageOf(h, 'CVE-2026-10000'), 'Severity')).toBe('High');
  });
});

describe('pull: edits made in Notion flow back into the ledger', () => {
  it('a status and 対応日 edited by a person appear in the ledger with history by notion:<name>, once', async () => {
    h = await harness({ cases: 3, config: { propertyNames: 'ja' } });
    await h.sync();
    h.clock.set('2026-11-30T11:20:30.000Z');
    const page = pageOf(h, 'CVE-2026-10001');
    h.fake.editPageAsPerson(page.id, { ステータス: { select: { name: '対応中' } }, 対応日: { date: { start: '2026-11-30' } } });
    h.clock.set('2026-11-30T11:25:00.000Z');
    h.reset();
    const r = await h.sync();
    expect(r.error).toBeNull();
    expect(r.applied).toEqual([
      {
        caseKey: 'CVE-2026-10001',
        actor: `notion:${PERSON_NAME}`,
        changes: [
          { field: 'triage.respondedAt', oldValue: null, newValue: '2026-11-30' },
          { field: 'triage.status', oldValue: 'new', newValue: 'in_progress' },
        ],
      },
    ]);
    const record = (await h.store.getCase('CVE-2026-10001'))!;
    expect([record.triage.status, record.triage.respondedAt]).toEqual(['in_progress', '2026-11-30']);
    expect((await history('CVE-2026-10001')).map((e) => [e.actor, e.field, e.oldValue, e.newValue, e.at])).toEqual([
      [`notion:${PERSON_NAME}`, 'triage.respondedAt', null, '2026-11-30', '2026-11-30T11:25:00.000Z'],
      [`notion:${PERSON_NAME}`, 'triage.status', 'new', 'in_progress', '2026-11-30T11:25:00.000Z'],
    ]);
    expect(h.writes()).toEqual([]); // Notion already shows the ledger's values
    expect(h.fake.requests.filter((q) => q.path.startsWith('/v1/users/'))).toHaveLength(1);

    h.clock.advance(60_000);
    h.reset();
    const again = await h.sync();
    expect([again.applied.length, again.updated]).toEqual([0, 0]);
    expect(h.writes()).toEqual([]);
    expect(await history('CVE-2026-10001')).toHaveLength(2);
  });

  it('our own writes are never taken for edits (pages we pushed are read back equal)', async () => {
    h = await harness({ cases: 3 });
    await h.sync();
    await triageCase(h.store, 'CVE-2026-10000', { status: 'triaging', evidence: ['https://t.example/1'] }, { actor: 'sato', clock: h.clock });
    h.clock.advance(30_000);
    await h.sync();
    h.clock.advance(30_000);
    const r = await h.sync();
    expect([r.pulled, r.applied.length, r.updated]).toEqual([3, 0, 0]);
    expect((await history('CVE-2026-10000')).map((e) => e.actor)).toEqual(['sato', 'sato']);
  });

  it('evidence: a line added in Notion becomes an entry by the person, then shows with date and author', async () => {
    h = await harness({ cases: 2 });
    await triageCase(h.store, 'CVE-2026-10000', { evidence: ['ticket SEC-1'] }, { actor: 'sato', clock: h.clock });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10000');
    h.clock.advance(2 * 60_000);
    h.fake.editPageAsPerson(page.id, { Evidence: rich('patched on prod\nhttps://t.example/2') });
    h.clock.advance(60_000);
    const r = await h.sync();
    expect(r.applied[0]!.changes).toEqual([
      { field: 'triage.evidence', oldValue: null, newValue: 'patched on prod' },
      { field: 'triage.evidence', oldValue: null, newValue: 'https://t.example/2' },
    ]);
    expect(r.notes).toEqual(['CVE-2026-10000: 1 evidence line(s) removed in Notion stay in the ledger (evidence is append-only)']);
    const evidence = (await h.store.getCase('CVE-2026-10000'))!.triage.evidence;
    expect(evidence.map((e) => [e.author, e.text, e.kind])).toEqual([
      ['sato', 'ticket SEC-1', 'note'],
      [`notion:${PERSON_NAME}`, 'patched on prod', 'note'],
      [`notion:${PERSON_NAME}`, 'https://t.example/2', 'link'],
    ]);
    expect(prop(pageOf(h, 'CVE-2026-10000'), 'Evidence')).toBe(
      `2026-11-30 sato: ticket SEC-1\n2026-11-30 notion:${PERSON_NAME}: patched on prod\n2026-11-30 notion:${PERSON_NAME}: https://t.example/2`,
    );
  });

  it('an option vulnledger does not know is reported and recorded, not applied; Notion shows the ledger again', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10001');
    h.clock.advance(60_000);
    h.fake.editPageAsPerson(page.id, { 'Triage status': { select: { name: 'Someday' } }, Owner: rich('suzuki') });
    h.clock.advance(60_000);
    const r = await h.sync();
    expect(r.rejected).toEqual([
      { caseKey: 'CVE-2026-10001', field: 'triage.status', value: 'Someday', actor: `notion:${PERSON_NAME}`, reason: expect.stringContaining('"Someday" is not a triage status vulnledger knows') },
    ]);
    const record = (await h.store.getCase('CVE-2026-10001'))!;
    expect([record.triage.status, record.triage.owner]).toEqual(['new', 'suzuki']);
    expect((await history('CVE-2026-10001')).map((e) => [e.actor, e.field, e.oldValue, e.newValue])).toEqual([
      [`notion:${PERSON_NAME}`, 'notion.rejected.triage.status', 'new', 'Someday: "Someday" is not a triage status vulnledger knows (New, Triaging, In progress, Risk accepted, False positive, Not affected, Fixed)'],
      [`notion:${PERSON_NAME}`, 'triage.owner', null, 'suzuki'],
    ]);
    expect(prop(pageOf(h, 'CVE-2026-10001'), 'Triage status')).toBe('New');
  });

  it('risk accepted needs an expiry: refused alone, applied with リスク受容期限 (core triage rules)', async () => {
    h = await harness({ cases: 2, config: { propertyNames: 'ja' } });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10000');
    h.clock.advance(60_000);
    h.fake.editPageAsPerson(page.id, { ステータス: { select: { name: 'リスク受容' } } });
    h.clock.advance(60_000);
    const refused = await h.sync();
    expect(refused.rejected.map((x) => x.reason)).toEqual(['status risk_accepted needs an acceptance expiry (--accept-until YYYY-MM-DD)']);
    h.clock.advance(60_000);
    h.fake.editPageAsPerson(page.id, { ステータス: { select: { name: 'リスク受容' } }, リスク受容期限: { date: { start: '2027-03-31' } } });
    h.clock.advance(60_000);
    const applied = await h.sync();
    expect(applied.applied[0]!.changes.map((c) => c.field)).toEqual(['triage.acceptedUntil', 'triage.status']);
    expect((await h.store.getCase('CVE-2026-10000'))!.triage).toMatchObject({ status: 'risk_accepted', acceptedUntil: '2027-03-31' });
  });

  it('a machine-owned field edited in Notion is put back from the ledger', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10001');
    h.clock.advance(60_000);
    h.fake.editPageAsPerson(page.id, { Severity: { select: { name: 'Low' } }, CVSS: { number: 1 } });
    h.clock.advance(60_000);
    h.reset();
    const r = await h.sync();
    expect([r.applied.length, r.updated]).toEqual([0, 1]);
    expect((h.writes()[0]!.body as { properties: object }).properties).toEqual({ Severity: { select: { name: 'High' } }, CVSS: { number: 7.5 } });
    expect(prop(pageOf(h, 'CVE-2026-10001'), 'Severity')).toBe('High');
  });
});

describe('the pull watermark', () => {
  it('an edit made in the same minute as the previous sync is not missed', async () => {
    h = await harness({ cases: 2 });
    h.clock.set('2026-11-30T10:00:10.000Z');
    await h.sync();
    h.clock.set('2026-11-30T10:00:50.000Z');
    h.fake.editPageAsPerson(pageOf(h, 'CVE-2026-10001').id, { Owner: rich('sato') });
    const r = await h.sync();
    expect(r.applied.map((a) => a.changes)).toEqual([[{ field: 'triage.owner', oldValue: null, newValue: 'sato' }]]);
    expect(await h.store.transaction((tx) => tx.mirror('notion').get('watermark'))).toBe('2026-11-30T09:58:00.000Z');
  });

  it("follows Notion's clock (the Date header), not ours: a machine an hour ahead misses nothing", async () => {
    h = await harness({ cases: 2 });
    const ahead = { now: () => new Date(h.clock.now().getTime() + 3600_000) };
    const { createNotionMirror } = await import('../mirrors/notion/index.js');
    const { syncMirror } = await import('./mirror.js');
    const mirror = createNotionMirror(h.config, { ...h.deps, clock: ahead });
    const sync = () => syncMirror(h.store, mirror, { clock: ahead, log: h.log, minSeverity: 'High' });
    await sync();
    h.clock.advance(60_000);
    h.fake.editPageAsPerson(pageOf(h, 'CVE-2026-10000').id, { 'Response date': { date: { start: '2026-11-30' } } });
    h.clock.advance(60_000);
    const r = await sync();
    expect(r.applied.map((a) => [a.caseKey, a.changes.map((c) => c.newValue)])).toEqual([['CVE-2026-10000', ['2026-11-30']]]);
  });
});

describe('conflicts: both sides changed a field since the last sync', () => {
  it('the newer change wins and both values go to history', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    const page = pageOf(h, 'CVE-2026-10000');

    // ledger at 10:05, Notion at 10:07 → Notion wins
    h.clock.set('2026-11-30T10:05:00.000Z');
    await triageCase(h.store, 'CVE-2026-10000', { owner: 'sato' }, { actor: 'sato', clock: h.clock });
    h.clock.set('2026-11-30T10:07:10.000Z');
    h.fake.editPageAsPerson(page.id, { Owner: rich('suzuki') });
    h.clock.set('2026-11-30T10:08:00.000Z');
    const first = await h.sync();
    expect(first.conflicts).toEqual([{ caseKey: 'CVE-2026-10000', field: 'triage.owner', ledger: 'sato', remote: 'suzuki', actor: `notion:${PERSON_NAME}`, kept: 'remote' }]);
    expect((await h.store.getCase('CVE-2026-10000'))!.triage.owner).toBe('suzuki');

    // Notion at 10:10, ledger at 10:12 → the ledger wins and Notion is set back
    h.clock.set('2026-11-30T10:10:00.000Z');
    h.fake.editPageAsPerson(page.id, { Owner: rich('tanaka') });
    h.clock.set('2026-11-30T10:12:00.000Z');
    await triageCase(h.store, 'CVE-2026-10000', { owner: 'ito' }, { actor: 'ito', clock: h.clock });
    h.clock.set('2026-11-30T10:13:00.000Z');
    const second = await h.sync();
    expect(second.conflicts.map((c) => [c.ledger, c.remote, c.kept])).toEqual([['ito', 'tanaka', 'ledger']]);
    expect((await h.store.getCase('CVE-2026-10000'))!.triage.owner).toBe('ito');
    expect(prop(pageOf(h, 'CVE-2026-10000'), 'Owner')).toBe('ito');

    expect((await history('CVE-2026-10000')).map((e) => [e.actor, e.field, e.oldValue, e.newValue])).toEqual([
      ['sato', 'triage.owner', null, 'sato'],
      ['vulnledger', 'notion.conflict.triage.owner', 'ledger: sato (changed 2026-11-30T10:05:00.000Z)', `Notion: suzuki (notion:${PERSON_NAME}, edited 2026-11-30T10:07:00.000Z); kept the Notion value`],
      [`notion:${PERSON_NAME}`, 'triage.owner', 'sato', 'suzuki'],
      ['ito', 'triage.owner', 'suzuki', 'ito'],
      ['vulnledger', 'notion.conflict.triage.owner', 'ledger: ito (changed 2026-11-30T10:12:00.000Z)', `Notion: tanaka (notion:${PERSON_NAME}, edited 2026-11-30T10:10:00.000Z); kept the ledger's value`],
    ]);
  });
});

describe('adopting pages that already exist', () => {
  it('pages of the old setup (keyed by CVE ID, duplicated weekly) are adopted, their triage taken, never duplicated', async () => {
    h = await harness({ cases: 3, config: { propertyNames: 'ja' } });
    const create = (key: string, status: string) =>
      fetch(`${h.fake.url}/v1/pages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.config.token}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' },
        body: JSON.stringify({ parent: { data_source_id: h.ids.dataSourceId }, properties: { 'CVE ID': { title: [{ text: { content: key } }] }, ステータス: { select: { name: status } } } }),
      }).then((r) => r.json() as Promise<{ id: string }>);
    h.clock.set('2026-11-16T06:00:00.000Z');
    const old = await create('CVE-2026-10001', '未対応');
    h.clock.set('2026-11-23T06:00:00.000Z');
    const newer = await create('CVE-2026-10001', '対応中');
    h.fake.editPageAsPerson(newer.id, { 担当者: rich('sato') });
    h.clock.set('2026-11-30T10:30:00.000Z');
    h.reset();
    const r = await h.sync();
    expect([r.created, r.adopted]).toEqual([2, 1]);
    expect(r.duplicates).toEqual([{ caseKey: 'CVE-2026-10001', pageIds: [old.id] }]);
    expect(h.pages()).toHaveLength(4);
    expect((await h.store.getCase('CVE-2026-10001'))!.triage).toMatchObject({ status: 'in_progress', owner: 'sato' });
    const adopted = h.fake.page(newer.id) as { properties: Record<string, Record<string, unknown>> };
    expect([prop(adopted, '重要度'), prop(adopted, 'ステータス'), prop(adopted, '担当者')]).toEqual(['High', '対応中', 'sato']);
    expect(h.fake.blocks(newer.id).map((b) => b.type)).toEqual(['heading_3', 'table']);

    h.clock.advance(60_000);
    h.reset();
    const rerun = await h.sync();
    expect([rerun.created, rerun.adopted, rerun.updated]).toEqual([0, 0, 0]);
    expect(h.writes()).toEqual([]);
  });

  it('a case added later is looked up by key before its page is created (one query for all new cases)', async () => {
    h = await harness({ cases: 2 });
    await h.sync();
    h.clock.advance(60_000);
    await runWith(h.store, [0, 1, 2, 3].map((i) => syntheticFinding(i)), { clock: h.clock, log: h.log });
    h.reset();
    const r = await h.sync();
    expect(r.created).toBe(2);
    const queries = h.fake.requests.filter((q) => q.path.endsWith('/query')).map((q) => q.body as { filter: unknown });
    expect(queries[1]!.filter).toEqual({ or: [{ property: 'CVE ID', title: { equals: 'CVE-2026-10002' } }, { property: 'CVE ID', title: { equals: 'machine:CVE-2026-10003' } }] });
  });
});

describe('pull paging', () => {
  it('reads every edited page past the query cap (10,000 in Notion; 5 here), re-querying the older part', async () => {
    h = await harness({ cases: 12, fake: { queryCap: 5 } });
    await h.sync();
    h.clock.advance(60_000);
    for (const [i, page] of h.pages().entries()) {
      h.clock.advance(i % 3 === 0 ? 60_000 : 0);
      h.fake.editPageAsPerson(page.id, { Owner: rich(`owner-${i}`) });
    }
    h.clock.advance(60_000);
    h.reset();
    const r = await h.sync();
    expect([r.pulled, r.applied.length, r.error]).toEqual([12, 12, null]);
    const bounds = h.fake.requests.filter((q) => q.path.endsWith('/query')).map((q) => JSON.stringify((q.body as { filter: unknown }).filter));
    expect(bounds.length).toBeGreaterThan(2);
    expect(bounds.slice(1).every((b) => b.includes('on_or_before'))).toBe(true);
  });
});
