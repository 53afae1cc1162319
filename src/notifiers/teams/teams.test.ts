/** Teams delivery with fetch against the fake Workflows webhook. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTeams, type FakeTeams } from '../../../test/fakes/teams.js';
import type { SendContext } from '../../core/notification.js';
import { nullLogger } from '../../util/logger.js';
import { caseSnapshot, changes, renderContext } from '../_shared/test-helpers.js';
import { TeamsConfig } from './config.js';
import { createTeamsNotifier, teamsChecks } from './index.js';
import { renderTeamsMessage } from './render.js';

let teams: FakeTeams;
let sleeps: number[];
beforeAll(async () => {
  teams = await startFakeTeams();
});
afterAll(async () => {
  await teams.close();
});
beforeEach(() => {
  teams.reset();
  sleeps = [];
});

const notifier = (url = teams.webhookUrl()) =>
  createTeamsNotifier(TeamsConfig.parse({ type: 'teams', webhookUrl: url, retries: 2, timeoutMs: 5_000 }), {
    defaultMinSeverity: 'High',
    log: nullLogger,
    sendPolicy: { baseDelayMs: 10, sleep: async (ms: number) => void sleeps.push(ms) },
  });
const ctx: SendContext = { render: renderContext(), idempotencyKey: 'k', parentRef: null, signal: new AbortController().signal, now: new Date() };
const message = () => notifier().split(changes([caseSnapshot()]), renderContext())[0]!;

describe('Workflows webhook', () => {
  it('any 2xx is success: 202 with an empty body; the card arrives as rendered', async () => {
    const outcome = await notifier().send(message(), ctx);
    expect(outcome).toEqual({ ok: true, ref: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(teams.cards()).toHaveLength(1);
    expect(teams.cards()[0]!.envelope).toEqual(renderTeamsMessage(message(), renderContext()));
    expect(teams.requests()[0]!.status).toBe(202);
  });

  it('429 honours Retry-After; 5xx is retried; 4xx is permanent with the service’s error', async () => {
    teams.fail('default', { type: 'rate-limited', retryAfter: 3 });
    teams.fail('default', { type: 'http', status: 502 });
    await expect(notifier().send(message(), ctx)).resolves.toMatchObject({ ok: true });
    expect(sleeps[0]).toBe(3000);
    expect(sleeps).toHaveLength(2);

    teams.fail('default', { type: 'http', status: 400, body: '{"error":{"code":"InvalidRequestContent","message":"bad card"}}' });
    await expect(notifier().send(message(), ctx)).resolves.toEqual({
      ok: false,
      retryable: false,
      error: 'POST Teams webhook of notifier teams answered HTTP 400: {"error":{"code":"InvalidRequestContent","message":"bad card"}}',
      retryAfterMs: null,
    });
  });

  it('a wrong signature is permanent; the URL and its sig never appear in the error', async () => {
    const url = teams.webhookUrl().replace(/sig=[^&]+/, 'sig=wrong-signature-value');
    const outcome = await notifier(url).send(message(), ctx);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(outcome)).not.toContain('wrong-signature-value');
    expect(JSON.stringify(outcome)).not.toContain('/powerautomate/');
  });
});

describe('doctor check (URL shape only)', () => {
  const check = async (url: string) => (await teamsChecks(TeamsConfig.parse({ type: 'teams', webhookUrl: url }))[0]!.run(new AbortController().signal)) as { status: string; detail: string };
  it('knows Workflows URLs, retired connectors and missing signatures', async () => {
    expect(await check('https://prod-12.japaneast.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz')).toMatchObject({ status: 'ok' });
    expect(await check('https://default123.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1')).toMatchObject({ status: 'warn' });
    expect(await check('https://contoso.webhook.office.com/webhookb2/abc')).toMatchObject({ status: 'fail' });
    const local = await check(teams.webhookUrl());
    expect(local.status).toBe('warn');
    expect(local.detail).not.toContain('fake-sig');
    expect(teams.requests()).toEqual([]);
  });
});
