/**
 * The outbox after commit (issue 5): list, claim, and record each delivery. Each call is one
 * statement outside any run transaction, so what was recorded stays recorded if the process stops.
 */
import type { Kysely, Selectable } from 'kysely';
import type { OutboxFilter, OutboxRecord, OutboxStatus, OutboxStore } from '../core/outbox.js';
import type { Database, OutboxTable } from './database.js';

function toRecord(row: Selectable<OutboxTable>): OutboxRecord {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    payload: JSON.parse(row.payload_json) as unknown,
    runId: row.run_id,
    createdAt: row.created_at,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    deliveredRef: row.delivered_ref,
    dependsOn: row.depends_on,
    seq: row.seq,
  };
}

/** The outbox store over a migrated Kysely instance. */
export function createOutboxStore(db: Kysely<Database>): OutboxStore {
  return {
    async list(filter: OutboxFilter = {}) {
      let query = db.selectFrom('outbox').selectAll();
      if (filter.statuses) query = query.where('status', 'in', filter.statuses.length > 0 ? [...filter.statuses] : ['\u0000']);
      if (filter.channels) query = query.where('channel', 'in', filter.channels.length > 0 ? [...filter.channels] : ['\u0000']);
      if (filter.ids) query = query.where('id', 'in', filter.ids.length > 0 ? [...filter.ids] : ['\u0000']);
      if (filter.limit !== undefined) {
        // The newest `limit` entries, returned oldest first.
        const rows = await query.orderBy('created_at', 'desc').orderBy('seq', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
        return rows.reverse().map(toRecord);
      }
      const rows = await query.orderBy('created_at').orderBy('seq').orderBy('id').execute();
      return rows.map(toRecord);
    },
    async get(id) {
      const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async claim(id, at, from) {
      if (from.length === 0) return false;
      const result = await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), last_attempt_at: at }))
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markDelivered(id, at, ref) {
      await db
        .updateTable('outbox')
        .set({ status: 'delivered', delivered_at: at, delivered_ref: ref, last_error: null, next_attempt_at: null })
        .where('id', '=', id)
        .execute();
    },
    async markRetrying(id, error, nextAttemptAt) {
      await db.updateTable('outbox').set({ status: 'retrying', last_error: error, next_attempt_at: nextAttemptAt }).where('id', '=', id).execute();
    },
    async markFailed(id, error) {
      await db.updateTable('outbox').set({ status: 'failed', last_error: error, next_attempt_at: null }).where('id', '=', id).execute();
    },
    async drop(ids) {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable('outbox')
        .set({ status: 'dropped', next_attempt_at: null })
        .where('id', 'in', [...ids])
        .where('status', 'in', ['pending', 'retrying', 'failed', 'sending'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
