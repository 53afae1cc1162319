import { z } from 'zod';
import { commonNotifierFields, HttpUrl } from '../_shared/config.js';

/**
 * `type: webhook` — a documented JSON event (see readme.md) POSTed to any URL, signed with
 * `X-Vulnledger-Signature: sha256=<HMAC-SHA256 of the raw body>`. The secret comes from `${ENV}`.
 */
export const WebhookConfig = z.strictObject({
  type: z.literal('webhook'),
  ...commonNotifierFields,
  /** Where to POST the events. */
  url: HttpUrl,
  /** HMAC key for the signature header (at least 16 characters). */
  secret: z.string().min(16, 'use a random secret of at least 16 characters (e.g. `openssl rand -hex 32`)'),
  /** Largest body sent in one request, in bytes; bigger notifications are split. */
  maxBytes: z.number().int().min(16_384).max(10_485_760).default(262_144),
});
export type WebhookConfig = z.infer<typeof WebhookConfig>;
