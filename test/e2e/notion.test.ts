/**
 * Issue 6 "Done when", through the CLI as a user runs it, on the demo data: the demo ledger syncs
 * one page per case; an unchanged rerun writes nothing; a status and 対応日 edited in Notion appear
 * in `show` and `history` after the next run; pages created by a sync that stopped before
 * recording them are adopted, never duplicated.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSON_NAME, startFakeNotion, type FakeNotion } from '../fakes/notion/index.js';
import { DEFAULT_CONFIG, workspace, type Workspace } from '../helpers/cli.js';
import { TOKEN, testClock } from '../helpers/notion.js';
import { notionPageLinks } from '../../src/cli/mirrors.js';
import { STARTER_CONFIG } from '../../src/cli/init-template.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { openSqliteLedger } from '../../src/store/sqlite.js';
import { nullLogger } from '../../src/util/logger.js';

const WEEKS = [['week-0-grouped', '2026-07-27T06:00:00Z'], ['week-1', '2026-11-16T06:00:00Z'], ['week-2', '2026-11-23T06:00:00Z']] as const;

const MIRROR = `${DEFAULT_CONFIG}mirrors:
  - type: notion
    token: \${NOTION_TOKEN}
    database: \${NOTION_DATABASE}
    baseUrl: \${NOTION_BASE_URL}
    propertyNames: ja
    requestsPerSecond: 50
`;

let fake: FakeNotion;
let ws: Workspace;
let env: NodeJS.ProcessEnv;
let dataSourceId: string;
const clock = testClock('2026-11-23T07:00:00.000Z');

const writes = () => fake.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/query'));
const title = (p: Record<string, unknown>) => ((p.properties as Record<string, { title?: Array<{ plain_text: string }> }>)['CVE ID']!.title ?? []).map((t) => t.plain_text).join('');

beforeAll(async () => {
  fake = await startFakeNotion({ token: TOKEN, clock });
  const ids = fake.createDatabase({ title: 'Vulns', properties: { 'CVE ID': { title: {} } } });
  dataSourceId = ids.dataSourceId;
  env = { NOTION_TOKEN: TOKEN, NOTION_DATABASE: `https://www.notion.so/acme/Vulns-${ids.databaseId.replace(/-/g, '')}?v=0123456789abcdef0123456789abcdef`, NOTION_BASE_URL: fake.url };
  ws = workspace();
  for (const [week, at] of WEEKS) {
    ws.useWeek(week);
    expect((await ws.run(['--now', at, 'run'])).code).toBe(0);
  }
  ws.writeConfig(MIRROR);
});

afterAll(async () => fake?.close());

describe('the Notion mirror through the CLI (demo data)', () => {
  it('doctor points at `notion setup`; setup adds the Japanese schema; doctor is then happy', async () => {
    const before = await ws.run(['doctor'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/ok {4}mirror notion: Notion database: "Vulns" is shared with the integration/);
    expect(before.stdout).toMatch(/FAIL {2}mirror notion: schema: missing: 重要度 \(select\), 状態 \(select\), ステータス \(select\), 対応要否 \(select\)/);
    expect(before.stdout).toContain('fix: Run `vulnledger notion setup`');
    expect(before.stdout + before.stderr).not.toContain(TOKEN);

    const setup = await ws.run(['notion', 'setup'], env);
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain('title property "CVE ID" holds the case key');
    expect(setup.stdout).toMatch(/added 25 properties: 重要度 \(select\), 状態 \(select\), ステータス \(select\), 対応要否 \(select\), 担当者 \(rich_text\), 対応期限 \(date\), 対応日 \(date\)/);
    expect(setup.stdout).toContain('Nothing was deleted.');
    const after = await ws.run(['doctor'], env);
    expect(after.stdout).toMatch(/ok {4}mirror notion: schema: all 25 properties present; the title "CVE ID" holds the case key/);
  });

  it('run: the demo ledger syncs one page per case; an unchanged rerun writes nothing', async () => {
    fake.requests.length = 0;
    const first = await ws.run(['--now', WEEKS[2][1], 'run'], env);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Notion mirror "notion": pulled 0 pages · applied 0 changes to 0 cases · created 14 · updated 0 · unchanged 0 · 17 requests \(3 read, 14 write\)/);
    const pages = fake.pages(dataSourceId);
    expect(pages.map(title).sort()).toEqual([
      'CVE-2023-45288', 'CVE-2023-4911', 'CVE-2024-45490', 'CVE-2024-5535', 'CVE-2024-6119', 'CVE-2025-27587',
      'machine:CVE-2024-5274', 'machine:CVE-2024-6387', 'machine:CVE-2025-26465', 'machine:CVE-2026-1234', 'machine:CVE-2026-1235', 'machine:CVE-2026-2001',
      'sql:sql-prod-01:VA2065', 'sql:sql-prod-01:VA2108',
    ]);

    clock.set('2026-11-23T07:05:00.000Z');
    fake.requests.length = 0;
    const rerun = await ws.run(['--now', WEEKS[2][1], 'run'], env);
    expect(rerun.stdout).toContain('No changes since the last run.');
    expect(rerun.stdout).toMatch(/created 0 · updated 0 · unchanged 14 · 1 request \(1 read, 0 write\)/);
    expect(writes()).toEqual([]);
  });

  it('a status and 対応日 edited in Notion appear in `show` and `history` after the next run', async () => {
    clock.set('2026-11-24T01:30:00.000Z');
    const page = fake.pages(dataSourceId).find((p) => title(p) === 'CVE-2024-6119')!;
    fake.editPageAsPerson(page.id as string, { ステータス: { select: { name: '対応中' } }, 対応日: { date: { start: '2026-11-24' } } });
    clock.set('2026-11-24T02:00:00.000Z');
    const run = await ws.run(['--now', '2026-11-24T02:00:00Z', 'run'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`CVE-2024-6119  triage.status: new → in_progress  (notion:${PERSON_NAME})`);
    expect(run.stdout).toContain(`CVE-2024-6119  triage.respondedAt: ∅ → 2026-11-24  (notion:${PERSON_NAME})`);

    const show = await ws.run(['show', 'CVE-2024-6119'], env);
    expect(show.stdout).toMatch(/status in progress .* responded 2026-11-24/s);
    const history = await ws.run(['history', 'CVE-2024-6119'], env);
    expect(history.stdout).toMatch(new RegExp(`2026-11-24 02:00:00  notion:${PERSON_NAME}\\s+triage.respondedAt: ∅ → 2026-11-24`));
    expect(history.stdout).toMatch(new RegExp(`2026-11-24 02:00:00  notion:${PERSON_NAME}\\s+triage.status: new → in_progress`));
  });

  it('a sync that stopped before recording its pages: `notion sync` adopts them all, creates none', async () => {
    const db = new Database(path.join(ws.dir, 'ledger.db'));
    try {
      db.prepare('delete from mirror_pages').run();
      db.prepare("delete from mirror_state where key = 'watermark'").run();
    } finally {
      db.close();
    }
    clock.set('2026-11-24T03:00:00.000Z');
    fake.requests.length = 0;
    const sync = await ws.run(['--now', '2026-11-24T03:00:00Z', 'notion', 'sync'], env);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/pulled 14 pages · applied 0 changes to 0 cases · created 0 · adopted 14 · updated 0/);
    expect(fake.pages(dataSourceId)).toHaveLength(14);
    expect(writes().filter((w) => w.path === '/v1/pages')).toEqual([]);
  });

  it('the starter config’s mirrors example is valid once uncommented', () => {
    const lines = STARTER_CONFIG.split('\n');
    const from = lines.indexOf('# mirrors:');
    const block = lines.slice(from, lines.indexOf('', from)).map((l) => l.replace(/^# ?/, '')).join('\n');
    const { config } = parseConfig(block.replace('<the database link or id>', '0123456789abcdef0123456789abcdef'), '/x/vulnledger.yaml', { NOTION_TOKEN: 'secret_starter_token_1' });
    expect(config.mirrors).toEqual([expect.objectContaining({ type: 'notion', token: 'secret_starter_token_1', propertyNames: 'en', minSeverity: 'High', requestsPerSecond: 3 })]);
  });

  it('notifications can link a case to its page (the lookup `caseLinkLookup` uses)', async () => {
    const loaded = loadConfig(path.join(ws.dir, 'vulnledger.yaml'), env);
    const { store } = await openSqliteLedger(path.join(ws.dir, 'ledger.db'), { clock, log: nullLogger });
    try {
      const links = await notionPageLinks(loaded, store)!(['CVE-2024-6119', 'CVE-0000-0000']);
      const page = fake.pages(dataSourceId).find((p) => title(p) === 'CVE-2024-6119')!;
      expect([...links]).toEqual([['CVE-2024-6119', page.url]]);
    } finally {
      await store.close();
    }
  });
});
