/**
 * `type: webhook`: the documented JSON event POSTed with an HMAC signature (readme.md). Any 2xx is
 * success; 4xx other than 408/429 is permanent; retries, Retry-After and backoff as for every channel.
 */
import { notifierChannel, type Notifier, type SendResult } from '../../core/notification.js';
import type { CheckResult, DoctorCheck } from '../../core/ports.js';
import { fetchWithRetry } from '../../util/http.js';
import { addSecret } from '../../util/logger.js';
import { notifierNameOf, routingOf } from '../_shared/config.js';
import type { NotifierDeps } from '../_shared/plugin.js';
import { DEFAULT_SEND_POLICY, httpFailure, sendWithRetry } from '../_shared/send.js';
import type { WebhookConfig } from './config.js';
import { renderWebhookEvent, splitWebhookNotification } from './render.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './sign.js';

export const WEBHOOK_TYPE = 'webhook';

/** Builds a webhook notifier. Registers its URL and secret as secrets; contacts nothing. */
export function createWebhookNotifier(config: WebhookConfig, deps: NotifierDeps): Notifier {
  addSecret(config.url);
  addSecret(config.secret);
  const name = notifierNameOf(config);
  const routing = routingOf(config, deps.defaultMinSeverity);
  const policy = { ...DEFAULT_SEND_POLICY, retries: config.retries, ...deps.sendPolicy };
  const describe = `webhook of notifier ${name}`;
  return {
    name,
    type: WEBHOOK_TYPE,
    channel: notifierChannel(name),
    routing,
    dashboardUrl: config.links.dashboard ?? null,
    minIntervalMs: 0,
    split: (notification, render) =>
      splitWebhookNotification(notification, render, { maxBytes: config.maxBytes, maxMessages: notification.kind === 'changes' ? routing.maxMessagesPerRun : null }),
    async send(message, ctx) {
      const attempt = async (): Promise<SendResult> => {
        // Each attempt is signed afresh: `sentAt` is part of the signed body.
        const now = new Date();
        const event = renderWebhookEvent(message, ctx.render, { id: ctx.idempotencyKey, sentAt: now.toISOString() });
        const body = JSON.stringify(event);
        try {
          const response = await fetchWithRetry(config.url, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'User-Agent': 'vulnledger',
              [SIGNATURE_HEADER]: signBody(body, config.secret),
              [TIMESTAMP_HEADER]: String(Math.floor(now.getTime() / 1000)),
              [DELIVERY_HEADER]: ctx.idempotencyKey,
              [EVENT_HEADER]: event.type,
            },
            body,
            timeoutMs: config.timeoutMs,
            retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
            signal: ctx.signal,
            describe,
          });
          await response.arrayBuffer().catch(() => undefined);
          return { ok: true, ref: null };
        } catch (error) {
          return httpFailure(error);
        }
      };
      return sendWithRetry(attempt, policy, ctx.signal);
    },
  };
}

/** `doctor` check: the URL's shape and the secret's length. Posts nothing, prints neither. */
export function webhookChecks(config: WebhookConfig): DoctorCheck[] {
  addSecret(config.url);
  addSecret(config.secret);
  const name = `notify ${notifierNameOf(config)}: webhook`;
  return [
    {
      name,
      async run(): Promise<CheckResult> {
        let url: URL;
        try {
          url = new URL(config.url);
        } catch {
          return { name, status: 'fail', detail: 'url is not a URL' };
        }
        const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '::1';
        if (url.protocol !== 'https:' && !local) {
          return { name, status: 'warn', detail: `url uses ${url.protocol.replace(':', '')} (host ${url.host})`, hint: 'Use https so the events and their signatures cannot be read on the way.' };
        }
        if (config.secret.length < 32) {
          return { name, status: 'warn', detail: `url ok (host ${url.host}); the secret is short (${config.secret.length} characters)`, hint: 'Use at least 32 random characters, e.g. `openssl rand -hex 32`.' };
        }
        return { name, status: 'ok', detail: `url ok (host ${url.host}); events signed with HMAC-SHA256` };
      },
    },
  ];
}
