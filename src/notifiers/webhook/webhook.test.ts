/** Signed webhook delivery with fetch against the fake receiver. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import type { SendContext } from '../../core/notification.js';
import { nullLogger } from '../../util/logger.js';
import { caseSnapshot, changes, renderContext } from '../_shared/test-helpers.js';
import { WebhookConfig } from './config.js';
import { createWebhookNotifier, webhookChecks } from './index.js';
import { verifySignature } from './sign.js';

const SECRET = 'a-webhook-secret-of-32-characters!';
let receiver: FakeWebhookReceiver;
let sleeps: number[];
beforeAll(async () => {
  receiver = await startFakeWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
  sleeps = [];
});

/** A slow answer on a loaded machine is not a lost one: 5 s, and 300 ms only where a hang is injected. */
const notifier = (timeoutMs = 5_000) =>
  createWebhookNotifier(WebhookConfig.parse({ type: 'webhook', name: 'siem', url: receiver.url, secret: SECRET, retries: 2, timeoutMs }), {
    defaultMinSeverity: 'High',
    log: nullLogger,
    sendPolicy: { baseDelayMs: 10, sleep: async (ms: number) => void sleeps.push(ms) },
  });
const ctx: SendContext = { render: renderContext(), idempotencyKey: 'notify:siem:20261123T060000Z-fcb2:1', parentRef: null, signal: new AbortController().signal, now: new Date() };
const message = () => notifier().split(changes([caseSnapshot()]), renderContext())[0]!;

describe('signed webhook', () => {
  it('POSTs the event with a signature over the raw body, a timestamp, the delivery id and the event type', async () => {
    const before = Math.floor(Date.now() / 1000);
    await expect(notifier().send(message(), ctx)).resolves.toEqual({ ok: true, ref: null });
    const [request] = receiver.requests();
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(verifySignature(request!.raw, request!.headers['x-vulnledger-signature'] as string, SECRET)).toBe(true);
    const event = JSON.parse(request!.raw.toString('utf8'));
    expect(request!.headers['x-vulnledger-delivery']).toBe('notify:siem:20261123T060000Z-fcb2:1');
    expect(request!.headers['x-vulnledger-event']).toBe('vulnledger.changes');
    expect(event.id).toBe('notify:siem:20261123T060000Z-fcb2:1');
    const timestamp = Number(request!.headers['x-vulnledger-timestamp']);
    expect(timestamp).toBe(Math.floor(Date.parse(event.sentAt) / 1000));
    expect(timestamp).toBeGreaterThanOrEqual(before);
    // A body altered on the way no longer verifies.
    expect(verifySignature(Buffer.from(request!.raw.toString('utf8').replace('High', 'Low')), request!.headers['x-vulnledger-signature'] as string, SECRET)).toBe(false);
  });

  it('retries 429 (Retry-After), 5xx and resets; each attempt is signed afresh', async () => {
    receiver.fail({ type: 'status', status: 429, headers: { 'Retry-After': '1' } });
    receiver.fail({ type: 'reset' });
    await expect(notifier().send(message(), ctx)).resolves.toMatchObject({ ok: true });
    expect(sleeps[0]).toBe(1000);
    const requests = receiver.requests();
    expect(requests).toHaveLength(3);
    for (const r of requests) expect(verifySignature(r.raw, r.headers['x-vulnledger-signature'] as string, SECRET)).toBe(true);
  });

  it('4xx is permanent with the receiver’s answer; timeouts are transient', async () => {
    receiver.fail({ type: 'status', status: 410, body: 'this hook is gone' });
    await expect(notifier().send(message(), ctx)).resolves.toEqual({
      ok: false,
      retryable: false,
      error: 'POST webhook of notifier siem answered HTTP 410: this hook is gone',
      retryAfterMs: null,
    });
    receiver.reset();
    receiver.fail({ type: 'hang' }, Infinity);
    await expect(notifier(300).send(message(), ctx)).resolves.toEqual({
      ok: false,
      retryable: true,
      error: 'POST webhook of notifier siem failed: no response within 300 ms',
      retryAfterMs: null,
    });
    expect(receiver.requests()).toHaveLength(3);
  });
});

describe('doctor check', () => {
  const check = async (url: string, secret = SECRET) =>
    (await webhookChecks(WebhookConfig.parse({ type: 'webhook', url, secret }))[0]!.run(new AbortController().signal)) as { status: string; detail: string };
  it('https and a long secret are ok; neither is printed', async () => {
    expect(await check('https://siem.example.com/hooks/vulnledger')).toEqual({ name: 'notify webhook: webhook', status: 'ok', detail: 'url ok (host siem.example.com); events signed with HMAC-SHA256' });
    expect((await check('http://siem.example.com/hooks'))).toMatchObject({ status: 'warn' });
    const short = await check('https://siem.example.com/hooks', 'sixteen-chars-ok');
    expect(short).toMatchObject({ status: 'warn' });
    expect(JSON.stringify(short)).not.toContain('sixteen-chars-ok');
    expect(receiver.requests()).toEqual([]);
  });
});
