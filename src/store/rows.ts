/** Row ↔ domain mapping. Stays inside store/: nothing else knows the column names. */
import type { CaseRecord } from '../core/case.js';
import type { CaseKind } from '../core/identity.js';
import type { DefenderModel, ExploitInfo, FindingKind, SeveritySource, StoredFinding } from '../core/finding.js';
import type { HistoryEntry, RunSourceRecord } from '../core/ports.js';
import type { Severity } from '../core/severity.js';
import type { SlaNotice } from '../core/sla.js';
import type { Evidence, Triage } from '../core/triage.js';
import type { CasesTable, EvidenceTable, FindingsTable, HistoryTable, RunSourcesTable, TriageTable } from './database.js';

function parseList(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

export function findingToRow(source: string, f: StoredFinding): FindingsTable {
  return {
    source,
    fingerprint: f.fingerprint,
    case_key: f.caseKey,
    kind: f.kind,
    asset_key: f.assetKey,
    vuln_id: f.vulnId,
    severity: f.severity,
    severity_source: f.severitySource,
    cvss: f.cvss,
    title: f.title,
    description: f.description,
    impact: f.impact,
    remediation: f.remediation,
    references_json: JSON.stringify(f.references),
    published_at: f.publishedAt,
    detected_at: f.detectedAt,
    resource_id: f.resource.id,
    resource_name: f.resource.name,
    subscription_id: f.resource.subscriptionId,
    resource_group: f.resource.resourceGroup,
    resource_type: f.resource.type,
    repository: f.repository,
    digests_json: JSON.stringify(f.digests),
    tags_json: JSON.stringify(f.tags),
    database_name: f.database,
    server: f.server,
    software: f.software,
    installed_versions_json: JSON.stringify(f.installedVersions),
    fixed_version: f.fixedVersion,
    fix_available: f.fixAvailable === null ? null : f.fixAvailable ? 1 : 0,
    exploit_json: f.exploit ? JSON.stringify(f.exploit) : null,
    model: f.model,
    source_record_id: f.sourceRecordId,
    state: f.state,
    first_seen: f.firstSeen,
    last_seen: f.lastSeen,
    resolved_at: f.resolvedAt,
    reopened_at: f.reopenedAt,
    content_hash: f.contentHash,
  };
}

export function rowToFinding(row: FindingsTable): StoredFinding {
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
