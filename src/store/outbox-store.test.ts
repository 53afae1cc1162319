import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import type { LedgerStore, OutboxEntry } from '../core/ports.js';
import { nullLogger } from '../util/logger.js';
import { openSqliteLedger, type OpenedLedger } from './sqlite.js';

let opened: OpenedLedger;
let store: LedgerStore;

beforeEach(async () => {
  opened = await openSqliteLedger(':memory:', { clock: fixedClock('2026-11-23T06:00:00Z'), log: nullLogger });
  store = opened.store;
});
afterEach(async () => {
  await store.close();
});

function entry(id: string, seq: number, extra: Partial<OutboxEntry> = {}): OutboxEntry {
  return { id, idempotencyKey: `notify:slack:run-1:${seq + 1}`, channel: 'notify:slack', payload: { part: seq + 1 }, runId: 'run-1', createdAt: '2026-11-23T06:00:00.000Z', dependsOn: seq === 0 ? null : 'a', seq, ...extra };
}

describe('outbox store', () => {
  it('applies migration 0004 and keeps dependency and order from the run transaction', async () => {
    expect(opened.migrations.map((m) => m.name)).toContain('0004-outbox-delivery');
    await store.transaction(async (tx) => tx.enqueueOutbox([entry('b', 1), entry('a', 0), entry('z', 0, { idempotencyKey: 'notify:teams:run-0:1', channel: 'notify:teams', createdAt: '2026-11-16T06:00:00.000Z', dependsOn: null })]));
    const list = await store.outbox.list();
    expect(list.map((e) => [e.id, e.status, e.seq, e.dependsOn, e.attempts])).toEqual([
      ['z', 'pending', 0, null, 0],
      ['a', 'pending', 0, null, 0],
      ['b', 'pending', 1, 'a', 0],
    ]);
    expect(list[1]!.payload).toEqual({ part: 1 });
  });

  it('an idempotency key is enqueued once', async () => {
    await store.transaction(async (tx) => tx.enqueueOutbox([entry('a', 0)]));
    await store.transaction(async (tx) => tx.enqueueOutbox([entry('a2', 0)]));
    expect((await store.outbox.list()).map((e) => e.id)).toEqual(['a']);
  });

  it('a claim succeeds once, counts an attempt, and records the outcome', async () => {
    await store.transaction(async (tx) => tx.enqueueOutbox([entry('a', 0)]));
    expect(await store.outbox.claim('a', '2026-11-23T06:00:01.000Z', ['pending'])).toBe(true);
    expect(await store.outbox.claim('a', '2026-11-23T06:00:01.000Z', ['pending'])).toBe(false);
    expect(await store.outbox.get('a')).toMatchObject({ status: 'sending', attempts: 1, lastAttemptAt: '2026-11-23T06:00:01.000Z' });
    await store.outbox.markRetrying('a', 'HTTP 503', '2026-11-23T06:05:00.000Z');
    expect(await store.outbox.get('a')).toMatchObject({ status: 'retrying', lastError: 'HTTP 503', nextAttemptAt: '2026-11-23T06:05:00.000Z' });
    expect(await store.outbox.claim('a', '2026-11-23T06:06:00.000Z', ['retrying'])).toBe(true);
    await store.outbox.markDelivered('a', '2026-11-23T06:06:01.000Z', '1796035805.976000');
    expect(await store.outbox.get('a')).toMatchObject({ status: 'delivered', attempts: 2, lastError: null, deliveredRef: '1796035805.976000', deliveredAt: '2026-11-23T06:06:01.000Z' });
    expect(await store.outbox.claim('a', '2026-11-23T06:07:00.000Z', ['pending', 'retrying', 'failed', 'sending'])).toBe(false);
  });

  it('drop takes only undelivered entries; filters by status, channel, id and limit', async () => {
    await store.transaction(async (tx) => tx.enqueueOutbox([entry('a', 0), entry('b', 1), entry('c', 2)]));
    await store.outbox.claim('a', '2026-11-23T06:00:01.000Z', ['pending']);
    await store.outbox.markDelivered('a', '2026-11-23T06:00:01.000Z', null);
    await store.outbox.markFailed('b', 'HTTP 410: channel_is_archived');
    expect(await store.outbox.drop(['a', 'b', 'c'])).toBe(2);
    expect((await store.outbox.list({ statuses: ['dropped'] })).map((e) => e.id)).toEqual(['b', 'c']);
    expect((await store.outbox.list({ statuses: [] })).map((e) => e.id)).toEqual([]);
    expect((await store.outbox.list({ channels: ['notify:teams'] })).map((e) => e.id)).toEqual([]);
    expect((await store.outbox.list({ ids: ['c', 'a'] })).map((e) => e.id)).toEqual(['a', 'c']);
    expect((await store.outbox.list({ limit: 2 })).map((e) => e.id)).toEqual(['b', 'c']);
  });
});
