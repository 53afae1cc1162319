/** `notion setup` against the fake Notion with the real SDK: create, extend, adopt — never delete. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNotion, type FakeNotion } from '../../../test/fakes/notion/index.js';
import { TOKEN, testClock } from '../../../test/helpers/notion.js';
import { nullLogger } from '../../util/logger.js';
import { NotionMirrorConfig } from './config.js';
import { FIELD_SPECS } from './fields.js';
import { notionChecks, notionSetup } from './index.js';

let fake: FakeNotion;
afterEach(async () => fake?.close());

const clock = testClock('2026-11-30T10:00:00.000Z');
const deps = { log: nullLogger, clock, client: { sdkRetry: { maxRetries: 1, initialRetryDelayMs: 5, maxRetryDelayMs: 20 }, retries: 1, backoffMs: 5 } };

async function start(properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  fake = await startFakeNotion({ token: TOKEN, clock });
  const ids = fake.createDatabase({ title: 'Vulns', properties });
  const config = NotionMirrorConfig.parse({ type: 'notion', token: TOKEN, database: ids.databaseId, baseUrl: fake.url, requestsPerSecond: 50, ...extra });
  return { ids, config };
}

type SchemaOut = Record<string, { id: string; type: string; select?: { options: Array<{ id: string; name: string; color: string }> }; status?: { options: Array<{ name: string }> } }>;
const schemaOf = (ids: { dataSourceId: string }): SchemaOut => fake.schema(ids.dataSourceId).properties as SchemaOut;

describe('notion setup', () => {
  it('creates every property in an empty database (title found by type), then has nothing left to do', async () => {
    const { ids, config } = await start({ Name: { title: {} } });
    const first = await notionSetup(config, deps);
    expect(first.changed).toBe(true);
    expect(first.plan.titleName).toBe('Name');
    expect(first.plan.add).toHaveLength(FIELD_SPECS.length);
    const schema = schemaOf(ids);
    expect(Object.fromEntries(Object.entries(schema).map(([n, p]) => [n, p.type]))).toEqual({
      Name: 'title', Severity: 'select', State: 'select', 'Triage status': 'select', 'Response required': 'select', Owner: 'rich_text',
      'Due date': 'date', 'Response date': 'date', 'Accepted until': 'date', 'First seen': 'date', 'Last seen': 'date', Resolved: 'date',
      Resources: 'multi_select', Repositories: 'multi_select', 'Resource groups': 'multi_select', Subscriptions: 'multi_select', Databases: 'multi_select',
      Description: 'rich_text', Impact: 'rich_text', Remediation: 'rich_text', Evidence: 'rich_text', Justification: 'rich_text', CVSS: 'number', EPSS: 'number', KEV: 'checkbox', Links: 'url',
    });
    expect(schema['Triage status']!.select!.options.map((o) => [o.name, o.color])).toEqual([
      ['New', 'gray'], ['Triaging', 'yellow'], ['In progress', 'blue'], ['Risk accepted', 'purple'], ['False positive', 'pink'], ['Not affected', 'brown'], ['Fixed', 'green'],
    ]);
    expect(first.requests).toEqual({ reads: 2, writes: 1 });
    fake.requests.length = 0;
    const again = await notionSetup(config, deps);
    expect([again.changed, again.plan.add.length, again.plan.extend.length]).toEqual([false, 0, 0]);
    expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('adopts a hand-built Japanese database: keeps its properties, options and values, adds ours, reports what it added', async () => {
    const { ids, config } = await start(
      {
        'CVE ID': { title: {} },
        ステータス: { select: { options: [{ name: '未対応', color: 'gray' }, { name: '対応中', color: 'blue' }, { name: '保留', color: 'pink' }] } },
        重要度: { select: { options: [{ name: 'High', color: 'orange' }, { name: 'Critical', color: 'red' }] } },
        対応日: { date: {} },
        エビデンス: { rich_text: {} },
        メモ: { rich_text: {} },
        対応要否: { checkbox: {} },
      },
      { propertyNames: 'ja' },
    );
    const before = schemaOf(ids);
    const page = fake.editPageAsPerson(
      (await createPage(ids.dataSourceId, 'CVE-2024-6119', { ステータス: { select: { name: '保留' } } })).id,
      { メモ: { rich_text: [{ text: { content: 'ask the app team' } }] } },
    );
    const report = await notionSetup(config, deps);
    expect(report.plan.titleName).toBe('CVE ID');
    expect(report.plan.matched.map((m) => m.name)).toEqual(['重要度', 'ステータス', '対応日', 'エビデンス']);
    expect(report.plan.extend).toEqual([
      { field: 'severity', name: '重要度', added: ['Medium', 'Low', 'Unknown'] },
      { field: 'status', name: 'ステータス', added: ['新規', '調査中', 'リスク受容', '誤検知', '影響なし', '対応済み'] },
    ]);
    expect(report.plan.mistyped).toEqual([{ field: 'responseRequired', name: '対応要否', actual: 'checkbox', expected: ['select', 'status'] }]);
    const after = schemaOf(ids);
    // existing options keep their ids and colours; ours are appended; nothing a person added is gone
    expect(after.ステータス!.select!.options.slice(0, 3)).toEqual(before.ステータス!.select!.options);
    expect(after.ステータス!.select!.options.map((o) => o.name)).toEqual(['未対応', '対応中', '保留', '新規', '調査中', 'リスク受容', '誤検知', '影響なし', '対応済み']);
    expect(after.メモ!.type).toBe('rich_text');
    expect(after.対応要否!.type).toBe('checkbox');
    expect(Object.keys(after)).toContain('対象リソース');
    const kept = fake.page(page.id as string) as { properties: Record<string, { select?: { name: string }; rich_text?: Array<{ plain_text: string }> }> };
    expect(kept.properties.ステータス!.select!.name).toBe('保留');
    expect(kept.properties.メモ!.rich_text![0]!.plain_text).toBe('ask the app team');
    // the select update sent the existing options (by id) plus the new ones
    const patch = fake.requests.find((r) => r.method === 'PATCH')!.body as { properties: Record<string, { select?: { options: Array<Record<string, string>> } }> };
    expect(patch.properties.ステータス!.select!.options.slice(0, 3)).toEqual(before.ステータス!.select!.options.map((o) => ({ id: o.id, name: o.name })));
  });

  it('a status-type property is kept; values without an option are reported (the API cannot add them)', async () => {
    const { ids, config } = await start({ 'CVE ID': { title: {} }, 'Triage status': { status: {} } });
    const report = await notionSetup(config, deps);
    expect(report.plan.statusGaps).toEqual([{ field: 'status', name: 'Triage status', missing: ['Triaging', 'Risk accepted', 'False positive', 'Not affected'] }]);
    expect(schemaOf(ids)['Triage status']!.type).toBe('status');
    const patch = fake.requests.find((r) => r.method === 'PATCH')!.body as { properties: Record<string, unknown> };
    expect(patch.properties['Triage status']).toBeUndefined();
  });

  it('accepts a data source id as "database"; a database with two data sources is refused with their ids', async () => {
    const { ids, config } = await start({ 'CVE ID': { title: {} } });
    const viaSource = await notionSetup({ ...config, database: ids.dataSourceId }, deps);
    expect(viaSource.target.dataSourceId).toBe(ids.dataSourceId);
    const second = fake.addDataSource(ids.databaseId, { title: 'Archive', properties: { Name: { title: {} } } });
    await expect(notionSetup(config, deps)).rejects.toThrow(`Notion database "Vulns" has 2 data sources: "Vulns" (${ids.dataSourceId}), "Archive" (${second}). Put the id of the one vulnledger should use in "database".`);
  });

  it('doctor: fails on a wrong token, an unshared database and a missing schema; never writes', async () => {
    const { config } = await start({ 'CVE ID': { title: {} }, Severity: { rich_text: {} } });
    const run = async (c: NotionMirrorConfig) => (await notionChecks(c, deps)[0]!.run(new AbortController().signal)) as Array<{ status: string; detail: string }>;
    const bad = await run({ ...config, token: 'secret_wrong_token_000000' });
    expect(bad).toEqual([{ name: 'mirror notion: Notion database', status: 'fail', detail: expect.stringMatching(/^the token is not accepted: GET \/v1\/databases\/.* 401 unauthorized/) }]);
    expect(bad[0]!.detail).not.toContain('secret_wrong_token_000000');
    const unshared = await run({ ...config, database: '00000000-0000-4000-8000-000000000000' });
    expect(unshared[0]!.detail).toMatch(/^the database is not found or not shared with the integration: .*share the database with the integration/);
    const schema = await run(config);
    expect(schema[0]).toMatchObject({ status: 'ok', detail: expect.stringContaining('"Vulns" is shared with the integration') });
    expect(schema[1]).toMatchObject({ name: 'mirror notion: schema', status: 'fail' });
    expect(schema[1]!.detail).toMatch(/^missing: State \(select\), Triage status \(select\), .*; "Severity" is rich_text; vulnledger writes select$/);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
  });
});

async function createPage(dataSourceId: string, key: string, properties: Record<string, unknown>): Promise<{ id: string }> {
  const res = await fetch(`${fake.url}/v1/pages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' },
    body: JSON.stringify({ parent: { data_source_id: dataSourceId }, properties: { 'CVE ID': { title: [{ text: { content: key } }] }, ...properties } }),
  });
  return (await res.json()) as { id: string };
}
