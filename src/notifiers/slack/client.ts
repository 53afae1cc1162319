/**
 * Slack transport through the official clients: `@slack/webhook` for an incoming webhook and
 * `@slack/web-api` (`chat.postMessage`) for a bot. Both are configured to make exactly one attempt
 * per call (the SDK's default Web API retry runs for ~30 minutes and re-posts messages Slack
 * already accepted); retries, Retry-After and backoff are ours (`_shared/send.ts`).
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type Logger as SlackLogger,
} from '@slack/web-api';
import type { Logger } from '../../core/ports.js';
import type { SendResult } from '../../core/notification.js';
import { parseRetryAfter } from '../../util/http.js';
import { redact } from '../../util/logger.js';
import { failure } from '../_shared/send.js';
import { messageOf } from '../../util/errors.js';
import type { SlackPayload } from './render.js';

/** Posts one message; never throws for a Slack failure. */
export interface SlackTransport {
  /** True when replies can thread under a message (a bot; webhooks return no `ts`). */
  readonly threaded: boolean;
  post(payload: SlackPayload, threadTs: string | null): Promise<SendResult>;
}

/** Web API errors that are worth retrying although Slack answered HTTP 200 `ok:false`. */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** An incoming webhook. The URL is a secret: it never appears in an outcome. */
export function webhookTransport(url: string, options: { timeoutMs: number }): SlackTransport {
  // The SDK does not expose the 429 response's headers; a wrapping fetch keeps Retry-After.
  let retryAfter: string | null = null;
  const hook = new IncomingWebhook(url, {
    timeout: options.timeoutMs,
    retryConfig: { retries: 0 },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      retryAfter = response.headers.get('retry-after');
      return response;
    },
  });
  return {
    threaded: false,
    async post(payload) {
      retryAfter = null;
      try {
        await hook.send({ text: payload.text, blocks: payload.blocks, unfurl_links: false, unfurl_media: false });
        return { ok: true, ref: null };
      } catch (error) {
        if (error instanceof IncomingWebhookHTTPError) {
          const body = error.body.trim() || error.statusMessage;
          const text = `Slack webhook answered HTTP ${error.statusCode}: ${body}`;
          if (error.statusCode === 429) return failure(text, true, parseRetryAfter(retryAfter));
          return failure(text, error.statusCode >= 500 || error.statusCode === 408);
        }
        if (error instanceof IncomingWebhookRequestError) {
          return failure(`Slack webhook request failed (no answer): ${messageOf(error.original)}`, true);
        }
        return failure(`Slack webhook request failed: ${messageOf(error)}`, true);
      }
    },
  };
}

/** Routes the Web API client's own log lines to our logger (warnings and errors only, redacted). */
function slackLogger(log: Logger): SlackLogger {
  let level: LogLevel = LogLevel.WARN;
  const line = (args: unknown[]): string => redact(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...args: unknown[]) => log.warn('slack client warning', { detail: line(args) }),
    error: (...args: unknown[]) => log.warn('slack client error', { detail: line(args) }),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** A Web API client with one attempt per call and rate-limited calls rejected (we wait ourselves). */
export function slackWebClient(token: string, options: { apiUrl?: string | undefined; timeoutMs: number; log: Logger }): WebClient {
  return new WebClient(token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
    logger: slackLogger(options.log),
    logLevel: LogLevel.WARN,
  });
}

/** Describes a Web API failure as Slack reported it; retryable or not. */
export function webApiFailure(method: string, error: unknown): SendResult {
  if (error instanceof WebAPIRateLimitedError) return failure(`Slack ${method}: rate limited (Retry-After ${error.retryAfter} s)`, true, error.retryAfter * 1000);
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    const errors = (error.data as { errors?: unknown }).errors;
    const details = Array.isArray(errors) ? `: ${errors.map(String).join('; ')}` : '';
    return failure(`Slack ${method}: ${code}${details}`, TRANSIENT_PLATFORM_ERRORS.has(code));
  }
  if (error instanceof WebAPIHTTPError) {
    const retryAfter = parseRetryAfter(error.headers['retry-after'] ?? null);
    return failure(`Slack ${method} answered HTTP ${error.statusCode} ${error.statusMessage}`, error.statusCode >= 500 || error.statusCode === 429 || error.statusCode === 408, retryAfter);
  }
  if (error instanceof WebAPIRequestError) return failure(`Slack ${method} request failed (no answer): ${messageOf(error.original)}`, true);
  return failure(`Slack ${method} failed: ${messageOf(error)}`, true);
}

/** A bot posting with `chat.postMessage`; the returned `ts` lets details thread under the summary. */
export function apiTransport(token: string, channel: string, options: { apiUrl?: string | undefined; timeoutMs: number; log: Logger }): SlackTransport {
  const web = slackWebClient(token, options);
  return {
    threaded: true,
    async post(payload, threadTs) {
      try {
        const result = await web.chat.postMessage({
          channel,
          text: payload.text,
          blocks: payload.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        });
        return { ok: true, ref: typeof result.ts === 'string' ? result.ts : null };
      } catch (error) {
        return webApiFailure('chat.postMessage', error);
      }
    },
  };
}
