import type { Kysely } from 'kysely';

/**
 * Advisories (one per feed item, with the CVE ids it names and its links to cases) and the
 * enrichment (KEV, EPSS) applied to each case. The raw KEV/EPSS facts live in `cache` (0001).
 */
// Migrations are written against an untyped Kysely: they describe the schema as it was then.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('advisories')
    .addColumn('case_key', 'text', (c) => c.primaryKey().references('cases.key'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('guid', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('published_at', 'text')
    .addColumn('updated_at', 'text')
    .addColumn('categories_json', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('cve_ids_json', 'text', (c) => c.notNull())
    .addColumn('advisory_id', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advisories_source').on('advisories').column('source').execute();

  await db.schema
    .createTable('advisory_cves')
    .addColumn('advisory_key', 'text', (c) => c.notNull().references('cases.key'))
    .addColumn('cve_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('advisory_cves_pk', ['advisory_key', 'cve_id'])
    .execute();
  await db.schema.createIndex('advisory_cves_cve_id').on('advisory_cves').column('cve_id').execute();

  await db.schema
    .createTable('advisory_links')
    .addColumn('advisory_key', 'text', (c) => c.notNull().references('cases.key'))
    .addColumn('case_key', 'text', (c) => c.notNull().references('cases.key'))
    .addColumn('cve_id', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addPrimaryKeyConstraint('advisory_links_pk', ['advisory_key', 'case_key', 'cve_id'])
    .execute();
  await db.schema.createIndex('advisory_links_case_key').on('advisory_links').column('case_key').execute();

  await db.schema
    .createTable('case_enrichment')
    .addColumn('case_key', 'text', (c) => c.primaryKey().references('cases.key'))
    .addColumn('kev_json', 'text')
    .addColumn('epss_json', 'text')
    .addColumn('epss_score', 'real')
    .addColumn('epss_baseline', 'real')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
