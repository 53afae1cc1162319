import type { Kysely } from 'kysely';

/**
 * Outbox delivery state (issue 5): which entry a message follows (a Slack thread reply waits for
 * its summary and threads under its `ts`), its order within a notification, what the platform
 * returned for it, and when it was last tried (a stale `sending` claim means the process stopped).
 */
// Migrations are written against an untyped Kysely: they describe the schema as it was then.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('depends_on', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('outbox').addColumn('delivered_ref', 'text').execute();
  await db.schema.alterTable('outbox').addColumn('last_attempt_at', 'text').execute();
  await db.schema.createIndex('outbox_created').on('outbox').columns(['created_at', 'seq']).execute();
}
