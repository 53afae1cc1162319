/**
 * Sending one message with bounded retries, the same way on every channel: a 429 is retried after
 * the Retry-After the platform asked for when that is short (else the message waits for a later
 * run), 5xx and network errors are retried with exponential backoff and jitter, and anything else
 * is permanent. The outcome carries the platform's own error string, with secrets redacted.
 */
import type { SendResult } from '../../core/notification.js';
import { backoffDelay, PermanentHttpError, sleep, TransientHttpError } from '../../util/http.js';
import { redact } from '../../util/logger.js';
import { messageOf } from '../../util/errors.js';

/** How one message is retried within a delivery. */
export interface SendPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff (doubled each retry, ±50 % jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the message is retried by a later run. */
  maxRetryAfterMs: number;
  /** Injected sleep (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_SEND_POLICY: SendPolicy = { retries: 2, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 30_000 };

/** Longest error text kept for an outbox entry. */
const MAX_ERROR = 1000;

/** A failure outcome with a redacted, bounded error text. */
export function failure(error: string, retryable: boolean, retryAfterMs: number | null = null): SendResult {
  const text = redact(error.replace(/\s+/g, ' ').trim());
  return { ok: false, retryable, error: text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text, retryAfterMs };
}

/** Classifies an error of `fetchWithRetry` (a single attempt) into a send outcome. */
export function httpFailure(error: unknown): SendResult {
  if (error instanceof PermanentHttpError) return failure(error.message, false);
  if (error instanceof TransientHttpError) return failure(error.message, true, error.retryAfterMs);
  return failure(messageOf(error), true);
}

/** Runs `attempt` until it succeeds, fails permanently, the retries are spent, or the platform asks for a long wait. */
export async function sendWithRetry(attempt: () => Promise<SendResult>, policy: SendPolicy, signal?: AbortSignal): Promise<SendResult> {
  const wait = policy.sleep ?? sleep;
  for (let i = 0; ; i++) {
    const result = await attempt();
    if (result.ok || !result.retryable || i >= policy.retries) return result;
    if (result.retryAfterMs !== null && result.retryAfterMs > policy.maxRetryAfterMs) return result;
    try {
      await wait(result.retryAfterMs ?? backoffDelay(i, policy), signal);
    } catch {
      return result;
    }
  }
}
