/**
 * Webhook signatures: `X-Vulnledger-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the
 * configured secret, plus `X-Vulnledger-Timestamp` (Unix seconds of `sentAt`, which is inside the
 * signed body). Receivers verify the signature over the bytes they received, then reject events
 * whose `sentAt` is older than a few minutes and ids they have seen (replay).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Vulnledger-Signature';
export const TIMESTAMP_HEADER = 'X-Vulnledger-Timestamp';
export const DELIVERY_HEADER = 'X-Vulnledger-Delivery';
export const EVENT_HEADER = 'X-Vulnledger-Event';

/** `sha256=<hex>` of the body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Constant-time check of a signature header against the raw body (what a receiver does). */
export function verifySignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'), 'utf8');
  const given = Buffer.from(header.slice('sha256='.length), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
