/**
 * Kysely table types: the one description of the ledger's tables. Columns are snake_case;
 * lists and objects are JSON text; booleans are integers 0/1 (portable across SQLite and PostgreSQL).
 */
import type { Generated } from 'kysely';
import type { AdvisoriesTable, AdvisoryCvesTable, AdvisoryLinksTable, CaseEnrichmentTable } from './advisory-enrichment-tables.js';
import type { MirrorPagesTable, MirrorStateTable } from './mirror-tables.js';

export interface FindingsTable {
  source: string;
  fingerprint: string;
  case_key: string;
  kind: string;
  asset_key: string;
  vuln_id: string;
  severity: string;
  severity_source: string;
  cvss: number | null;
  /** The vulnerability's text, shared by every finding of it: `finding_texts.id`. */
  text_id: string;
  detected_at: string | null;
  resource_id: string;
  resource_name: string;
  subscription_id: string;
  resource_group: string;
  resource_type: string;
  repository: string | null;
  digests_json: string;
  tags_json: string;
  database_name: string | null;
  server: string | null;
  software: string | null;
  installed_versions_json: string;
  fixed_version: string | null;
  fix_available: number | null;
  exploit_json: string | null;
  model: string;
  source_record_id: string;
  state: string;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  reopened_at: string | null;
  content_hash: string;
}

/** A vulnerability's text, stored once however many findings have it; `id` is a hash of the text. */
export interface FindingTextsTable {
  id: string;
  title: string;
  description: string;
  impact: string;
  remediation: string;
  references_json: string;
  published_at: string | null;
}

export interface CasesTable {
  key: string;
  kind: string;
  vuln_id: string;
  title: string;
  severity: string;
  cvss: number | null;
  state: string;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  reopened_at: string | null;
  open_findings: number;
  total_findings: number;
  sla_notice: string;
  updated_at: string;
}

export interface TriageTable {
  case_key: string;
  status: string;
  response_required: string;
  owner: string | null;
  due_date: string | null;
  due_date_source: string;
  responded_at: string | null;
  justification: string | null;
  accepted_until: string | null;
  updated_at: string;
}

export interface EvidenceTable {
  id: Generated<number>;
  case_key: string;
  at: string;
  author: string;
  text: string;
  kind: string;
}

export interface HistoryTable {
  id: Generated<number>;
  case_key: string;
  at: string;
  actor: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  run_id: string | null;
}

export interface RunsTable {
  id: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  error: string | null;
}

export interface RunSourcesTable {
  run_id: string;
  source: string;
  type: string;
  status: string;
  counts_json: string;
  duration_ms: number;
  error: string | null;
  coverage_json: string;
  notes_json: string;
  models_json: string;
  unrecognised_json: string;
}

export interface EventsTable {
  id: Generated<number>;
  run_id: string;
  type: string;
  case_key: string;
  at: string;
  details_json: string;
}

export interface OutboxTable {
  id: string;
  idempotency_key: string;
  channel: string;
  payload_json: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  run_id: string | null;
  /** Added by 0004-outbox-delivery. */
  depends_on: string | null;
  seq: Generated<number>;
  delivered_ref: string | null;
  last_attempt_at: string | null;
}

export interface SourceStateTable {
  source: string;
  key: string;
  value: string;
  updated_at: string;
}

export interface CacheTable {
  namespace: string;
  key: string;
  value_json: string;
  fetched_at: string;
}

/** Every table of the ledger. Later migrations add their tables here. */
export interface Database {
  findings: FindingsTable;
  finding_texts: FindingTextsTable;
  cases: CasesTable;
  triage: TriageTable;
  evidence: EvidenceTable;
  history: HistoryTable;
  runs: RunsTable;
  run_sources: RunSourcesTable;
  events: EventsTable;
  outbox: OutboxTable;
  source_state: SourceStateTable;
  cache: CacheTable;
  advisories: AdvisoriesTable;
  advisory_cves: AdvisoryCvesTable;
  advisory_links: AdvisoryLinksTable;
  case_enrichment: CaseEnrichmentTable;
  mirror_pages: MirrorPagesTable;
  mirror_state: MirrorStateTable;
}
