/**
 * Delivering the outbox (issue 5), after the run committed. Each message is claimed, sent, and its
 * outcome recorded at once, so a delivered entry is never sent again and a crash loses nothing that
 * was not yet sent. A message that follows another (a Slack thread reply) waits until that one is
 * delivered and threads under its recorded `ts`. Transient failures (429, 5xx, network) are retried
 * by later runs with backoff; permanent ones (4xx) keep the platform's error and wait for a person.
 *
 * The one window no outbox can close: the platform accepted a message and the process stopped (or
 * the answer was lost) before the delivery was recorded. The entry is then sent again.
 */
import type { Clock } from '../core/clock.js';
import type { Messages } from '../core/i18n.js';
import type { CaseLinkLookup, Notifier, RenderContext, SendResult } from '../core/notification.js';
import { OPEN_OUTBOX_STATUSES, type OutboxRecord, type OutboxStatus, type OutboxStore } from '../core/outbox.js';
import type { Logger } from '../core/ports.js';
import { backoffDelay, sleep as realSleep } from '../util/http.js';
import { redact } from '../util/logger.js';
import { messageOf } from '../util/errors.js';
import { parseNotificationMessage } from './notification-schema.js';

/** What happened to one entry in a delivery. */
export type DeliveryResult = 'delivered' | 'retrying' | 'failed' | 'waiting' | 'unconfigured';

export interface DeliveryOutcome {
  id: string;
  channel: string;
  result: DeliveryResult;
  /** Part and count of the notification's messages, when the payload is readable. */
  part: number | null;
  parts: number | null;
  kind: 'changes' | 'report' | null;
  attempts: number;
  error: string | null;
  nextAttemptAt: string | null;
  /** Why a waiting entry was not sent now. */
  reason: string | null;
}

export interface DeliveryReport {
  outcomes: DeliveryOutcome[];
  counts: Record<DeliveryResult, number>;
}

export interface DeliverOptions {
  clock: Clock;
  log: Logger;
  messages: Messages;
  /** Send now, ignoring backoff, and retry failed entries too (`outbox --retry`). */
  force?: boolean;
  /** Only these entries. */
  ids?: readonly string[];
  /** Notion pages of cases, when the Notion mirror provides them. */
  caseLinks?: CaseLinkLookup;
  /** A transient failure becomes permanent after this many attempts (default 10). */
  maxAttempts?: number;
  /** A `sending` claim older than this is from a process that stopped (default 15 minutes). */
  staleAfterMs?: number;
  /** First wait before a later run retries (doubled per attempt, ±50 %, at most 6 hours). */
  retryBaseMs?: number;
  signal?: AbortSignal;
  /** Injected sleep for pacing (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_STALE_MS = 15 * 60_000;
const DEFAULT_RETRY_BASE_MS = 5 * 60_000;
const MAX_RETRY_WAIT_MS = 6 * 3_600_000;

function emptyCounts(): Record<DeliveryResult, number> {
  return { delivered: 0, retrying: 0, failed: 0, waiting: 0, unconfigured: 0 };
}

/** Whether an entry may be sent now, and from which status it is claimed. */
function dueNow(entry: OutboxRecord, now: number, options: { force: boolean; staleAfterMs: number }): { due: true; from: OutboxStatus } | { due: false; reason: string } {
  switch (entry.status) {
    case 'pending':
      return { due: true, from: 'pending' };
    case 'retrying':
      if (options.force || entry.nextAttemptAt === null || Date.parse(entry.nextAttemptAt) <= now) return { due: true, from: 'retrying' };
      return { due: false, reason: `next attempt after ${entry.nextAttemptAt}` };
    case 'failed':
      return options.force ? { due: true, from: 'failed' } : { due: false, reason: 'failed; retry with `vulnledger outbox --retry`' };
    case 'sending': {
      const since = entry.lastAttemptAt ? Date.parse(entry.lastAttemptAt) : 0;
      if (now - since >= options.staleAfterMs) return { due: true, from: 'sending' };
      return { due: false, reason: 'being sent by another vulnledger process' };
    }
    default:
      return { due: false, reason: entry.status };
  }
}

/**
 * Delivers every due outbox entry of the given notifiers, oldest first. Never throws for a platform
 * failure; each entry's outcome is recorded in the outbox and returned.
 */
export async function deliverOutbox(outbox: OutboxStore, notifiers: readonly Notifier[], options: DeliverOptions): Promise<DeliveryReport> {
  const log = options.log.child('deliver');
  const force = options.force ?? false;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
  const retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const wait = options.sleep ?? realSleep;
  const signal = options.signal ?? new AbortController().signal;
  const byChannel = new Map(notifiers.map((n) => [n.channel, n]));
  const entries = await outbox.list({ statuses: OPEN_OUTBOX_STATUSES, ...(options.ids ? { ids: options.ids } : {}) });
  const known = new Map(entries.map((e) => [e.id, e]));
  const stopped = new Map<string, string>();
  const lastSent = new Map<string, number>();
  const outcomes: DeliveryOutcome[] = [];

  for (const entry of entries) {
    const notifier = byChannel.get(entry.channel);
    if (!notifier) {
      // Entries of other producers (mirrors) are theirs to deliver; a removed notifier's are reported.
      if (entry.channel.startsWith('notify:')) outcomes.push(outcome(entry, 'unconfigured', { reason: 'no notifier with this name in the config' }));
      continue;
    }
    let message;
    try {
      message = parseNotificationMessage(entry.payload);
    } catch (error) {
      const text = `the stored message cannot be read (${messageOf(error)}); drop it with \`vulnledger outbox --drop ${entry.id}\``;
      await outbox.markFailed(entry.id, text);
      outcomes.push(outcome(entry, 'failed', { error: text }));
      continue;
    }
    const meta = { part: message.part, parts: message.parts, kind: message.kind };
    const now = options.clock.now();
    const stop = stopped.get(entry.channel);
    if (stop) {
      outcomes.push(outcome(entry, 'waiting', { ...meta, reason: stop }));
      continue;
    }
    const due = dueNow(entry, now.getTime(), { force, staleAfterMs });
    if (!due.due) {
      outcomes.push(outcome(entry, entry.status === 'failed' ? 'failed' : 'waiting', { ...meta, reason: due.reason, error: entry.lastError }));
      continue;
    }
    let parentRef: string | null = null;
    if (entry.dependsOn) {
      const parent = known.get(entry.dependsOn) ?? (await outbox.get(entry.dependsOn));
      if (parent && parent.status !== 'delivered' && parent.status !== 'dropped') {
        outcomes.push(outcome(entry, 'waiting', { ...meta, reason: `waits for ${parent.id} (${parent.status})` }));
        continue;
      }
      parentRef = parent?.status === 'delivered' ? parent.deliveredRef : null;
    }
    if (!(await outbox.claim(entry.id, now.toISOString(), [due.from]))) {
      outcomes.push(outcome(entry, 'waiting', { ...meta, reason: 'claimed by another vulnledger process' }));
      continue;
    }
    const attempts = entry.attempts + 1;
    const previous = lastSent.get(entry.channel);
    if (previous !== undefined && notifier.minIntervalMs > 0) {
      const gap = previous + notifier.minIntervalMs - Date.now();
      if (gap > 0) await wait(gap, signal).catch(() => undefined);
    }

    let links: ReadonlyMap<string, string> = new Map();
    if (options.caseLinks && notifier.routing.notionLinks && message.cases.length > 0) {
      try {
        links = await options.caseLinks(message.cases.map((c) => c.key));
      } catch (error) {
        log.warn('case link lookup failed; sending without Notion links', { error: messageOf(error) });
      }
    }
    const render: RenderContext = { messages: options.messages, dashboardUrl: notifier.dashboardUrl, caseLink: (key) => links.get(key) ?? null };
    let result: SendResult;
    try {
      result = await notifier.send(message, { render, idempotencyKey: entry.idempotencyKey, parentRef, signal, now });
    } catch (error) {
      result = { ok: false, retryable: true, error: redact(`sending failed: ${messageOf(error)}`), retryAfterMs: null };
    }
    lastSent.set(entry.channel, Date.now());
    const at = options.clock.now();

    if (result.ok) {
      await outbox.markDelivered(entry.id, at.toISOString(), result.ref);
      known.set(entry.id, { ...entry, status: 'delivered', deliveredRef: result.ref, deliveredAt: at.toISOString(), attempts });
      log.info('message delivered', { entry: entry.id, channel: entry.channel, part: message.part, parts: message.parts });
      outcomes.push(outcome(entry, 'delivered', { ...meta, attempts }));
      continue;
    }
    if (result.retryable && attempts < maxAttempts) {
      const waitMs = Math.min(MAX_RETRY_WAIT_MS, result.retryAfterMs ?? backoffDelay(attempts - 1, { retries: 0, baseDelayMs: retryBaseMs, maxDelayMs: MAX_RETRY_WAIT_MS }));
      const next = new Date(at.getTime() + waitMs).toISOString();
      await outbox.markRetrying(entry.id, result.error, next);
      known.set(entry.id, { ...entry, status: 'retrying', attempts, lastError: result.error, nextAttemptAt: next });
      // Later messages to this channel would meet the same outage, and must not overtake this one.
      stopped.set(entry.channel, `an earlier message to ${entry.channel} (${entry.id}) will be retried after ${next}`);
      log.warn('message not delivered; will retry', { entry: entry.id, channel: entry.channel, error: result.error, next });
      outcomes.push(outcome(entry, 'retrying', { ...meta, attempts, error: result.error, nextAttemptAt: next }));
      continue;
    }
    const error = result.retryable ? `gave up after ${attempts} attempts: ${result.error}` : result.error;
    await outbox.markFailed(entry.id, error);
    known.set(entry.id, { ...entry, status: 'failed', attempts, lastError: error });
    log.error('message failed permanently', { entry: entry.id, channel: entry.channel, error });
    outcomes.push(outcome(entry, 'failed', { ...meta, attempts, error }));
  }
  const counts = emptyCounts();
  for (const o of outcomes) counts[o.result]++;
  return { outcomes, counts };
}

function outcome(
  entry: OutboxRecord,
  result: DeliveryResult,
  extra: Partial<Pick<DeliveryOutcome, 'part' | 'parts' | 'kind' | 'attempts' | 'error' | 'nextAttemptAt' | 'reason'>> = {},
): DeliveryOutcome {
  return {
    id: entry.id,
    channel: entry.channel,
    result,
    part: extra.part ?? null,
    parts: extra.parts ?? null,
    kind: extra.kind ?? null,
    attempts: extra.attempts ?? entry.attempts,
    error: extra.error ?? null,
    nextAttemptAt: extra.nextAttemptAt ?? (result === 'waiting' ? entry.nextAttemptAt : null),
    reason: extra.reason ?? null,
  };
}

/** An entry and the entries that follow it (its thread replies), for `outbox --retry <id>` and `--drop <id>`. */
export async function withFollowers(outbox: OutboxStore, id: string): Promise<{ entry: OutboxRecord | undefined; ids: string[] }> {
  const entry = await outbox.get(id);
  if (!entry) return { entry, ids: [] };
  const open = await outbox.list({ statuses: OPEN_OUTBOX_STATUSES });
  return { entry, ids: [entry.id, ...open.filter((e) => e.dependsOn === entry.id).map((e) => e.id)] };
}
