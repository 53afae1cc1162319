/** Proves the fake Teams Workflows webhook with plain fetch, the way the notifier will call it. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkTeamsEnvelope, startFakeTeams, type FakeTeams } from './teams.js';

let clock = 1_764_460_800_000;
let fake: FakeTeams;

beforeAll(async () => {
  fake = await startFakeTeams({ hooks: [{ name: 'default' }, { name: 'other', sig: 'other-sig' }], now: () => clock });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  clock += 10_000;
});

/** A Workflows envelope around one Adaptive Card. */
function envelope(card: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.5',
          body: [
            { type: 'TextBlock', text: 'CVE-2024-3094 (Critical)', weight: 'Bolder', wrap: true },
            { type: 'FactSet', facts: [{ title: 'Status', value: 'Open' }] },
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Open in Notion', url: 'https://www.notion.so/x' }],
          ...card,
        },
      },
    ],
  };
}

function post(body: unknown, url = fake.webhookUrl()): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** An envelope whose JSON is exactly `bytes` long (ASCII padding in a TextBlock). */
function envelopeOfSize(bytes: number): string {
  const base = envelope({ body: [{ type: 'TextBlock', text: '', wrap: true }] });
  const empty = JSON.stringify(base).length;
  const padded = envelope({ body: [{ type: 'TextBlock', text: 'p'.repeat(bytes - empty), wrap: true }] });
  const json = JSON.stringify(padded);
  expect(Buffer.byteLength(json)).toBe(bytes);
  return json;
}

describe('fake Teams Workflows webhook', () => {
  it('answers a valid card with 202 and an empty body, and records the card', async () => {
    const body = envelope();
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-ms-workflow-run-id')).toMatch(/^[0-9a-f-]{36}$/);
    const cards = fake.cards();
    expect(cards).toHaveLength(1);
    expect(cards[0]?.card).toEqual((body.attachments as { content: unknown }[])[0]?.content);
    expect(cards[0]?.hook).toBe('default');
  });

  it('accepts exactly 28 KB and answers 413 one byte above (fake-only)', async () => {
    const limit = 28 * 1024;
    expect((await post(envelopeOfSize(limit))).status).toBe(202);
    const res = await post(envelopeOfSize(limit + 1));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PayloadTooLarge' } });
    expect(fake.cards()).toHaveLength(1);
  });

  it('answers 400 for a card version above 1.5', async () => {
    const res = await post(envelope({ version: '1.6' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'InvalidCard', message: 'attachments[0].content.version 1.6 is above 1.5' },
    });
    expect(fake.cards()).toEqual([]);
  });

  it('answers 400 for Action.Submit, at the top and inside an ActionSet', async () => {
    const top = await post(envelope({ actions: [{ type: 'Action.Submit', title: 'Ack' }] }));
    expect(top.status).toBe(400);
    expect(fake.requests()[0]?.problems).toEqual([
      'attachments[0].content.actions[0]: only Action.OpenUrl is supported (got Action.Submit)',
    ]);
    const nested = await post(
      envelope({ body: [{ type: 'ActionSet', actions: [{ type: 'Action.Execute', title: 'Run' }] }], actions: [] }),
    );
    expect(nested.status).toBe(400);
    expect(fake.requests()[1]?.problems).toEqual([
      'attachments[0].content.body[0].actions[0]: only Action.OpenUrl is supported (got Action.Execute)',
    ]);
  });

  it('answers 400 for a wrong envelope, content type or card type, and for malformed JSON', async () => {
    expect((await post({ ...envelope(), type: 'card' })).status).toBe(400);
    expect((await post({ type: 'message', attachments: [] })).status).toBe(400);
    const notCard = await post(envelope({ type: 'MessageCard' }));
    expect(notCard.status).toBe(400);
    expect(fake.requests()[2]?.problems).toEqual(["attachments[0].content: Property 'type' must be 'AdaptiveCard'"]);
    expect((await post('{"type":')).status).toBe(400);
    expect(fake.cards()).toEqual([]);
  });

  it('answers 401 without sig or with a wrong one, 404 for an unknown path', async () => {
    const url = new URL(fake.webhookUrl());
    url.searchParams.delete('sig');
    const missing = await post(envelope(), url.toString());
    expect(missing.status).toBe(401);
    expect(fake.requests()[0]).toMatchObject({ hasSig: false, status: 401 });
    url.searchParams.set('sig', 'forged');
    expect((await post(envelope(), url.toString())).status).toBe(401);
    expect((await post(envelope(), `${fake.url}/nope?sig=x`)).status).toBe(404);
    expect((await post(envelope(), fake.webhookUrl('other'))).status).toBe(202);
    expect(fake.cards().map((c) => c.hook)).toEqual(['other']);
  });

  it('answers 429 with Retry-After to the fifth request within one second, and admits again a second later', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      clock += 100;
      statuses.push((await post(envelope())).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
    expect(fake.requests()[4]?.response).toContain('WorkflowRequestsThrottled');
    clock += 1000;
    const res = await post(envelope());
    expect(res.status).toBe(202);
    expect(fake.cards()).toHaveLength(5);
  });

  it('throttles with the real clock too', async () => {
    const real = await startFakeTeams();
    try {
      const responses = await Promise.all(Array.from({ length: 5 }, () => post(envelope(), real.webhookUrl())));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([202, 202, 202, 202, 429]);
      expect(responses.find((r) => r.status === 429)?.headers.get('retry-after')).toBe('1');
    } finally {
      await real.close();
    }
  });

  it('injects 429 with Retry-After and 500, for N requests', async () => {
    fake.fail('default', { type: 'rate-limited', retryAfter: 9 });
    fake.fail('default', { type: 'http', status: 500 }, 2);
    const limited = await post(envelope());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    expect((await post(envelope())).status).toBe(500);
    expect((await post(envelope())).status).toBe(500);
    expect((await post(envelope())).status).toBe(202);
    expect(fake.cards()).toHaveLength(1);
  });

  it('hangs past a client timeout, and can accept a card and then lose the response', async () => {
    fake.fail('default', { type: 'hang' });
    await expect(
      fetch(fake.webhookUrl(), { method: 'POST', body: JSON.stringify(envelope()), signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(fake.cards()).toEqual([]);
    fake.fail('default', { type: 'drop-after-accept' });
    await expect(post(envelope())).rejects.toThrow(TypeError);
    expect(fake.cards()).toHaveLength(1);
  });
});

describe('checkTeamsEnvelope', () => {
  it('accepts the reference example and rejects unknown and post-1.5 element types', () => {
    expect(checkTeamsEnvelope(envelope())).toEqual([]);
    expect(checkTeamsEnvelope(envelope({ version: '1.10' }))).toEqual(['attachments[0].content.version 1.10 is above 1.5']);
    expect(checkTeamsEnvelope(envelope({ body: [{ type: 'Badge', text: 'x' }] }))).toEqual([
      'attachments[0].content.body[0]: unknown element type Badge',
    ]);
    expect(checkTeamsEnvelope(envelope({ actions: [{ type: 'Action.OpenUrl', title: 'x', url: 'javascript:alert(1)' }] }))).toEqual([
      'attachments[0].content.actions[0].url must be an http(s) URL',
    ]);
  });
});
