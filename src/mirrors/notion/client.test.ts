import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNotion, type FakeNotion } from '../../../test/fakes/notion/index.js';
import { nullLogger } from '../../util/logger.js';
import { NotionApi, NotionRequestError } from './client.js';

const TOKEN = 'secret_notion_client_test_token_01';
let fake: FakeNotion | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

describe('NotionApi retries', () => {
  it('a cancel during a retry wait ends the call at once, as cancelled', async () => {
    fake = await startFakeNotion({ token: TOKEN });
    fake.inject({ method: 'GET', path: /^\/v1\/users\//, times: 100, status: 503 });
    const stop = new AbortController();
    const api = new NotionApi({
      token: TOKEN,
      baseUrl: fake.url,
      timeoutMs: 5_000,
      requestsPerSecond: 100,
      log: nullLogger,
      signal: stop.signal,
      sdkRetry: { maxRetries: 0, initialRetryDelayMs: 0, maxRetryDelayMs: 0 },
      retries: 3,
      backoffMs: 60_000, // a wait no test would sit out
    });
    const started = Date.now();
    setTimeout(() => stop.abort(), 200);
    const error = await api.getUser('u1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotionRequestError);
    expect((error as NotionRequestError).failure).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
    // One attempt, then the wait that the cancel ended: no second request.
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/users/'))).toHaveLength(1);
  });
});
