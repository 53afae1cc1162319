import type { Kysely } from 'kysely';

/**
 * Mirrors (issue 6): the page of each case in each mirror with the values it was last synced
 * with (so a push sends only what changed and a pull tells a person's edit from our own write),
 * and per-mirror state (pull watermark, cached data source id, sync lock).
 */
// Migrations are written against an untyped Kysely: they describe the schema as it was then.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mirror_pages')
    .addColumn('mirror', 'text', (c) => c.notNull())
    .addColumn('case_key', 'text', (c) => c.notNull())
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('values_json', 'text')
    .addColumn('values_hash', 'text')
    .addColumn('body_hash', 'text')
    .addColumn('gone_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mirror_pages_pk', ['mirror', 'case_key'])
    .execute();
  await db.schema.createIndex('mirror_pages_page').unique().on('mirror_pages').columns(['mirror', 'page_id']).execute();

  await db.schema
    .createTable('mirror_state')
    .addColumn('mirror', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mirror_state_pk', ['mirror', 'key'])
    .execute();
}
