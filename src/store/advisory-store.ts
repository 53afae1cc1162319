/** Advisories, their CVE ids and their links to cases (tables of migration 0003). */
import type { Kysely } from 'kysely';
import type { AdvisoryLink, AdvisoryReader, AdvisoryWriter, LinkedAdvisory, LinkedCase, StoredAdvisory } from '../core/advisory.js';
import type { CaseState } from '../core/case.js';
import type { FindingKind } from '../core/finding.js';
import type { CaseKind } from '../core/identity.js';
import type { AdvisoriesTable } from './advisory-enrichment-tables.js';
import { chunks, IN_CHUNK } from './chunks.js';
import { parseList } from './rows.js';
import type { Database } from './database.js';

const INSERT_CHUNK = 200;


function toRow(a: StoredAdvisory): AdvisoriesTable {
  return {
    case_key: a.caseKey,
    source: a.source,
    item_key: a.itemKey,
    guid: a.guid,
    title: a.title,
    link: a.link,
    published_at: a.publishedAt,
    updated_at: a.updatedAt,
    categories_json: JSON.stringify(a.categories),
    summary: a.summary,
    cve_ids_json: JSON.stringify(a.cveIds),
    advisory_id: a.advisoryId,
    first_seen: a.firstSeen,
    last_seen: a.lastSeen,
    content_hash: a.contentHash,
  };
}

function fromRow(r: AdvisoriesTable): StoredAdvisory {
  return {
    caseKey: r.case_key,
    source: r.source,
    itemKey: r.item_key,
    guid: r.guid,
    title: r.title,
    link: r.link,
    publishedAt: r.published_at,
    updatedAt: r.updated_at,
    categories: parseList(r.categories_json),
    summary: r.summary,
    cveIds: parseList(r.cve_ids_json),
    advisoryId: r.advisory_id,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    contentHash: r.content_hash,
  };
}

/** Read side: the advisory behind a case, and links in both directions. */
export function makeAdvisoryReader(db: Kysely<Database>): AdvisoryReader {
  return {
    async advisory(key) {
      const row = await db.selectFrom('advisories').selectAll().where('case_key', '=', key).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async linkedCases(advisoryKey) {
      const rows = await db
        .selectFrom('advisory_links')
        .innerJoin('cases', 'cases.key', 'advisory_links.case_key')
        .select(['advisory_links.case_key', 'advisory_links.cve_id', 'advisory_links.linked_at', 'cases.kind', 'cases.state', 'cases.title'])
        .where('advisory_links.advisory_key', '=', advisoryKey)
        .orderBy('advisory_links.cve_id')
        .orderBy('advisory_links.case_key')
        .execute();
      const open = new Map<string, Partial<Record<FindingKind, number>>>();
      const keys = [...new Set(rows.map((r) => r.case_key))];
      for (const part of chunks(keys, IN_CHUNK)) {
        const counts = await db
          .selectFrom('findings')
          .select(['case_key', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
          .where('state', '=', 'open')
          .where('case_key', 'in', part)
          .groupBy(['case_key', 'kind'])
          .execute();
        for (const c of counts) {
          const byKind = open.get(c.case_key) ?? {};
          byKind[c.kind as FindingKind] = Number(c.n);
          open.set(c.case_key, byKind);
        }
      }
      return rows.map(
        (r): LinkedCase => ({
          key: r.case_key,
          cveId: r.cve_id,
          kind: r.kind as CaseKind,
          state: r.state as CaseState,
          title: r.title,
          openByKind: open.get(r.case_key) ?? {},
          linkedAt: r.linked_at,
        }),
      );
    },
    async linkedAdvisories(caseKey) {
      const rows = await db
        .selectFrom('advisory_links')
        .innerJoin('advisories', 'advisories.case_key', 'advisory_links.advisory_key')
        .select([
          'advisory_links.advisory_key',
          'advisory_links.cve_id',
          'advisory_links.linked_at',
          'advisories.source',
          'advisories.title',
          'advisories.link',
          'advisories.published_at',
        ])
        .where('advisory_links.case_key', '=', caseKey)
        .orderBy('advisories.published_at', 'desc')
        .orderBy('advisory_links.advisory_key')
        .execute();
      return rows.map(
        (r): LinkedAdvisory => ({
          key: r.advisory_key,
          cveId: r.cve_id,
          source: r.source,
          title: r.title,
          link: r.link,
          publishedAt: r.published_at,
          linkedAt: r.linked_at,
        }),
      );
    },
  };
}

/** Write side, used inside the run transaction. */
export function makeAdvisoryWriter(trx: Kysely<Database>): AdvisoryWriter {
  return {
    async get(keys) {
      const out = new Map<string, StoredAdvisory>();
      for (const part of chunks(keys, IN_CHUNK)) {
        const rows = await trx.selectFrom('advisories').selectAll().where('case_key', 'in', part).execute();
        for (const row of rows) out.set(row.case_key, fromRow(row));
      }
      return out;
    },
    async save(rows) {
      const fresh = rows.filter((r) => r.isNew).map((r) => r.advisory);
      for (const part of chunks(fresh, INSERT_CHUNK)) {
        await trx.insertInto('advisories').values(part.map(toRow)).execute();
      }
      for (const { advisory } of rows.filter((r) => !r.isNew)) {
        const { case_key: _k, ...values } = toRow(advisory);
        await trx.updateTable('advisories').set(values).where('case_key', '=', advisory.caseKey).execute();
      }
      const changedKeys = rows.filter((r) => !r.isNew).map((r) => r.advisory.caseKey);
      for (const part of chunks(changedKeys, IN_CHUNK)) {
        await trx.deleteFrom('advisory_cves').where('advisory_key', 'in', part).execute();
      }
      const cves = rows.flatMap((r) => r.advisory.cveIds.map((cve_id) => ({ advisory_key: r.advisory.caseKey, cve_id })));
      for (const part of chunks(cves, INSERT_CHUNK)) {
        await trx.insertInto('advisory_cves').values(part).onConflict((oc) => oc.doNothing()).execute();
      }
    },
    async pendingLinks() {
      const rows = await trx
        .selectFrom('advisory_cves')
        .innerJoin('cases', (join) => join.onRef('cases.vuln_id', '=', 'advisory_cves.cve_id').on('cases.kind', '!=', 'advisory'))
        .leftJoin('advisory_links', (join) =>
          join
            .onRef('advisory_links.advisory_key', '=', 'advisory_cves.advisory_key')
            .onRef('advisory_links.case_key', '=', 'cases.key')
            .onRef('advisory_links.cve_id', '=', 'advisory_cves.cve_id'),
        )
        .select(['advisory_cves.advisory_key', 'cases.key as case_key', 'advisory_cves.cve_id'])
        .where('advisory_links.advisory_key', 'is', null)
        .orderBy('advisory_cves.advisory_key')
        .orderBy('cases.key')
        .execute();
      return rows.map((r) => ({ advisoryKey: r.advisory_key, caseKey: r.case_key, cveId: r.cve_id }));
    },
    async addLinks(links: readonly AdvisoryLink[]) {
      for (const part of chunks(links, INSERT_CHUNK)) {
        await trx
          .insertInto('advisory_links')
          .values(part.map((l) => ({ advisory_key: l.advisoryKey, case_key: l.caseKey, cve_id: l.cveId, linked_at: l.linkedAt, run_id: l.runId })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },
  };
}
