/**
 * The outbox after commit: what the delivery step reads and records. Entries are written in the
 * run transaction (`LedgerTx.enqueueOutbox`); everything here happens after commit, one small
 * write per message, so a crash loses nothing that was not yet recorded.
 */
import type { OutboxEntry } from './ports.js';

/**
 * Where an outbox entry stands.
 * - `pending`: written by a run, not tried yet;
 * - `sending`: claimed by a delivery in progress (a stale claim means the process stopped mid-send);
 * - `retrying`: a transient failure (429, 5xx, network); retried after `nextAttemptAt`;
 * - `delivered`: the platform accepted it; never sent again;
 * - `failed`: a permanent failure (4xx) or retries given up; waits for `outbox --retry` or `--drop`;
 * - `dropped`: a person dropped it; never sent.
 */
export type OutboxStatus = 'pending' | 'sending' | 'retrying' | 'delivered' | 'failed' | 'dropped';

export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'retrying', 'delivered', 'failed', 'dropped'];

/** Statuses of entries that are not finished (listed by `vulnledger outbox`). */
export const OPEN_OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'retrying', 'failed'];

/** An outbox entry as stored, with its delivery state. */
export interface OutboxRecord extends OutboxEntry {
  status: OutboxStatus;
  /** Delivery attempts so far (a claim counts as an attempt). */
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  /** The platform's error of the last failed attempt (never a URL or a token). */
  lastError: string | null;
  deliveredAt: string | null;
  /** What the platform returned for the message, e.g. a Slack `ts` (replies thread under it). */
  deliveredRef: string | null;
  dependsOn: string | null;
  seq: number;
}

/** Filters for listing outbox entries. */
export interface OutboxFilter {
  statuses?: readonly OutboxStatus[];
  channels?: readonly string[];
  ids?: readonly string[];
  /** At most this many, newest last (default: all). */
  limit?: number;
}

/** The outbox after commit. Implemented by the store; every method is one short write or read. */
export interface OutboxStore {
  /** Entries matching the filter, in delivery order (created, then seq). */
  list(filter?: OutboxFilter): Promise<OutboxRecord[]>;
  get(id: string): Promise<OutboxRecord | undefined>;
  /**
   * Claims an entry for sending: `sending`, one more attempt, `lastAttemptAt = at`. Succeeds only
   * from one of `from` (so two deliveries never send the same entry); false when someone else has it.
   */
  claim(id: string, at: string, from: readonly OutboxStatus[]): Promise<boolean>;
  markDelivered(id: string, at: string, ref: string | null): Promise<void>;
  markRetrying(id: string, error: string, nextAttemptAt: string): Promise<void>;
  markFailed(id: string, error: string): Promise<void>;
  /** Drops entries that are not delivered; returns how many were dropped. */
  drop(ids: readonly string[]): Promise<number>;
}
