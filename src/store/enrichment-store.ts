/** Enrichment (KEV, EPSS) applied to cases: table `case_enrichment` of migration 0003. */
import type { Kysely } from 'kysely';
import type { CaseRecord } from '../core/case.js';
import { ENRICHMENT_CACHE, type CaseEnrichmentState, type CaseEpss, type CaseKev, type EnrichmentWriter } from '../core/enrichment.js';
import { chunks, IN_CHUNK } from './chunks.js';
import type { Database } from './database.js';

const INSERT_CHUNK = 200;

function parseOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Sets `kev` and `epss` (null when none) on loaded case records. */
export async function attachEnrichment(db: Kysely<Database>, cases: Map<string, CaseRecord>): Promise<void> {
  const keys = [...cases.keys()];
  for (const record of cases.values()) {
    record.kev = null;
    record.epss = null;
  }
  for (const part of chunks(keys, IN_CHUNK)) {
    const rows = await db.selectFrom('case_enrichment').select(['case_key', 'kev_json', 'epss_json']).where('case_key', 'in', part).execute();
    for (const row of rows) {
      const record = cases.get(row.case_key);
      if (!record) continue;
      record.kev = parseOrNull<CaseKev>(row.kev_json);
      record.epss = parseOrNull<CaseEpss>(row.epss_json);
    }
  }
}

/** Write side of the enrichment step, inside the run transaction. */
export function makeEnrichmentWriter(trx: Kysely<Database>, now: () => string): EnrichmentWriter {
  return {
    async hasAny() {
      const cached = await trx
        .selectFrom('cache')
        .select('key')
        .where('namespace', 'in', [ENRICHMENT_CACHE.kevCatalog, ENRICHMENT_CACHE.epss, ENRICHMENT_CACHE.epssDocument])
        .limit(1)
        .executeTakeFirst();
      if (cached) return true;
      const applied = await trx.selectFrom('case_enrichment').select('case_key').limit(1).executeTakeFirst();
      return applied !== undefined;
    },
    async candidates() {
      const rows = await trx
        .selectFrom('cases')
        .leftJoin('case_enrichment', 'case_enrichment.case_key', 'cases.key')
        .select(['cases.key', 'cases.vuln_id', 'cases.state', 'case_enrichment.case_key as stored_key', 'case_enrichment.kev_json', 'case_enrichment.epss_json', 'case_enrichment.epss_baseline'])
        .where('cases.kind', '!=', 'advisory')
        .where('cases.vuln_id', 'like', 'CVE-%')
        .orderBy('cases.key')
        .execute();
      return rows.map((r) => ({
        caseKey: r.key,
        cveId: r.vuln_id.toUpperCase(),
        open: r.state !== 'resolved',
        stored:
          r.stored_key === null
            ? null
            : ({ kev: parseOrNull<CaseKev>(r.kev_json), epss: parseOrNull<CaseEpss>(r.epss_json), epssBaseline: r.epss_baseline } satisfies CaseEnrichmentState),
      }));
    },
    async save(rows) {
      const at = now();
      for (const part of chunks(rows, INSERT_CHUNK)) {
        await trx
          .insertInto('case_enrichment')
          .values(
            part.map(({ caseKey, state }) => ({
              case_key: caseKey,
              kev_json: state.kev ? JSON.stringify(state.kev) : null,
              epss_json: state.epss ? JSON.stringify(state.epss) : null,
              epss_score: state.epss?.score ?? null,
              epss_baseline: state.epssBaseline,
              updated_at: at,
            })),
          )
          .onConflict((oc) =>
            oc.column('case_key').doUpdateSet((eb) => ({
              kev_json: eb.ref('excluded.kev_json'),
              epss_json: eb.ref('excluded.epss_json'),
              epss_score: eb.ref('excluded.epss_score'),
              epss_baseline: eb.ref('excluded.epss_baseline'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    },
    async openCveIds() {
      const rows = await trx
        .selectFrom('findings')
        .select('vuln_id')
        .distinct()
        .where('state', '=', 'open')
        .where('vuln_id', 'like', 'CVE-%')
        .orderBy('vuln_id')
        .execute();
      return rows.map((r) => r.vuln_id.toUpperCase());
    },
  };
}
