/**
 * Issue 5 "Done when", on the demo dataset, through the CLI in-process, with the real clients
 * against the fake Slack, Teams and webhook servers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEMO_DATA, REPO_ROOT, workspace, type Workspace } from '../helpers/cli.js';
import { STARTER_CONFIG } from '../../src/cli/init-template.js';
import { parseConfig } from '../../src/config/load.js';
import { checkSlackBlocks, slackBlocksLength, startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/slack.js';
import { startFakeTeams, type FakeTeams } from '../fakes/teams.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../fakes/webhook-receiver.js';
import { verifySignature } from '../../src/notifiers/webhook/sign.js';

const WEEK0 = '2026-07-27T06:00:00Z';
const WEEK1 = '2026-11-16T06:00:00Z';
const WEEK2 = '2026-11-23T06:00:00Z';
const TOKEN = 'xoxb-fake-token';
const SECRET = 'webhook-secret-0123456789abcdef-0123';

let slack: FakeSlack;
let teams: FakeTeams;
let hook: FakeWebhookReceiver;

beforeAll(async () => {
  slack = await startFakeSlack({ channels: [{ id: 'C0SECVULN', name: 'sec-vuln' }], hooks: [{ name: 'alerts' }] });
  teams = await startFakeTeams();
  hook = await startFakeWebhookReceiver();
});
afterAll(async () => {
  await Promise.all([slack.close(), teams.close(), hook.close()]);
});
beforeEach(() => {
  slack.reset();
  teams.reset();
  hook.reset();
});

const env = () => ({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_WEBHOOK_URL: slack.webhookUrl('alerts'), TEAMS_WEBHOOK_URL: teams.webhookUrl(), WEBHOOK_URL: hook.url, WEBHOOK_SECRET: SECRET });

const SLACK_BOT = `
notify:
  - type: slack
    token: \${SLACK_BOT_TOKEN}
    channel: C0SECVULN
    apiUrl: \${SLACK_API_URL}
    retries: 0
`;

async function run(ws: Workspace, week: string, at: string, extra: string[] = []) {
  ws.useWeek(week);
  const r = await ws.run(['--now', at, ...extra, 'run'], env());
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return r;
}

/** Case keys of the events of the latest run, from the ledger itself (optionally of one severity). */
function lastRunEventKeys(ws: Workspace, severity?: string): string[] {
  const db = new Database(path.join(ws.dir, 'ledger.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `select distinct e.case_key from events e join cases c on c.key = e.case_key
         where e.run_id = (select id from runs order by started_at desc, id desc limit 1) ${severity ? 'and c.severity = ?' : ''} order by e.case_key`,
      )
      .all(...(severity ? [severity] : [])) as Array<{ case_key: string }>;
    return rows.map((r) => r.case_key);
  } finally {
    db.close();
  }
}

/** The case keys a Slack message lists (each case section starts with its events and severity). */
function keysIn(messages: readonly SlackMessage[]): string[] {
  const keys: string[] = [];
  for (const m of messages) {
    for (const b of (m.blocks ?? []) as Array<{ type: string; text?: { text: string } }>) {
      if (b.type !== 'section' || !b.text) continue;
      const first = b.text.text.split('\n')[0]!;
      const match = /· ([^·]+)$/.exec(first);
      if (match && /\n/.test(b.text.text)) keys.push(match[1]!.replace(/<https:\/\/nvd\.nist\.gov\/vuln\/detail\/[^|]+\|([^>]+)>/, '$1').trim());
    }
  }
  return keys.sort();
}

function topLevel(channel: string): SlackMessage[] {
  return slack.messages(channel).filter((m) => m.parentTs === undefined);
}

describe('notifications on the demo (Slack bot, threads)', () => {
  it('week 1 sends one summary with its details; an unchanged rerun sends nothing; week 2 sends exactly its changes', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT);
    await run(ws, 'week-0-grouped', WEEK0);
    slack.reset();

    const week1 = await run(ws, 'week-1', WEEK1);
    const [summary, ...others] = topLevel('C0SECVULN');
    expect(others).toEqual([]);
    expect(summary!.text).toContain('New 6');
    expect(summary!.text).toContain('Resolved 3');
    expect(summary!.text).toContain('Overdue 3');
    const replies = slack.threadReplies(summary!.ts);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(keysIn(replies)).toEqual(lastRunEventKeys(ws));
    expect(week1.stdout).toMatch(/Notifications: notify:slack \d+ sent/);
    for (const m of slack.messages()) {
      expect(checkSlackBlocks(m.blocks)).toEqual([]);
      expect(slackBlocksLength(m.blocks ?? [])).toBeLessThanOrEqual(12_000);
    }

    slack.reset();
    const again = await run(ws, 'week-1', WEEK1);
    expect(slack.messages()).toEqual([]);
    expect(slack.requests()).toEqual([]);
    expect(again.stdout).not.toContain('Notifications:');

    await run(ws, 'week-2', WEEK2);
    const [summary2, ...more2] = topLevel('C0SECVULN');
    expect(more2).toEqual([]);
    expect(summary2!.text).toMatch(/^vulnledger: what changed · 2026-11-23: New 2, Reopened 1, Overdue 1, Due soon 1, Resolved 3 \(Run \S+: ok\)$/);
    const keys2 = keysIn(slack.threadReplies(summary2!.ts));
    expect(keys2).toEqual(lastRunEventKeys(ws));
    expect(keys2).toEqual(expect.arrayContaining(['machine:CVE-2026-2001', 'sql:sql-prod-01:VA2108', 'CVE-2024-45490']));
  });

  it('a Slack outage during week 2 leaves entries pending and the next run delivers them once', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT);
    await run(ws, 'week-0-grouped', WEEK0);
    await run(ws, 'week-1', WEEK1);
    slack.reset();
    slack.failApi('chat.postMessage', { type: 'http', status: 503 }, Infinity);

    const week2 = await run(ws, 'week-2', WEEK2);
    expect(week2.stdout).toMatch(/notify:slack: not delivered, retried by the next run after 2026-11-23T06:0\d:\d\d/);
    expect(slack.messages()).toEqual([]);
    const expected = lastRunEventKeys(ws);
    const outbox = await ws.run(['--now', WEEK2, 'outbox', '--json'], env());
    const entries = JSON.parse(outbox.stdout) as Array<{ status: string; lastError: string | null; channel: string }>;
    expect(entries.map((e) => e.status)).toEqual(['retrying', 'pending']);
    expect(entries[0]!.lastError).toBe('Slack chat.postMessage answered HTTP 503 Service Unavailable');
    expect(outbox.stdout).not.toContain(TOKEN);

    slack.reset();
    // The next weekly job (same exports, an hour later): nothing new, the pending messages go out once.
    const next = await run(ws, 'week-2', '2026-11-23T07:00:00Z');
    expect(next.stdout).toMatch(/Notifications: notify:slack 2 sent/);
    const [summary, ...others] = topLevel('C0SECVULN');
    expect(others).toEqual([]);
    expect(summary!.text).toContain('2026-11-23: New 2, Reopened 1');
    expect(keysIn(slack.threadReplies(summary!.ts))).toEqual(expected);
    expect((await ws.run(['outbox'], env())).stdout).toContain('Nothing waiting');

    slack.reset();
    await run(ws, 'week-2', '2026-11-23T08:00:00Z');
    expect(slack.requests()).toEqual([]);
  });
});

describe('routing to several channels, and report --send', () => {
  const SEVERAL = `
notify:
  - type: slack
    name: critical-only
    webhookUrl: \${SLACK_WEBHOOK_URL}
    minSeverity: Critical
    retries: 0
  - type: teams
    name: machines
    webhookUrl: \${TEAMS_WEBHOOK_URL}
    kinds: [machine]
    events: [case.new, case.resolved]
    retries: 0
  - type: webhook
    name: siem
    url: \${WEBHOOK_URL}
    secret: \${WEBHOOK_SECRET}
    retries: 0
`;

  it('each channel gets its own share of week 2, signed where it is a webhook', async () => {
    const ws = workspace(DEFAULT_CONFIG + SEVERAL);
    await run(ws, 'week-0-grouped', WEEK0);
    await run(ws, 'week-1', WEEK1);
    slack.reset();
    teams.reset();
    hook.reset();
    await run(ws, 'week-2', WEEK2);

    // Critical only: libexpat reopened (and overdue), the OpenSSH case due soon, the openssl CVE resolved.
    const slackMessages = slack.messages('alerts');
    expect(slackMessages).toHaveLength(2);
    expect(slackMessages[0]!.text).toMatch(/^vulnledger: what changed · 2026-11-23: Reopened 1, Overdue 1, Due soon 1, Resolved 1 /);
    expect(keysIn(slackMessages)).toEqual(['CVE-2024-45490', 'CVE-2024-5535', 'machine:CVE-2025-26465']);
    expect(keysIn(slackMessages)).toEqual(lastRunEventKeys(ws, 'Critical'));

    // Machines, new and resolved only: one card.
    const cards = teams.cards();
    expect(cards).toHaveLength(1);
    const cardText = JSON.stringify(cards[0]!.card);
    expect(cardText).toContain('machine:[CVE-2026-2001](https://nvd.nist.gov/vuln/detail/CVE-2026-2001)');
    expect(cardText).not.toContain('VA2108');

    // Everything, as one signed event.
    const [request] = hook.requests();
    expect(hook.requests()).toHaveLength(1);
    expect(verifySignature(request!.raw, request!.headers['x-vulnledger-signature'] as string, SECRET)).toBe(true);
    expect(verifySignature(request!.raw, request!.headers['x-vulnledger-signature'] as string, 'another-secret-0123456789')).toBe(false);
    const event = JSON.parse(request!.raw.toString('utf8'));
    expect(event).toMatchObject({ schemaVersion: 1, type: 'vulnledger.changes', part: 1, parts: 1, more: 0 });
    expect(request!.headers['x-vulnledger-delivery']).toBe(event.id);
    expect(Number(request!.headers['x-vulnledger-timestamp'])).toBe(Math.floor(Date.parse(event.sentAt) / 1000));
    expect(event.cases.map((c: { key: string }) => c.key).sort()).toEqual(lastRunEventKeys(ws));
    // The documented schema accepts it, and can fail.
    const validate = eventSchema();
    expect(validate(event), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    delete event.cases[0].triage.overdue;
    expect(validate(event)).toBe(false);
  });

  it('report --send delivers the full weekly list in as many messages as the limits require', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT.replace('retries: 0', 'retries: 0\n    quietWhenUnchanged: true'));
    await run(ws, 'week-0-grouped', WEEK0);
    await run(ws, 'week-1', WEEK1);
    await run(ws, 'week-2', WEEK2);
    slack.reset();
    const open = JSON.parse((await ws.run(['cases', '--json'], env())).stdout) as Array<{ key: string }>;

    const sent = await ws.run(['--now', WEEK2, 'report', '--send'], env());
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const [summary, ...others] = topLevel('C0SECVULN');
    expect(others).toEqual([]);
    expect(summary!.text).toBe('vulnledger: open cases · 2026-11-23: 9 open case(s) at or above High, 4 overdue.');
    expect(keysIn(slack.threadReplies(summary!.ts))).toEqual(open.map((c) => c.key).sort());

    // A second invocation is a new report (its own idempotency keys); the first is not re-sent.
    slack.reset();
    expect((await ws.run(['--now', WEEK2, 'report', '--send'], env())).code).toBe(0);
    expect(topLevel('C0SECVULN')).toHaveLength(1);
  });
});

describe('failures, the outbox command, and the weekly list', () => {
  it('a permanent failure is shown in the run summary and in `outbox`; --retry sends it once fixed; --drop gives up', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT);
    slack.setChannel('C0SECVULN', { isArchived: true });
    try {
      const week0 = await run(ws, 'week-0-grouped', WEEK0);
      expect(week0.stdout).toMatch(/notify:slack: FAILED (\w{10}) \(changes 1\/2\): Slack chat\.postMessage: is_archived\n {4}fix the cause, then `vulnledger outbox --retry \1`, or drop it with `vulnledger outbox --drop \1`/);
      expect(week0.stdout).toMatch(/notify:slack: 1 message\(s\) pending \(waits for \w+ \(failed\)\)/);
      const list = await ws.run(['outbox'], env());
      expect(list.stdout).toMatch(/^\w{10} +failed +notify:slack +changes 1\/2 +1 +2026-07-27 06:00Z +- +Slack chat\.postMessage: is_archived$/m);
      expect(list.stdout).toMatch(/^\w{10} +pending +notify:slack +changes 2\/2 \(6 case\(s\)\) +0 +2026-07-27 06:00Z +after \w{10}$/m);
      expect(list.stdout).toContain('2 entries, 1 failed.');
      expect(list.stdout).not.toContain(TOKEN);
    } finally {
      slack.setChannel('C0SECVULN', { isArchived: false });
    }
    // The next run does not retry a permanent failure by itself…
    const week1 = await run(ws, 'week-1', WEEK1);
    expect(week1.stdout).toContain('notify:slack: FAILED');
    expect(topLevel('C0SECVULN')).toHaveLength(1); // week 1's own summary went out
    // …a person does, once the channel is fixed.
    const [failed] = JSON.parse((await ws.run(['outbox', '--json'], env())).stdout) as Array<{ id: string; status: string }>;
    expect(failed!.status).toBe('failed');
    const retried = await ws.run(['--now', WEEK1, 'outbox', '--retry', failed!.id], env());
    expect(retried.code, retried.stdout).toBe(0);
    expect(retried.stdout).toBe('Notifications: notify:slack 2 sent\n');
    expect(topLevel('C0SECVULN')).toHaveLength(2);
    expect((await ws.run(['outbox'], env())).stdout).toContain('Nothing waiting');
    expect((await ws.run(['outbox', '--retry'], env())).stdout).toBe('Nothing to deliver.\n');

    // --drop: a week-2 summary that cannot be sent is given up, with its replies.
    slack.failApi('chat.postMessage', { type: 'error', error: 'channel_not_found' }, 1);
    await run(ws, 'week-2', WEEK2);
    const [summary] = JSON.parse((await ws.run(['outbox', '--json'], env())).stdout) as Array<{ id: string }>;
    const dropped = await ws.run(['outbox', '--drop', summary!.id], env());
    expect(dropped.stdout).toBe(`Dropped ${summary!.id} and 1 message(s) that follow it: it will not be delivered.\n`);
    expect((await ws.run(['outbox'], env())).stdout).toContain('Nothing waiting');
    const again = await ws.run(['outbox', '--drop', summary!.id], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: outbox entry ${summary!.id} is already dropped\n`);
    expect((await ws.run(['outbox', '--drop', 'nope'], env())).stderr).toBe('error: no outbox entry "nope"; list them with `vulnledger outbox`\n');
  });

  it('report prints the weekly list as text or Markdown, in English or Japanese', async () => {
    const ws = workspace(DEFAULT_CONFIG);
    await run(ws, 'week-0-grouped', WEEK0);
    await run(ws, 'week-1', WEEK1);
    await run(ws, 'week-2', WEEK2);
    const text = await ws.run(['--now', WEEK2, 'report']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').slice(0, 6)).toEqual([
      'vulnledger: open cases · 2026-11-23',
      '9 open case(s) at or above High, 4 overdue.',
      '',
      'Critical CVE-2024-45490  reopened  Status triaging  Due 2026-08-03 OVERDUE  Owner -',
      '         CVE-2024-45490 in expat',
      '         Resources: contosoprodacr.azurecr.io/web/frontend (rg-本番-東京)',
    ]);
    const md = await ws.run(['--now', WEEK2, 'report', '--format', 'md', '--min-severity', 'Critical']);
    expect(md.stdout).toBe(
      [
        '# vulnledger: open cases · 2026-11-23',
        '',
        '2 open case\\(s\\) at or above Critical, 1 overdue.',
        '',
        '| Severity | Case | Title | Resources | Status | Due | Overdue | Owner |',
        '|---|---|---|---|---|---|---|---|',
        '| Critical | [CVE-2024-45490](https://nvd.nist.gov/vuln/detail/CVE-2024-45490) | CVE-2024-45490 in expat | contosoprodacr.azurecr.io/web/frontend \\(rg-本番-東京\\) | triaging | 2026-08-03 | **OVERDUE** |  |',
        '| Critical | machine:[CVE-2025-26465](https://nvd.nist.gov/vuln/detail/CVE-2025-26465) | CVE-2025-26465: Machine-in-the-middle attack when VerifyHostKeyDNS is enabled | osk-db-02 \\(rg-オンプレ-大阪\\) | new | 2026-11-23 |  |  |',
        '',
      ].join('\n'),
    );
    ws.writeConfig(DEFAULT_CONFIG + 'language: ja\n');
    const ja = await ws.run(['--now', WEEK2, 'report']);
    expect(ja.stdout.split('\n').slice(0, 4)).toEqual([
      'vulnledger: 未解消の案件 · 2026-11-23',
      '高以上の未解消の案件 9 件（うち期限超過 4 件）。',
      '',
      '緊急     CVE-2024-45490  再発  ステータス 調査中  期限 2026-08-03 期限超過  担当 -',
    ]);
    expect((await ws.run(['report', '--send'])).stderr).toBe('error: no notifiers configured: add a `notify:` list to the config (README: Notifications)\n');
  });

  it('messages in Japanese', async () => {
    const ws = workspace(DEFAULT_CONFIG + 'language: ja\n' + SLACK_BOT);
    await run(ws, 'week-0-grouped', WEEK0);
    await run(ws, 'week-1', WEEK1);
    slack.reset();
    await run(ws, 'week-2', WEEK2);
    const [summary] = topLevel('C0SECVULN');
    expect(summary!.text).toMatch(/^vulnledger: 変更点 · 2026-11-23: 新規 2, 再発 1, 期限超過 1, 期限間近 1, 解消 3 \(実行 \S+: 正常\)$/);
    const reply = JSON.stringify(slack.threadReplies(summary!.ts)[0]!.blocks);
    expect(reply).toContain('*再発 · 期限超過* · *緊急* CVSS 9.8');
    expect(reply).toContain('ステータス: 調査中 · 期限: 2026-08-03 *期限超過*');
  });

  it('report --send splits a large list into as many messages as the limits require, each within them', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT + `  - type: teams
    webhookUrl: \${TEAMS_WEBHOOK_URL}
    retries: 0
    maxMessagesPerRun: 2
  - type: webhook
    name: siem
    url: \${WEBHOOK_URL}
    secret: \${WEBHOOK_SECRET}
    maxBytes: 65536
    retries: 0
`);
    ws.writeExport('machines.json', JSON.stringify(largeMachineExport(30, 60)));
    const first = await ws.run(['--now', WEEK1, 'run'], env());
    expect(first.code, first.stderr).toBe(0);
    // The run's own changes stop at maxMessagesPerRun: the last card sums up the rest.
    const runCards = teams.cards();
    expect(runCards).toHaveLength(2);
    expect(JSON.stringify(runCards[1]!.card.body)).toMatch(/…and \d+ more — the full list: `vulnledger cases`/);
    slack.reset();
    teams.reset();
    hook.reset();
    const sent = await ws.run(['--now', WEEK1, 'report', '--send'], env());
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);

    const [summary, ...others] = topLevel('C0SECVULN');
    expect(others).toEqual([]);
    const replies = slack.threadReplies(summary!.ts);
    expect(replies.length).toBeGreaterThan(5);
    expect(keysIn(replies)).toHaveLength(60);
    expect(new Set(keysIn(replies)).size).toBe(60);
    for (const m of slack.messages()) {
      expect(checkSlackBlocks(m.blocks)).toEqual([]);
      expect(slackBlocksLength(m.blocks ?? [])).toBeLessThanOrEqual(12_000);
    }
    // Each case names its 30 machines: as many as fit, then "…and N more".
    expect(JSON.stringify(replies[0]!.blocks)).toMatch(/…and \d+ more/);

    const cards = teams.cards();
    expect(cards.length).toBeGreaterThan(2);
    expect(teams.requests().every((r) => r.status === 202 && r.bytes <= 28 * 1024)).toBe(true);
    const cardCases = cards.flatMap((c) => (c.card.body as Array<{ type: string }>).filter((b) => b.type === 'Container')).length;
    expect(cardCases).toBe(60);

    const events = hook.accepted() as Array<{ part: number; parts: number; cases: unknown[] }>;
    const validate = eventSchema();
    for (const e of events) expect(validate(e), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.part)).toEqual(events.map((_, i) => i + 1));
    expect(events.reduce((n, e) => n + e.cases.length, 0)).toBe(60);
    expect(hook.requests().every((r) => r.raw.length <= 65_536)).toBe(true);
  });

  it('doctor checks each notifier without posting or printing a secret', async () => {
    const ws = workspace(DEFAULT_CONFIG + SLACK_BOT + `  - type: slack
    name: hook
    webhookUrl: \${SLACK_WEBHOOK_URL}
  - type: webhook
    url: \${WEBHOOK_URL}
    secret: \${WEBHOOK_SECRET}
`);
    const doctor = await ws.run(['doctor'], env());
    expect(doctor.stdout).toContain('ok    notify slack: token: auth.test ok: Fake Workspace as vulnledger');
    expect(doctor.stdout).toContain('ok    notify slack: channel: #sec-vuln: the app is a member');
    expect(doctor.stdout).toMatch(/warn {2}notify hook: webhook URL: not a Slack incoming-webhook URL \(host 127\.0\.0\.1:\d+\)/);
    expect(doctor.stdout).toMatch(/ok {4}notify webhook: webhook: url ok \(host 127\.0\.0\.1:\d+\); events signed with HMAC-SHA256/);
    for (const secret of [TOKEN, new URL(slack.webhookUrl('alerts')).pathname, SECRET]) expect(doctor.stdout + doctor.stderr).not.toContain(secret);
    expect(slack.requests({ apiMethod: 'chat.postMessage' })).toEqual([]);
    expect(slack.requests({ kind: 'webhook' })).toEqual([]);
    expect(hook.requests()).toEqual([]);
  });

  it('the starter config’s notify example is valid once uncommented', () => {
    const lines = STARTER_CONFIG.split('\n');
    const from = lines.indexOf('# notify:');
    const uncommented = [...lines.slice(0, from), ...lines.slice(from).map((l) => l.replace(/^# ?/, '').replace(/^(\s*)# (token|channel)/, '$1$2'))].join('\n');
    const { config } = parseConfig(uncommented.replace(/^\s*webhookUrl: \$\{SLACK_WEBHOOK_URL\}.*$/m, ''), '/x/vulnledger.yaml', { SLACK_BOT_TOKEN: 'xoxb-1', TEAMS_WEBHOOK_URL: 'https://a.logic.azure.com/x?sig=1', WEBHOOK_SECRET: 'x'.repeat(32) });
    expect(config.notify.map((n) => n.type)).toEqual(['slack', 'teams', 'webhook']);
  });
});

function eventSchema() {
  const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'notification-event-v1.schema.json'), 'utf8'));
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

/** An individual-model export: `machines` VMs each with the same `cves` Chrome CVEs (one machine case per CVE). */
function largeMachineExport(machines: number, cves: number): unknown[] {
  const template = (JSON.parse(readFileSync(path.join(DEMO_DATA, 'week-1', 'machines.json'), 'utf8')) as { data: unknown[] }).data[0] as { id: string; name: string; properties: { resourceDetails: { Id: string; ResourceName: string }; additionalData: { CvesDetails: string } } };
  const cveDetails = JSON.parse(template.properties.additionalData.CvesDetails) as Array<Record<string, unknown>>;
  const details = Array.from({ length: cves }, (_, i) => ({ ...cveDetails[0], CveId: `CVE-2026-${20000 + i}`, Description: `Synthetic vulnerability ${i} in the browser engine with a fairly long description` }));
  return Array.from({ length: machines }, (_, m) => {
    const row = structuredClone(template);
    const name = `vm-fleet-${String(m).padStart(3, '0')}`;
    row.id = template.id.replace('vm-web-01', name);
    row.name = `${template.name.slice(0, -3)}${String(m).padStart(3, '0')}`;
    row.properties.resourceDetails.Id = template.properties.resourceDetails.Id.replace('vm-web-01', name);
    row.properties.resourceDetails.ResourceName = name;
    row.properties.additionalData.CvesDetails = JSON.stringify(details);
    return row;
  });
}
