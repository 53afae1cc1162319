/** Table types of migration 0003 (advisories, their CVEs and links, enrichment applied to cases). */

export interface AdvisoriesTable {
  case_key: string;
  source: string;
  item_key: string;
  guid: string | null;
  title: string;
  link: string | null;
  published_at: string | null;
  updated_at: string | null;
  categories_json: string;
  summary: string;
  cve_ids_json: string;
  advisory_id: string | null;
  first_seen: string;
  last_seen: string;
  content_hash: string;
}

export interface AdvisoryCvesTable {
  advisory_key: string;
  cve_id: string;
}

export interface AdvisoryLinksTable {
  advisory_key: string;
  case_key: string;
  cve_id: string;
  linked_at: string;
  run_id: string | null;
}

export interface CaseEnrichmentTable {
  case_key: string;
  /** `CaseKev` JSON, null when not in KEV. */
  kev_json: string | null;
  /** `CaseEpss` JSON, null when not scored. */
  epss_json: string | null;
  /** The EPSS score again, as a number, for `--epss-min` in SQL. */
  epss_score: number | null;
  epss_baseline: number | null;
  updated_at: string;
}
