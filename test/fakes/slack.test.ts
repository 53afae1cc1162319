/** Proves the fake Slack against the real clients: `@slack/webhook` v8 and `@slack/web-api` v8. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import {
  ErrorCode,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type DividerBlock,
  type KnownBlock,
  type Logger,
  type SectionBlock,
} from '@slack/web-api';
import { checkSlackBlocks, startFakeSlack, type FakeSlack } from './slack.js';

const TOKEN = 'xoxb-fake-token';
const SPARE_TOKEN = 'xoxb-spare-token';

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const divider: DividerBlock = { type: 'divider' };

/** Runs `fn`, expects it to reject, returns the error. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack({
    tokens: [TOKEN, SPARE_TOKEN],
    hooks: [{ name: 'default' }, { name: 'alerts', channel: 'C0SECVULN' }],
    channels: [
      { id: 'C0SECVULN', name: 'sec-vuln' },
      { id: 'C0OUTSIDE', name: 'outside', isMember: false },
      { id: 'C0ARCHIVE', name: 'old', isArchived: true },
    ],
  });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe('incoming webhook with IncomingWebhook v8', () => {
  const hook = (retries = 0, timeout = 2000): IncomingWebhook =>
    new IncomingWebhook(fake.webhookUrl(), { timeout, retryConfig: { retries, minTimeout: 0, maxTimeout: 1 } });

  it('answers 200 text/plain `ok` and records text and blocks', async () => {
    const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'vulnledger' } }, section('*CVE-2024-3094* &amp; more')];
    await expect(hook().send({ text: 'fallback', blocks })).resolves.toEqual({ text: 'ok' });

    const [msg] = fake.messages('default');
    expect(fake.messages('default')).toHaveLength(1);
    expect(msg).toMatchObject({ via: 'webhook', hook: 'default', channel: 'default', text: 'fallback', blocks });
    expect(msg?.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [req] = fake.requests({ kind: 'webhook' });
    expect(req?.status).toBe(200);
    expect(req?.headers['content-type']).toBe('application/json');
  });

  it('keeps several hooks apart, each in its own channel', async () => {
    await new IncomingWebhook(fake.webhookUrl('alerts'), { retryConfig: { retries: 0 } }).send('to alerts');
    await hook().send('to default');
    expect(fake.messages('alerts').map((m) => m.text)).toEqual(['to alerts']);
    expect(fake.messages('C0SECVULN').map((m) => m.text)).toEqual(['to alerts']);
    expect(fake.messages('default').map((m) => m.text)).toEqual(['to default']);
  });

  it('refuses a message without text or blocks with 400 no_text', async () => {
    const error = await failure(() => hook().send({ blocks: [] }));
    expect(error).toBeInstanceOf(IncomingWebhookHTTPError);
    expect(error).toMatchObject({ statusCode: 400, body: 'no_text' });
    expect(fake.messages()).toEqual([]);
  });

  it('accepts 50 blocks and refuses 51 with 400 invalid_blocks', async () => {
    await expect(hook().send({ text: 't', blocks: Array.from({ length: 50 }, () => divider) })).resolves.toEqual({ text: 'ok' });
    const error = await failure(() => hook().send({ text: 't', blocks: Array.from({ length: 51 }, () => divider) }));
    expect(error).toMatchObject({ statusCode: 400, body: 'invalid_blocks' });
    expect(fake.messages()).toHaveLength(1);
    expect(fake.requests({ kind: 'webhook' })[1]?.errors).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
  });

  it('accepts a 3000-char section and refuses 3001 with 400 invalid_blocks', async () => {
    await expect(hook().send({ text: 't', blocks: [section('x'.repeat(3000))] })).resolves.toEqual({ text: 'ok' });
    const error = await failure(() => hook().send({ text: 't', blocks: [section('x'.repeat(3001))] }));
    expect(error).toBeInstanceOf(IncomingWebhookHTTPError);
    expect(error).toMatchObject({ statusCode: 400, body: 'invalid_blocks' });
    expect(fake.requests({ kind: 'webhook' })[1]?.errors).toEqual([
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
  });

  it('refuses blocks over the ~13.2k total (msg_blocks_too_long) as 400 invalid_blocks', async () => {
    const blocks = Array.from({ length: 5 }, () => section('y'.repeat(2900)));
    expect(checkSlackBlocks(blocks)).toEqual([]);
    const error = await failure(() => hook().send({ text: 't', blocks }));
    expect(error).toMatchObject({ statusCode: 400, body: 'invalid_blocks' });
    expect(fake.requests({ kind: 'webhook' })[0]?.errors).toEqual(['msg_blocks_too_long']);
  });

  it('answers malformed JSON with 400 invalid_payload', async () => {
    const res = await fetch(fake.webhookUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('invalid_payload');
  });

  it('answers an unknown hook path with 404 no_service', async () => {
    const error = await failure(() =>
      new IncomingWebhook(`${fake.url}/services/T0FAKE/B0NOPE/zzz`, { retryConfig: { retries: 0 } }).send('x'),
    );
    expect(error).toMatchObject({ statusCode: 404, body: 'no_service' });
  });

  it('injects 410 channel_is_archived for N requests, then recovers', async () => {
    fake.failWebhook('default', { type: 'error', error: 'channel_is_archived' }, 2);
    for (let i = 0; i < 2; i += 1) {
      const error = await failure(() => hook().send('x'));
      expect(error).toBeInstanceOf(IncomingWebhookHTTPError);
      expect(error).toMatchObject({ statusCode: 410, body: 'channel_is_archived' });
    }
    await expect(hook().send('x')).resolves.toEqual({ text: 'ok' });
    expect(fake.messages()).toHaveLength(1);
  });

  it('injects 404 channel_not_found and 403 invalid_token', async () => {
    fake.failWebhook('default', { type: 'error', error: 'channel_not_found' });
    fake.failWebhook('default', { type: 'error', error: 'invalid_token' });
    expect(await failure(() => hook().send('x'))).toMatchObject({ statusCode: 404, body: 'channel_not_found' });
    expect(await failure(() => hook().send('x'))).toMatchObject({ statusCode: 403, body: 'invalid_token' });
  });

  it('injects 429 with Retry-After; the SDK does not retry it even with retries configured', async () => {
    fake.failWebhook('default', { type: 'rate-limited', retryAfter: 7 });
    const error = await failure(() => hook(3).send('x'));
    expect(error).toMatchObject({ statusCode: 429, body: 'rate_limited' });
    expect(fake.requests({ kind: 'webhook' })).toHaveLength(1);
    fake.failWebhook('default', { type: 'rate-limited', retryAfter: 7 });
    const res = await fetch(fake.webhookUrl(), { method: 'POST', body: '{"text":"x"}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('injects 500 rollup_error; the SDK retries 5xx when told to', async () => {
    fake.failWebhook('default', { type: 'error', error: 'rollup_error' });
    expect(await failure(() => hook(0).send('x'))).toMatchObject({ statusCode: 500, body: 'rollup_error' });
    fake.failWebhook('default', { type: 'error', error: 'rollup_error' });
    await expect(hook(1).send('x')).resolves.toEqual({ text: 'ok' });
    expect(fake.requests({ kind: 'webhook' }).map((r) => r.status)).toEqual([500, 500, 200]);
    expect(fake.messages()).toHaveLength(1);
  });

  it('hangs past the client timeout: a request error, nothing recorded', async () => {
    fake.failWebhook('default', { type: 'hang' });
    const error = await failure(() => hook(0, 150).send('x'));
    expect(error).toBeInstanceOf(IncomingWebhookRequestError);
    expect(fake.messages()).toEqual([]);
  });

  it('accepts, then loses the response: a request error, but the message is recorded', async () => {
    fake.failWebhook('default', { type: 'drop-after-accept' });
    const error = await failure(() => hook().send('once'));
    expect(error).toBeInstanceOf(IncomingWebhookRequestError);
    expect(fake.messages().map((m) => m.text)).toEqual(['once']);
    expect(fake.requests()[0]?.status).toBeUndefined();
  });
});

describe('Web API with WebClient v8', () => {
  const client = (token = TOKEN, timeout = 2000): WebClient =>
    new WebClient(token, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout,
      logger: silent,
    });

  it('chat.postMessage parses form-encoded blocks and returns channel id and ts', async () => {
    const blocks = [section('*New* CVE-2024-3094'), divider];
    const res = await client().chat.postMessage({ channel: '#sec-vuln', text: 'fallback', blocks });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('C0SECVULN');
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message).toMatchObject({ text: 'fallback', ts: res.ts, blocks });

    expect(fake.messages('C0SECVULN')).toEqual([expect.objectContaining({ via: 'api', ts: res.ts, text: 'fallback', blocks })]);
    const [req] = fake.requests({ apiMethod: 'chat.postMessage' });
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(new URLSearchParams(req?.body).get('blocks')).toBe(JSON.stringify(blocks));
  });

  it('gives unique, increasing ts even within one millisecond', async () => {
    const frozen = await startFakeSlack({ now: () => 1_764_460_800_123 });
    try {
      const c = new WebClient(TOKEN, { slackApiUrl: frozen.apiUrl, retryConfig: { retries: 0 }, logger: silent });
      const a = await c.chat.postMessage({ channel: 'C0SECVULN', text: 'a' });
      const b = await c.chat.postMessage({ channel: 'C0SECVULN', text: 'b' });
      expect([a.ts, b.ts]).toEqual(['1764460800.123000', '1764460800.123001']);
    } finally {
      await frozen.close();
    }
  });

  it('records a thread reply under its parent and refuses an unknown thread_ts', async () => {
    const c = client();
    const parent = await c.chat.postMessage({ channel: 'C0SECVULN', text: 'summary' });
    const reply = await c.chat.postMessage({ channel: 'C0SECVULN', text: 'detail', thread_ts: parent.ts as string });
    expect(reply.message?.thread_ts).toBe(parent.ts);
    expect(fake.threadReplies(parent.ts as string)).toEqual([
      expect.objectContaining({ ts: reply.ts, text: 'detail', threadTs: parent.ts, parentTs: parent.ts }),
    ]);

    const error = await failure(() => c.chat.postMessage({ channel: 'C0SECVULN', text: 'x', thread_ts: '1.000001' }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe('thread_not_found');
  });

  it('answers not_authed without a token and invalid_auth for a wrong one (HTTP 200, ok:false)', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silent });
    const none = await failure(() => anonymous.chat.postMessage({ channel: 'C0SECVULN', text: 'x' }));
    expect((none as WebAPIPlatformError).data).toMatchObject({ ok: false, error: 'not_authed' });
    const wrong = await failure(() => client('xoxb-wrong').chat.postMessage({ channel: 'C0SECVULN', text: 'x' }));
    expect(wrong).toBeInstanceOf(WebAPIPlatformError);
    expect((wrong as WebAPIPlatformError).data).toMatchObject({ ok: false, error: 'invalid_auth' });
    expect(fake.requests().map((r) => r.status)).toEqual([200, 200]);
    fake.revokeToken(SPARE_TOKEN);
    const revoked = await failure(() => client(SPARE_TOKEN).auth.test());
    expect((revoked as WebAPIPlatformError).data.error).toBe('token_revoked');
  });

  it('answers invalid_blocks with errors[] for a 3001-char section', async () => {
    const error = await failure(() => client().chat.postMessage({ channel: 'C0SECVULN', text: 't', blocks: [section('z'.repeat(3001))] }));
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
    expect(fake.messages()).toEqual([]);
  });

  it('answers invalid_blocks for several limits at once, in Slack wording', async () => {
    const blocks: KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
      { type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] },
      { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      { type: 'divider', block_id: 'b'.repeat(256) },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
    ];
    const error = await failure(() => client().chat.postMessage({ channel: 'C0SECVULN', text: 't', blocks }));
    expect((error as WebAPIPlatformError).data).toMatchObject({ error: 'invalid_blocks', errors: [
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
      'no more than 10 items allowed [json-pointer:/blocks/1/fields]',
      'must be less than 2001 characters [json-pointer:/blocks/2/fields/0/text]',
      'no more than 10 items allowed [json-pointer:/blocks/3/elements]',
      'must be less than 256 characters [json-pointer:/blocks/4/block_id]',
      'must be more than 0 characters [json-pointer:/blocks/5/text/text]',
    ] });
  });

  it('answers msg_blocks_too_long over the total, msg_too_long over 40k text, invalid_blocks_format for bad JSON', async () => {
    const c = client();
    const long = await failure(() =>
      c.chat.postMessage({ channel: 'C0SECVULN', text: 't', blocks: Array.from({ length: 5 }, () => section('y'.repeat(2900))) }),
    );
    expect((long as WebAPIPlatformError).data.error).toBe('msg_blocks_too_long');
    const text = await failure(() => c.chat.postMessage({ channel: 'C0SECVULN', text: 'w'.repeat(40_001) }));
    expect((text as WebAPIPlatformError).data.error).toBe('msg_too_long');
    const format = await failure(() => c.apiCall('chat.postMessage', { channel: 'C0SECVULN', text: 't', blocks: '[{' }));
    expect((format as WebAPIPlatformError).data.error).toBe('invalid_blocks_format');
  });

  it('answers channel_not_found, not_in_channel and is_archived', async () => {
    const c = client();
    const errors: string[] = [];
    for (const channel of ['C0MISSING', 'C0OUTSIDE', '#old']) {
      const error = await failure(() => c.chat.postMessage({ channel, text: 'x' }));
      errors.push((error as WebAPIPlatformError).data.error);
    }
    expect(errors).toEqual(['channel_not_found', 'not_in_channel', 'is_archived']);
  });

  it('throws WebAPIRateLimitedError with retryAfter on an injected 429', async () => {
    fake.failApi('chat.postMessage', { type: 'rate-limited', retryAfter: 30 });
    const error = await failure(() => client().chat.postMessage({ channel: 'C0SECVULN', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 30 });
    expect(fake.requests()[0]).toMatchObject({ status: 429, outcome: 'fault' });
    expect(fake.messages()).toEqual([]);
  });

  it('throws WebAPIHTTPError on an injected 500, and a retrying client posts once', async () => {
    fake.failApi('chat.postMessage', { type: 'http', status: 500, body: 'boom' });
    const error = await failure(() => client().chat.postMessage({ channel: 'C0SECVULN', text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect(error).toMatchObject({ statusCode: 500, body: 'boom' });

    fake.failApi('*', { type: 'http', status: 503 });
    const retrying = new WebClient(TOKEN, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 1 },
      logger: silent,
    });
    const res = await retrying.chat.postMessage({ channel: 'C0SECVULN', text: 'y' });
    expect(res.ok).toBe(true);
    expect(fake.messages().map((m) => m.text)).toEqual(['y']);
  });

  it('accepted but response lost: WebAPIRequestError and the message exists (the duplicate window)', async () => {
    fake.failApi('chat.postMessage', { type: 'drop-after-accept' });
    const error = await failure(() => client().chat.postMessage({ channel: 'C0SECVULN', text: 'once' }));
    expect(error).toBeInstanceOf(WebAPIRequestError);
    expect(fake.messages().map((m) => m.text)).toEqual(['once']);
  });

  it('hangs past the client timeout: WebAPIRequestError', async () => {
    fake.failApi('*', { type: 'hang' });
    const error = await failure(() => client(TOKEN, 150).auth.test());
    expect(error).toBeInstanceOf(WebAPIRequestError);
  });

  it('auth.test identifies the bot', async () => {
    const res = await client().auth.test();
    expect(res).toMatchObject({ ok: true, team_id: 'T0FAKE', user_id: 'U0FAKEBOT', bot_id: 'B0FAKEBOT' });
  });

  it('conversations.info reports is_member, and wants a channel id', async () => {
    const c = client();
    expect((await c.conversations.info({ channel: 'C0SECVULN' })).channel).toMatchObject({ id: 'C0SECVULN', is_member: true });
    expect((await c.conversations.info({ channel: 'C0OUTSIDE' })).channel).toMatchObject({ is_member: false });
    const error = await failure(() => c.conversations.info({ channel: '#sec-vuln' }));
    expect((error as WebAPIPlatformError).data.error).toBe('channel_not_found');
    fake.setChannel('C0OUTSIDE', { isMember: true });
    expect((await c.conversations.info({ channel: 'C0OUTSIDE' })).channel).toMatchObject({ is_member: true });
    fake.setChannel('C0OUTSIDE', { isMember: false });
  });
});
