/**
 * Shared HTTP for every plugin that talks to a service: a timeout on every call, bounded retries
 * with exponential backoff and jitter that honour Retry-After, and errors that say what failed,
 * where, and whether trying again later can help. Secrets in URLs are never put in messages.
 */

/** A failure that may succeed later (429, 5xx, network, timeout). Carries the wait the service asked for. */
export class TransientHttpError extends Error {
  override readonly name = 'TransientHttpError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryAfterMs: number | null,
    readonly body: string,
  ) {
    super(message);
  }
}

/** A failure that will not succeed by retrying (4xx other than 408/429). */
export class PermanentHttpError extends Error {
  override readonly name = 'PermanentHttpError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** How to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = one attempt). */
  retries: number;
  /** First backoff, doubled each retry, with ±50 % jitter. */
  baseDelayMs: number;
  /** Upper bound for any single wait, including Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 60_000 };

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** How the URL appears in messages (defaults to origin + path, never the query string). */
  describe?: string;
  /** Called before each wait, for progress lines ("throttled, waiting 4 s"). */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  /** Injected sleep (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Statuses the caller handles itself instead of an error (e.g. 304). */
  acceptStatus?: readonly number[];
}

/** Origin and path of a URL without query or credentials: safe to log. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Backoff for the given retry number (0-based) with ±50 % jitter, capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.baseDelayMs * 2 ** attempt;
  return Math.min(policy.maxDelayMs, Math.round(base / 2 + base * random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const BODY_EXCERPT = 2000;

/** Reads at most a bounded excerpt of a body, for error messages. */
async function bodyExcerpt(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
  } catch {
    return '';
  }
}

function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Fetches with a timeout per attempt and bounded retries. Returns the response for 2xx (and any
 * `acceptStatus`); throws `PermanentHttpError` for other 4xx and `TransientHttpError` once retries
 * are spent on 429/5xx/network/timeout. The response body is left unread for the caller to stream.
 */
export async function fetchWithRetry(url: string, options: HttpRequestOptions = {}): Promise<Response> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const wait = options.sleep ?? sleep;
  const where = options.describe ?? safeUrl(url);
  const method = options.method ?? 'GET';
  let lastError: TransientHttpError | null = null;

  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (options.signal?.aborted) throw new Error(`${method} ${where} cancelled`);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, { method, headers: options.headers, body: options.body, signal });
    } catch (error) {
      if (options.signal?.aborted) throw new Error(`${method} ${where} cancelled`);
      const timedOut = timeout.aborted;
      const reason = timedOut ? `no response within ${timeoutMs} ms` : `network error: ${describeCause(error)}`;
      lastError = new TransientHttpError(`${method} ${where} failed: ${reason}`, null, null, '');
      if (attempt < policy.retries) {
        const waitMs = backoffDelay(attempt, policy);
        options.onRetry?.({ attempt: attempt + 1, waitMs, reason });
        await wait(waitMs, options.signal);
        continue;
      }
      throw lastError;
    }

    if (response.ok || options.acceptStatus?.includes(response.status)) return response;

    const body = await bodyExcerpt(response);
    if (!isTransientStatus(response.status)) {
      throw new PermanentHttpError(`${method} ${where} answered HTTP ${response.status}: ${oneLine(body)}`, response.status, body);
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    lastError = new TransientHttpError(
      `${method} ${where} answered HTTP ${response.status}: ${oneLine(body)}`,
      response.status,
      retryAfterMs,
      body,
    );
    if (attempt < policy.retries) {
      const waitMs = Math.min(policy.maxDelayMs, retryAfterMs ?? backoffDelay(attempt, policy));
      options.onRetry?.({ attempt: attempt + 1, waitMs, reason: `HTTP ${response.status}` });
      await wait(waitMs, options.signal);
      continue;
    }
    throw lastError;
  }
  throw lastError ?? new TransientHttpError(`${method} ${where} failed`, null, null, '');
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${cause.message}`;
    return error.message;
  }
  return String(error);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? '(empty body)' : flat.slice(0, 500);
}
