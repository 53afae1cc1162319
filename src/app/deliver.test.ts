/**
 * Delivering the outbox after commit, with the real Slack notifier (bot token, threads) against the
 * fake Slack: at most once per message, replies under their summary's ts, retries with backoff.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test/fakes/slack.js';
import { fixedClock } from '../core/clock.js';
import type { Finding } from '../core/finding.js';
import { messages } from '../core/i18n.js';
import type { Notifier } from '../core/notification.js';
import type { FindingSource, LedgerStore } from '../core/ports.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { makeFinding } from '../core/test-helpers.js';
import { NotifierConfig } from '../notifiers/config.js';
import { createNotifier } from '../notifiers/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { nullLogger } from '../util/logger.js';
import { deliverOutbox, withFollowers, type DeliverOptions } from './deliver.js';
import { notificationPlanners } from './notify.js';
import { runLedger } from './run.js';

const T0 = '2026-11-23T06:00:00Z';
let slack: FakeSlack;
let store: LedgerStore;

beforeAll(async () => {
  slack = await startFakeSlack({ channels: [{ id: 'C0SECVULN', name: 'sec-vuln' }] });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(async () => {
  slack.reset();
  store = (await openSqliteLedger(':memory:', { clock: fixedClock(T0), log: nullLogger })).store;
});
afterEach(async () => {
  await store.close();
});

function bot(name = 'slack', extra: Record<string, unknown> = {}): Notifier {
  return createNotifier(NotifierConfig.parse({ type: 'slack', name, token: 'xoxb-fake-token', channel: 'C0SECVULN', apiUrl: slack.apiUrl, retries: 0, timeoutMs: 500, ...extra }), {
    defaultMinSeverity: 'High',
    log: nullLogger,
  });
}

function source(findings: Finding[]): FindingSource {
  return {
    name: 'defender-export',
    type: 'test',
    kinds: ['registryImage', 'machine'],
    async *collect() {
      yield { findings, skipped: [] };
      return { coverage: { complete: true }, notes: [] };
    },
  };
}

const FINDINGS = [makeFinding({ vulnId: 'CVE-2024-6119' }), makeFinding({ vulnId: 'CVE-2024-5535', severity: 'Critical' })];

async function plan(notifiers: Notifier[], at = T0, findings = FINDINGS) {
  return runLedger(store, [source(findings)], { minSeverity: 'High', sla: DEFAULT_SLA, clock: fixedClock(at), log: nullLogger, outboxPlanners: notificationPlanners(notifiers, { messages: messages('en') }) });
}

const options = (at = T0, extra: Partial<DeliverOptions> = {}): DeliverOptions => ({ clock: fixedClock(at), log: nullLogger, messages: messages('en'), ...extra });

describe('deliverOutbox', () => {
  it('sends the summary, then its details as a thread reply; a delivered entry is never sent again', async () => {
    const notifier = bot();
    await plan([notifier]);
    const first = await deliverOutbox(store.outbox, [notifier], options());
    expect(first.outcomes.map((o) => [o.result, o.part])).toEqual([
      ['delivered', 1],
      ['delivered', 2],
    ]);
    const [summary, reply] = slack.messages('C0SECVULN');
    expect(reply!.threadTs).toBe(summary!.ts);
    const entries = await store.outbox.list();
    expect(entries.map((e) => [e.status, e.attempts, e.deliveredRef])).toEqual([
      ['delivered', 1, summary!.ts],
      ['delivered', 1, reply!.ts],
    ]);
    const again = await deliverOutbox(store.outbox, [notifier], options('2026-11-30T06:00:00Z', { force: true }));
    expect(again.outcomes).toEqual([]);
    expect(slack.messages()).toHaveLength(2);
  });

  it('a crash after commit and before delivery loses nothing: the next delivery sends it, once', async () => {
    const notifier = bot();
    await plan([notifier]);
    // (the process stopped here) — the next weekly run changes nothing and delivers what was left.
    await plan([notifier], '2026-11-23T07:00:00Z');
    await deliverOutbox(store.outbox, [notifier], options('2026-11-23T07:00:00Z'));
    expect(slack.messages().map((m) => m.parentTs === undefined)).toEqual([true, false]);
  });

  it('a transient failure: the channel waits with backoff; later, in order, and replies still thread', async () => {
    const notifier = bot();
    await plan([notifier]);
    slack.failApi('chat.postMessage', { type: 'http', status: 503 }, 1);
    const first = await deliverOutbox(store.outbox, [notifier], options(T0, { retryBaseMs: 60_000 }));
    expect(first.outcomes.map((o) => o.result)).toEqual(['retrying', 'waiting']);
    const next = first.outcomes[0]!.nextAttemptAt!;
    expect(Date.parse(next) - Date.parse(T0)).toBeGreaterThanOrEqual(30_000);
    expect(Date.parse(next) - Date.parse(T0)).toBeLessThanOrEqual(90_000);
    expect(first.outcomes[0]!.error).toBe('Slack chat.postMessage answered HTTP 503 Service Unavailable');
    expect(first.outcomes[1]!.reason).toMatch(/will be retried after/);

    const early = await deliverOutbox(store.outbox, [notifier], options(T0));
    expect(early.outcomes.map((o) => o.result)).toEqual(['waiting', 'waiting']);
    expect(slack.messages()).toEqual([]);

    const later = await deliverOutbox(store.outbox, [notifier], options('2026-11-23T07:00:00Z'));
    expect(later.counts.delivered).toBe(2);
    const [summary, reply] = slack.messages();
    expect(reply!.parentTs).toBe(summary!.ts);
    expect((await store.outbox.list()).map((e) => e.attempts)).toEqual([2, 1]);
  });

  it('when the summary was posted but its reply failed, the retry does not re-post the summary', async () => {
    const notifier = bot();
    await plan([notifier]);
    slack.failApi('chat.postMessage', { type: 'delay', ms: 0 }, 1);
    slack.failApi('chat.postMessage', { type: 'http', status: 500 }, 1);
    const first = await deliverOutbox(store.outbox, [notifier], options());
    expect(first.outcomes.map((o) => o.result)).toEqual(['delivered', 'retrying']);
    await deliverOutbox(store.outbox, [notifier], options('2026-11-23T08:00:00Z'));
    const accepted = slack.messages();
    expect(accepted).toHaveLength(2);
    expect(accepted[1]!.parentTs).toBe(accepted[0]!.ts);
  });

  it('a permanent failure keeps the platform error; the details wait; --retry sends them once fixed', async () => {
    const notifier = bot();
    await plan([notifier]);
    slack.setChannel('C0SECVULN', { isArchived: true });
    const first = await deliverOutbox(store.outbox, [notifier], options());
    expect(first.outcomes.map((o) => [o.result, o.error ?? o.reason])).toEqual([
      ['failed', 'Slack chat.postMessage: is_archived'],
      ['waiting', expect.stringMatching(/^waits for \w+ \(failed\)$/)],
    ]);
    const unforced = await deliverOutbox(store.outbox, [notifier], options('2026-12-01T00:00:00Z'));
    expect(unforced.outcomes.map((o) => o.result)).toEqual(['failed', 'waiting']);
    slack.setChannel('C0SECVULN', { isArchived: false });
    const retried = await deliverOutbox(store.outbox, [notifier], options('2026-12-01T00:00:00Z', { force: true }));
    expect(retried.counts.delivered).toBe(2);
    expect(slack.messages()[1]!.parentTs).toBe(slack.messages()[0]!.ts);
  });

  it('gives a transient failure up after maxAttempts', async () => {
    const notifier = bot();
    await plan([notifier]);
    slack.failApi('chat.postMessage', { type: 'http', status: 502 }, Infinity);
    await deliverOutbox(store.outbox, [notifier], options(T0, { maxAttempts: 2 }));
    const second = await deliverOutbox(store.outbox, [notifier], options('2026-11-24T00:00:00Z', { maxAttempts: 2 }));
    expect(second.outcomes[0]).toMatchObject({ result: 'failed', error: 'gave up after 2 attempts: Slack chat.postMessage answered HTTP 502 Bad Gateway' });
  });

  it('a stale claim (the process stopped while sending) is sent again; a fresh one is left alone', async () => {
    const notifier = bot();
    await plan([notifier]);
    const [summary] = await store.outbox.list();
    await store.outbox.claim(summary!.id, '2026-11-23T06:00:00.000Z', ['pending']);
    const fresh = await deliverOutbox(store.outbox, [notifier], options('2026-11-23T06:05:00Z'));
    expect(fresh.outcomes.map((o) => [o.result, o.reason])).toEqual([
      ['waiting', 'being sent by another vulnledger process'],
      ['waiting', expect.stringMatching(/^waits for/)],
    ]);
    const stale = await deliverOutbox(store.outbox, [notifier], options('2026-11-23T06:30:00Z'));
    expect(stale.counts.delivered).toBe(2);
    expect((await store.outbox.get(summary!.id))!.attempts).toBe(2);
  });

  it('entries of a notifier no longer configured are reported; other producers’ entries are left alone', async () => {
    await plan([bot('old-name')]);
    await store.transaction(async (tx) => tx.enqueueOutbox([{ id: 'm1', idempotencyKey: 'mirror:notion:x', channel: 'mirror:notion', payload: {}, runId: null, createdAt: T0 }]));
    const report = await deliverOutbox(store.outbox, [bot('slack')], options());
    expect(report.outcomes.map((o) => [o.channel, o.result])).toEqual([
      ['notify:old-name', 'unconfigured'],
      ['notify:old-name', 'unconfigured'],
    ]);
    expect((await store.outbox.get('m1'))!.status).toBe('pending');
  });

  it('an unreadable stored message fails with a way out', async () => {
    await store.transaction(async (tx) => tx.enqueueOutbox([{ id: 'bad1', idempotencyKey: 'notify:slack:x:1', channel: 'notify:slack', payload: { v: 2 }, runId: null, createdAt: T0 }]));
    const report = await deliverOutbox(store.outbox, [bot()], options());
    expect(report.outcomes[0]).toMatchObject({ result: 'failed' });
    expect(report.outcomes[0]!.error).toMatch(/^the stored message cannot be read \(not a notification message \(v: .+\)\); drop it with `vulnledger outbox --drop bad1`$/);
  });

  it('links cases to their Notion page when the lookup has one; a failing lookup only drops the links', async () => {
    const notifier = bot();
    await plan([notifier]);
    await deliverOutbox(store.outbox, [notifier], options(T0, { caseLinks: async (keys) => new Map(keys.map((k) => [k, `https://www.notion.so/${k}-0123`])) }));
    expect(JSON.stringify(slack.messages()[1]!.blocks)).toContain('<https://www.notion.so/CVE-2024-6119-0123|Notion>');

    slack.reset();
    await plan([notifier], '2026-11-30T06:00:00Z', [makeFinding({ vulnId: 'CVE-2024-9999' })]);
    const report = await deliverOutbox(store.outbox, [notifier], options('2026-11-30T06:00:00Z', { caseLinks: async () => { throw new Error('notion down'); } }));
    expect(report.counts.delivered).toBe(2);
    expect(JSON.stringify(slack.messages())).not.toContain('notion.so');
  });

  it('drop takes the replies along', async () => {
    const notifier = bot();
    await plan([notifier]);
    const [summary] = await store.outbox.list();
    const { ids } = await withFollowers(store.outbox, summary!.id);
    expect(await store.outbox.drop(ids)).toBe(2);
    expect((await deliverOutbox(store.outbox, [notifier], options())).outcomes).toEqual([]);
    expect(slack.messages()).toEqual([]);
  });
});
