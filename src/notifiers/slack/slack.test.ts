/** Slack delivery with the real clients (@slack/webhook, @slack/web-api) against the fake Slack. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../../test/fakes/slack.js';
import type { Notifier, NotificationMessage, SendContext } from '../../core/notification.js';
import { nullLogger } from '../../util/logger.js';
import { caseSnapshot, changes, renderContext } from '../_shared/test-helpers.js';
import { SlackConfig } from './config.js';
import { createSlackNotifier, slackChecks } from './index.js';
import { renderSlackMessage } from './render.js';

const TOKEN = 'xoxb-fake-token';
let slack: FakeSlack;
let sleeps: number[];

beforeAll(async () => {
  slack = await startFakeSlack({
    hooks: [{ name: 'alerts', channel: 'C0SECVULN' }],
    channels: [
      { id: 'C0SECVULN', name: 'sec-vuln' },
      { id: 'C0OUTSIDE', name: 'outside', isMember: false },
      { id: 'C0ARCHIVE', name: 'old', isArchived: true },
    ],
  });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  sleeps = [];
});

const deps = () => ({
  defaultMinSeverity: 'High' as const,
  log: nullLogger,
  sendPolicy: { baseDelayMs: 10, sleep: async (ms: number) => void sleeps.push(ms) },
});

function webhookNotifier(extra: Record<string, unknown> = {}): Notifier {
  return createSlackNotifier(SlackConfig.parse({ type: 'slack', webhookUrl: slack.webhookUrl('alerts'), retries: 2, timeoutMs: 5_000, ...extra }), deps());
}

function botNotifier(channel = 'C0SECVULN', extra: Record<string, unknown> = {}): Notifier {
  return createSlackNotifier(SlackConfig.parse({ type: 'slack', token: TOKEN, channel, apiUrl: slack.apiUrl, retries: 2, timeoutMs: 5_000, ...extra }), deps());
}

function twoMessages(notifier: Notifier): NotificationMessage[] {
  return notifier.split(changes([caseSnapshot(), caseSnapshot({ key: 'CVE-2024-6119', vulnId: 'CVE-2024-6119' })]), renderContext());
}

function ctx(parentRef: string | null = null): SendContext {
  return { render: renderContext(), idempotencyKey: 'notify:slack:run:1', parentRef, signal: new AbortController().signal, now: new Date('2026-11-23T06:00:00Z') };
}

describe('incoming webhook', () => {
  it('posts the rendered message (text fallback and blocks) and returns no ref', async () => {
    const notifier = webhookNotifier();
    const [summary] = twoMessages(notifier);
    await expect(notifier.send(summary!, ctx())).resolves.toEqual({ ok: true, ref: null });
    const [posted] = slack.messages('alerts');
    const expected = renderSlackMessage(summary!, renderContext(), { threaded: false });
    expect(posted).toMatchObject({ via: 'webhook', text: expected.text, blocks: expected.blocks });
    expect(posted!.payload).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it('honours Retry-After on 429 and sends once it may', async () => {
    slack.failWebhook('alerts', { type: 'rate-limited', retryAfter: 2 });
    const notifier = webhookNotifier();
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toEqual({ ok: true, ref: null });
    expect(sleeps).toEqual([2000]);
    expect(slack.requests({ kind: 'webhook' }).map((r) => r.status)).toEqual([429, 200]);
  });

  it('leaves a long Retry-After to a later run', async () => {
    slack.failWebhook('alerts', { type: 'rate-limited', retryAfter: 120 });
    const notifier = webhookNotifier();
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toEqual({
      ok: false,
      retryable: true,
      error: 'Slack webhook answered HTTP 429: rate_limited',
      retryAfterMs: 120_000,
    });
    expect(sleeps).toEqual([]);
  });

  it('4xx is permanent with the platform error string; not retried', async () => {
    slack.failWebhook('alerts', { type: 'error', error: 'channel_is_archived' });
    const notifier = webhookNotifier();
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toEqual({
      ok: false,
      retryable: false,
      error: 'Slack webhook answered HTTP 410: channel_is_archived',
      retryAfterMs: null,
    });
    expect(slack.requests({ kind: 'webhook' })).toHaveLength(1);
  });

  it('5xx and lost answers are retried with backoff, at most `retries` times', async () => {
    slack.failWebhook('alerts', { type: 'error', error: 'rollup_error' }, 1);
    slack.failWebhook('alerts', { type: 'hang' }, 1);
    const notifier = webhookNotifier({ timeoutMs: 300 });
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toEqual({ ok: true, ref: null });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(5);
    expect(sleeps[0]).toBeLessThanOrEqual(15);
    slack.reset();
    slack.failWebhook('alerts', { type: 'reset' }, Infinity);
    const outcome = await notifier.send(twoMessages(notifier)[0]!, ctx());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(slack.requests({ kind: 'webhook' })).toHaveLength(3);
  });

  it('never puts the webhook URL in an error', async () => {
    const url = slack.webhookUrl('alerts').replace(/\/[^/]+$/, '/WRONGSECRETPART');
    const notifier = createSlackNotifier(SlackConfig.parse({ type: 'slack', webhookUrl: url, retries: 0 }), deps());
    const outcome = await notifier.send(twoMessages(notifier)[0]!, ctx());
    expect(outcome).toEqual({ ok: false, retryable: false, error: 'Slack webhook answered HTTP 404: no_service', retryAfterMs: null });
  });
});

describe('bot token (chat.postMessage)', () => {
  it('the summary returns its ts; details thread under it', async () => {
    const notifier = botNotifier();
    const [summary, details] = twoMessages(notifier);
    const first = await notifier.send(summary!, ctx());
    expect(first).toEqual({ ok: true, ref: expect.stringMatching(/^\d+\.\d{6}$/) });
    const ts = (first as { ref: string }).ref;
    await expect(notifier.send(details!, ctx(ts))).resolves.toMatchObject({ ok: true });
    const replies = slack.threadReplies(ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.blocks).toEqual(renderSlackMessage(details!, renderContext(), { threaded: true }).blocks);
    expect(slack.message(ts)!.text).toBe(renderSlackMessage(summary!, renderContext(), { threaded: true }).text);
  });

  it('makes one attempt per call: a 500 is retried by us, not by the SDK', async () => {
    slack.failApi('chat.postMessage', { type: 'http', status: 500 }, 1);
    const notifier = botNotifier();
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toMatchObject({ ok: true });
    expect(slack.requests({ apiMethod: 'chat.postMessage' }).map((r) => r.status)).toEqual([500, 200]);
    expect(sleeps).toHaveLength(1);
  });

  it('429 waits for Retry-After; ok:false errors are permanent with Slack’s code (transient ones retried)', async () => {
    slack.failApi('chat.postMessage', { type: 'rate-limited', retryAfter: 1 }, 1);
    const notifier = botNotifier();
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toMatchObject({ ok: true });
    expect(sleeps).toEqual([1000]);

    await expect(botNotifier('C0ARCHIVE').send(twoMessages(notifier)[0]!, ctx())).resolves.toEqual({
      ok: false,
      retryable: false,
      error: 'Slack chat.postMessage: is_archived',
      retryAfterMs: null,
    });
    await expect(botNotifier('C0OUTSIDE').send(twoMessages(notifier)[0]!, ctx())).resolves.toMatchObject({ retryable: false, error: 'Slack chat.postMessage: not_in_channel' });
    slack.failApi('chat.postMessage', { type: 'error', error: 'internal_error' }, 1);
    await expect(notifier.send(twoMessages(notifier)[0]!, ctx())).resolves.toMatchObject({ ok: true });
  });

  it('a block error carries Slack’s detail (a workspace with stricter limits than ours)', async () => {
    const strict = await startFakeSlack({ limits: { sectionText: 100 } });
    try {
      const notifier = createSlackNotifier(SlackConfig.parse({ type: 'slack', token: TOKEN, channel: 'C0SECVULN', apiUrl: strict.apiUrl, retries: 2 }), deps());
      const [, details] = twoMessages(notifier);
      await expect(notifier.send(details!, ctx())).resolves.toEqual({
        ok: false,
        retryable: false,
        error: 'Slack chat.postMessage: invalid_blocks: must be less than 101 characters [json-pointer:/blocks/1/text/text]; must be less than 101 characters [json-pointer:/blocks/2/text/text]',
        retryAfterMs: null,
      });
      expect(strict.requests({ apiMethod: 'chat.postMessage' })).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('a revoked token fails permanently and the token is never in the error', async () => {
    const spare = 'xoxb-spare-token-0123';
    const fake = await startFakeSlack({ tokens: [spare] });
    try {
      fake.revokeToken(spare);
      const notifier = createSlackNotifier(SlackConfig.parse({ type: 'slack', token: spare, channel: 'C0SECVULN', apiUrl: fake.apiUrl, retries: 0 }), deps());
      const outcome = await notifier.send(twoMessages(notifier)[0]!, ctx());
      expect(outcome).toEqual({ ok: false, retryable: false, error: 'Slack chat.postMessage: token_revoked', retryAfterMs: null });
      expect(JSON.stringify(outcome)).not.toContain(spare);
    } finally {
      await fake.close();
    }
  });
});

describe('doctor checks (nothing is posted)', () => {
  const run = async (checks: ReturnType<typeof slackChecks>) => (await Promise.all(checks.map((c) => c.run(new AbortController().signal)))).flat();

  it('bot token and channel membership', async () => {
    const config = (channel: string, token = TOKEN) => SlackConfig.parse({ type: 'slack', name: 'sec', token, channel, apiUrl: slack.apiUrl });
    expect(await run(slackChecks(config('C0SECVULN'), deps()))).toEqual([
      { name: 'notify sec: token', status: 'ok', detail: 'auth.test ok: Fake Workspace as vulnledger' },
      { name: 'notify sec: channel', status: 'ok', detail: '#sec-vuln: the app is a member' },
    ]);
    const [, outside] = await run(slackChecks(config('C0OUTSIDE'), deps()));
    expect(outside).toMatchObject({ status: 'fail', detail: 'the app is not a member of #outside' });
    const [, archived] = await run(slackChecks(config('C0ARCHIVE'), deps()));
    expect(archived).toMatchObject({ status: 'fail', detail: '#old is archived' });
    const [, byName] = await run(slackChecks(config('#sec-vuln'), deps()));
    expect(byName).toMatchObject({ status: 'warn' });
    const [badToken] = await run(slackChecks(config('C0SECVULN', 'xoxb-not-a-valid-token'), deps()));
    expect(badToken).toMatchObject({ status: 'fail', detail: 'Slack auth.test: invalid_auth' });
    expect(JSON.stringify(badToken)).not.toContain('xoxb-not-a-valid-token');
    expect(slack.requests({ apiMethod: 'chat.postMessage' })).toEqual([]);
  });

  it('webhook URL shape, without printing it', async () => {
    const real = SlackConfig.parse({ type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0123ABC/B0456DEF/abcdefGHIJ123456' });
    expect(await run(slackChecks(real, deps()))).toEqual([{ name: 'notify slack: webhook URL', status: 'ok', detail: 'a Slack incoming-webhook URL (hooks.slack.com/services/…)' }]);
    const [local] = await run(slackChecks(SlackConfig.parse({ type: 'slack', webhookUrl: slack.webhookUrl('alerts') }), deps()));
    expect(local!.status).toBe('warn');
    expect(JSON.stringify(local)).not.toContain(new URL(slack.webhookUrl('alerts')).pathname);
    expect(slack.requests()).toEqual([]);
  });
});
