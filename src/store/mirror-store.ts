/**
 * Mirror state (issue 6) over Kysely: the page linked to each case per mirror, with the field
 * values it was last synced with, and a small key/value state per mirror. Used inside ledger
 * transactions (`tx.mirror(name)`), so a pulled edit and the link update commit together.
 */
import type { Kysely } from 'kysely';
import type { FieldValues, MirrorLink, MirrorStateTx } from '../core/mirror.js';
import { chunks, IN_CHUNK } from './chunks.js';
import type { Database } from './database.js';
import type { MirrorPagesTable } from './mirror-tables.js';
import { sha256Hex } from '../core/identity.js';

/** Stable JSON of field values (sorted keys), so equal values give equal hashes. */
function valuesJson(values: FieldValues): string {
  const sorted = Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted);
}

/** sha256 of the stable JSON of field values: the "hash of pushed values". */
export function valuesHash(values: FieldValues): string {
  return sha256Hex(valuesJson(values));
}

function rowToLink(row: MirrorPagesTable): MirrorLink {
  return {
    caseKey: row.case_key,
    pageId: row.page_id,
    url: row.url,
    values: row.values_json === null ? null : (JSON.parse(row.values_json) as FieldValues),
    bodyHash: row.body_hash,
    goneAt: row.gone_at,
  };
}

/** The state of mirror `mirror`, read and written through `db` (a transaction or the database). */
export function createMirrorStateTx(db: Kysely<Database>, now: () => string, mirror: string): MirrorStateTx {
  return {
    async links() {
      const rows = await db.selectFrom('mirror_pages').selectAll().where('mirror', '=', mirror).execute();
      return new Map(rows.map((r) => [r.case_key, rowToLink(r)]));
    },
    async link(caseKey) {
      const row = await db.selectFrom('mirror_pages').selectAll().where('mirror', '=', mirror).where('case_key', '=', caseKey).executeTakeFirst();
      return row ? rowToLink(row) : undefined;
    },
    async pageUrls(caseKeys) {
      const out = new Map<string, string>();
      for (const part of chunks(caseKeys, IN_CHUNK)) {
        const rows = await db
          .selectFrom('mirror_pages')
          .select(['case_key', 'url'])
          .where('mirror', '=', mirror)
          .where('gone_at', 'is', null)
          .where('case_key', 'in', part)
          .execute();
        for (const row of rows) if (row.url) out.set(row.case_key, row.url);
      }
      return out;
    },
    async saveLink(link) {
      const at = now();
      const values = {
        page_id: link.pageId,
        url: link.url,
        values_json: link.values === null ? null : valuesJson(link.values),
        values_hash: link.values === null ? null : valuesHash(link.values),
        body_hash: link.bodyHash,
        gone_at: link.goneAt,
        synced_at: at,
      };
      await db
        .insertInto('mirror_pages')
        .values({ mirror, case_key: link.caseKey, created_at: at, ...values })
        .onConflict((oc) => oc.columns(['mirror', 'case_key']).doUpdateSet(values))
        .execute();
    },
    async get(key) {
      const row = await db.selectFrom('mirror_state').select('value').where('mirror', '=', mirror).where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    },
    async set(key, value) {
      const at = now();
      await db
        .insertInto('mirror_state')
        .values({ mirror, key, value, updated_at: at })
        .onConflict((oc) => oc.columns(['mirror', 'key']).doUpdateSet({ value, updated_at: at }))
        .execute();
    },
    async delete(key) {
      await db.deleteFrom('mirror_state').where('mirror', '=', mirror).where('key', '=', key).execute();
    },
  };
}

