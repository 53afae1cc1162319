/** Row ↔ domain mapping. Stays inside store/: nothing else knows the column names. */
import type { CaseRecord } from '../core/case.js';
import type { CaseKind } from '../core/identity.js';
import type { DefenderModel, ExploitInfo, Finding, FindingKind, FindingLifecycleColumns, SeveritySource, StoredFinding } from '../core/finding.js';
import type { HistoryEntry, RunSourceRecord } from '../core/ports.js';
import type { Severity } from '../core/severity.js';
import type { SlaNotice } from '../core/sla.js';
import type { Evidence, Triage } from '../core/triage.js';
import type { CasesTable, EvidenceTable, FindingsTable, FindingTextsTable, HistoryTable, RunSourcesTable, TriageTable } from './database.js';
import type { FindingText } from './finding-texts.js';

/** A JSON list column as strings (anything else reads as empty). */
export function parseList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

/** The text of a finding as stored in `finding_texts`. */
export function findingText(f: Finding): FindingText {
  return {
    title: f.title,
    description: f.description,
    impact: f.impact,
    remediation: f.remediation,
    referencesJson: JSON.stringify(f.references),
    publishedAt: f.publishedAt,
  };
}

/** A `finding_texts` row. */
export function findingTextRow(id: string, text: FindingText): FindingTextsTable {
  return {
    id,
    title: text.title,
    description: text.description,
    impact: text.impact,
    remediation: text.remediation,
    references_json: text.referencesJson,
    published_at: text.publishedAt,
  };
}

/** Column order of `findingTuple` (the bulk insert of new findings). */
export const FINDING_COLUMNS = [
  'source',
  'fingerprint',
  'case_key',
  'kind',
  'asset_key',
  'vuln_id',
  'severity',
  'severity_source',
  'cvss',
  'text_id',
  'detected_at',
  'resource_id',
  'resource_name',
  'subscription_id',
  'resource_group',
  'resource_type',
  'repository',
  'digests_json',
  'tags_json',
  'database_name',
  'server',
  'software',
  'installed_versions_json',
  'fixed_version',
  'fix_available',
  'exploit_json',
  'model',
  'source_record_id',
  'state',
  'first_seen',
  'last_seen',
  'resolved_at',
  'reopened_at',
  'content_hash',
] as const satisfies ReadonlyArray<keyof FindingsTable>;

/** The key of a findings row (the first two of `FINDING_COLUMNS`) and the columns an update sets. */
export const FINDING_KEY_COLUMNS: readonly string[] = FINDING_COLUMNS.slice(0, 2);
export const FINDING_SET_COLUMNS: readonly string[] = FINDING_COLUMNS.slice(2);
if (FINDING_KEY_COLUMNS.join() !== 'source,fingerprint') throw new Error('FINDING_COLUMNS must start with the key (source, fingerprint)');

// Compile-time check that FINDING_COLUMNS lists every column (a missing one fails to type-check).
const everyColumnListed: [Exclude<keyof FindingsTable, (typeof FINDING_COLUMNS)[number]>] extends [never] ? true : false = true;
void everyColumnListed;

/**
 * A finding as the parameter list of an insert, in `FINDING_COLUMNS` order. Built directly (no
 * row object in between): a 100k-finding import builds 100k of these.
 */
export function findingTuple(source: string, f: Finding, lc: FindingLifecycleColumns, textId: string): unknown[] {
  return [
    source,
    f.fingerprint,
    f.caseKey,
    f.kind,
    f.assetKey,
    f.vulnId,
    f.severity,
    f.severitySource,
    f.cvss,
    textId,
    f.detectedAt,
    f.resource.id,
    f.resource.name,
    f.resource.subscriptionId,
    f.resource.resourceGroup,
    f.resource.type,
    f.repository,
    JSON.stringify(f.digests),
    JSON.stringify(f.tags),
    f.database,
    f.server,
    f.software,
    JSON.stringify(f.installedVersions),
    f.fixedVersion,
    f.fixAvailable === null ? null : f.fixAvailable ? 1 : 0,
    f.exploit ? JSON.stringify(f.exploit) : null,
    f.model,
    f.sourceRecordId,
    lc.state,
    lc.firstSeen,
    lc.lastSeen,
    lc.resolvedAt,
    lc.reopenedAt,
    lc.contentHash,
  ];
}

/** A `findings` row joined with its `finding_texts` row. */
export type FindingWithTextRow = FindingsTable & Omit<FindingTextsTable, 'id'>;

export function rowToFinding(row: FindingWithTextRow): StoredFinding {
  return {
    source: row.source,
    fingerprint: row.fingerprint,
    caseKey: row.case_key,
    kind: row.kind as FindingKind,
    assetKey: row.asset_key,
    vulnId: row.vuln_id,
    severity: row.severity as Severity,
    severitySource: row.severity_source as SeveritySource,
    cvss: row.cvss,
    title: row.title,
    description: row.description,
    impact: row.impact,
    remediation: row.remediation,
    references: parseList(row.references_json),
    publishedAt: row.published_at,
    detectedAt: row.detected_at,
    resource: {
      id: row.resource_id,
      name: row.resource_name,
      subscriptionId: row.subscription_id,
      resourceGroup: row.resource_group,
      type: row.resource_type,
    },
    repository: row.repository,
    digests: parseList(row.digests_json),
    tags: parseList(row.tags_json),
    database: row.database_name,
    server: row.server,
    software: row.software,
    installedVersions: parseList(row.installed_versions_json),
    fixedVersion: row.fixed_version,
    fixAvailable: row.fix_available === null ? null : row.fix_available === 1,
    exploit: row.exploit_json ? (JSON.parse(row.exploit_json) as ExploitInfo) : null,
    model: row.model as DefenderModel,
    sourceRecordId: row.source_record_id,
    state: row.state as StoredFinding['state'],
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    resolvedAt: row.resolved_at,
    reopenedAt: row.reopened_at,
    contentHash: row.content_hash,
  };
}

export function caseToRows(record: CaseRecord, at: string): { caseRow: CasesTable; triageRow: TriageTable } {
  return {
    caseRow: {
      key: record.key,
      kind: record.kind,
      vuln_id: record.vulnId,
      title: record.title,
      severity: record.severity,
      cvss: record.cvss,
      state: record.state,
      first_seen: record.firstSeen,
      last_seen: record.lastSeen,
      resolved_at: record.resolvedAt,
      reopened_at: record.reopenedAt,
      open_findings: record.openFindings,
      total_findings: record.totalFindings,
      sla_notice: record.slaNotice,
      updated_at: at,
    },
    triageRow: {
      case_key: record.key,
      status: record.triage.status,
      response_required: record.triage.responseRequired,
      owner: record.triage.owner,
      due_date: record.triage.dueDate,
      due_date_source: record.triage.dueDateSource,
      responded_at: record.triage.respondedAt,
      justification: record.triage.justification,
      accepted_until: record.triage.acceptedUntil,
      updated_at: at,
    },
  };
}

export function rowsToCase(c: CasesTable, t: TriageTable, evidence: Evidence[]): CaseRecord {
  const triage: Triage = {
    status: t.status as Triage['status'],
    responseRequired: t.response_required as Triage['responseRequired'],
    owner: t.owner,
    dueDate: t.due_date,
    dueDateSource: t.due_date_source as Triage['dueDateSource'],
    respondedAt: t.responded_at,
    justification: t.justification,
    acceptedUntil: t.accepted_until,
    evidence,
  };
  return {
    key: c.key,
    kind: c.kind as CaseKind,
    vulnId: c.vuln_id,
    title: c.title,
    severity: c.severity as Severity,
    cvss: c.cvss,
    state: c.state as CaseRecord['state'],
    firstSeen: c.first_seen,
    lastSeen: c.last_seen,
    resolvedAt: c.resolved_at,
    reopenedAt: c.reopened_at,
    openFindings: c.open_findings,
    totalFindings: c.total_findings,
    slaNotice: c.sla_notice as SlaNotice,
    triage,
  };
}

export function rowToEvidence(row: Omit<EvidenceTable, 'id'> & { id: number }): Evidence {
  return { at: row.at, author: row.author, text: row.text, kind: row.kind as Evidence['kind'] };
}

export function rowToHistory(row: Omit<HistoryTable, 'id'> & { id: number }): HistoryEntry {
  return {
    caseKey: row.case_key,
    at: row.at,
    actor: row.actor,
    field: row.field,
    oldValue: row.old_value,
    newValue: row.new_value,
    runId: row.run_id,
  };
}

export function runSourceToRow(r: RunSourceRecord): RunSourcesTable {
  return {
    run_id: r.runId,
    source: r.source,
    type: r.type,
    status: r.status,
    counts_json: JSON.stringify(r.counts),
    duration_ms: Math.round(r.durationMs),
    error: r.error,
    coverage_json: JSON.stringify(r.coverage),
    notes_json: JSON.stringify(r.notes),
    models_json: JSON.stringify(r.models),
    unrecognised_json: JSON.stringify(r.unrecognised),
  };
}

export function rowToRunSource(row: RunSourcesTable): RunSourceRecord {
  return {
    runId: row.run_id,
    source: row.source,
    type: row.type,
    status: row.status as RunSourceRecord['status'],
    counts: JSON.parse(row.counts_json) as RunSourceRecord['counts'],
    durationMs: row.duration_ms,
    error: row.error,
    coverage: JSON.parse(row.coverage_json) as RunSourceRecord['coverage'],
    notes: JSON.parse(row.notes_json) as string[],
    models: JSON.parse(row.models_json) as RunSourceRecord['models'],
    unrecognised: JSON.parse(row.unrecognised_json) as string[],
  };
}
