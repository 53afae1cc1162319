/**
 * The documented, stable export (`schemas/export-v1.schema.json`): JSON for tools, CSV for
 * spreadsheets. Built case by case so a large ledger streams out without one big string.
 */
import type { LinkedCase, StoredAdvisory } from '../core/advisory.js';
import type { CaseRecord } from '../core/case.js';
import type { CaseFilter, HistoryEntry, LedgerReader } from '../core/ports.js';
import { isOverdue } from '../core/sla.js';
import { VEX_STATE } from '../core/triage.js';
import { effectiveFindingLastSeen, listCases } from './cases.js';

export const EXPORT_SCHEMA_VERSION = 1;

/** One finding in the export. */
export interface ExportFinding {
  fingerprint: string;
  source: string;
  kind: string;
  vulnId: string;
  severity: string;
  cvss: number | null;
  resource: { subscriptionId: string; resourceGroup: string; name: string; id: string };
  repository: string | null;
  digests: string[];
  database: string | null;
  software: string | null;
  fixedVersion: string | null;
  state: string;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
}

/** One case in the export. */
export interface ExportCase {
  key: string;
  kind: string;
  title: string;
  severity: string;
  cvss: number | null;
  state: string;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  reopenedAt: string | null;
  related: string[];
  kev: { dateAdded: string; dueDate: string | null; knownRansomware: boolean | null } | null;
  epss: { score: number; percentile: number; date: string } | null;
  /** Keys of the advisory cases that concern this case. */
  advisories: string[];
  /** For an advisory case: the feed item and the cases it concerns; otherwise null. */
  advisory: ExportAdvisory | null;
  triage: {
    status: string;
    vexState: string;
    responseRequired: string;
    owner: string | null;
    dueDate: string | null;
    overdue: boolean;
    respondedAt: string | null;
    justification: string | null;
    acceptedUntil: string | null;
    evidence: Array<{ at: string; author: string; text: string; kind: string }>;
  };
  findings: ExportFinding[];
  history: Array<{ at: string; actor: string; field: string; from: string | null; to: string | null; runId: string | null }>;
}

/** The feed item of an advisory case in the export. */
export interface ExportAdvisory {
  source: string;
  guid: string | null;
  advisoryId: string | null;
  link: string | null;
  publishedAt: string | null;
  updatedAt: string | null;
  categories: string[];
  summary: string;
  cveIds: string[];
  concerns: Array<{ key: string; cveId: string; state: string; openFindings: number }>;
}

function advisoryOut(a: StoredAdvisory, concerns: readonly LinkedCase[]): ExportAdvisory {
  return {
    source: a.source,
    guid: a.guid,
    advisoryId: a.advisoryId,
    link: a.link,
    publishedAt: a.publishedAt,
    updatedAt: a.updatedAt,
    categories: a.categories,
    summary: a.summary,
    cveIds: a.cveIds,
    concerns: concerns.map((l) => ({ key: l.key, cveId: l.cveId, state: l.state, openFindings: Object.values(l.openByKind).reduce((n, v) => n + (v ?? 0), 0) })),
  };
}

function historyOut(h: HistoryEntry): ExportCase['history'][number] {
  return { at: h.at, actor: h.actor, field: h.field, from: h.oldValue, to: h.newValue, runId: h.runId };
}

/** Builds the export record of every case matching the filter, most severe first. */
export async function* exportCases(reader: LedgerReader, filter: CaseFilter, today: string): AsyncGenerator<ExportCase> {
  const cases = await listCases(reader, filter);
  const lastComplete = await reader.lastCompleteRunAt();
  for (const record of cases) {
    const findings = await reader.findingsOfCase(record.key);
    const advisory = record.kind === 'advisory' ? await reader.advisory(record.key) : undefined;
    yield {
      key: record.key,
      kind: record.kind,
      title: record.title,
      severity: record.severity,
      cvss: record.cvss,
      state: record.state,
      firstSeen: record.firstSeen,
      lastSeen: record.lastSeen,
      resolvedAt: record.resolvedAt,
      reopenedAt: record.reopenedAt,
      related: await reader.relatedCases(record.key),
      kev: record.kev ? { dateAdded: record.kev.dateAdded, dueDate: record.kev.dueDate, knownRansomware: record.kev.knownRansomware } : null,
      epss: record.epss ? { score: record.epss.score, percentile: record.epss.percentile, date: record.epss.date } : null,
      advisories: [...new Set((await reader.linkedAdvisories(record.key)).map((a) => a.key))],
      advisory: advisory ? advisoryOut(advisory, await reader.linkedCases(record.key)) : null,
      triage: triageOut(record, today),
      findings: findings.map((f) => ({
        fingerprint: f.fingerprint,
        source: f.source,
        kind: f.kind,
        vulnId: f.vulnId,
        severity: f.severity,
        cvss: f.cvss,
        resource: { subscriptionId: f.resource.subscriptionId, resourceGroup: f.resource.resourceGroup, name: f.resource.name, id: f.resource.id },
        repository: f.repository,
        digests: f.digests,
        database: f.database,
        software: f.software,
        fixedVersion: f.fixedVersion,
        state: f.state,
        firstSeen: f.firstSeen,
        lastSeen: effectiveFindingLastSeen(f, lastComplete),
        resolvedAt: f.resolvedAt,
      })),
      history: (await reader.history(record.key)).map(historyOut),
    };
  }
}

function triageOut(record: CaseRecord, today: string): ExportCase['triage'] {
  const t = record.triage;
  return {
    status: t.status,
    vexState: VEX_STATE[t.status],
    responseRequired: t.responseRequired,
    owner: t.owner,
    dueDate: t.dueDate,
    overdue: isOverdue(t, record.state !== 'resolved', today),
    respondedAt: t.respondedAt,
    justification: t.justification,
    acceptedUntil: t.acceptedUntil,
    evidence: t.evidence.map((e) => ({ at: e.at, author: e.author, text: e.text, kind: e.kind })),
  };
}

/** Writes the JSON export as a stream of chunks: `{ schemaVersion, generatedAt, cases: [...] }`. */
export async function* exportJson(reader: LedgerReader, filter: CaseFilter, now: Date): AsyncGenerator<string> {
  const today = now.toISOString().slice(0, 10);
  yield `{"schemaVersion":${EXPORT_SCHEMA_VERSION},"generatedAt":${JSON.stringify(now.toISOString())},"cases":[`;
  let first = true;
  for await (const c of exportCases(reader, filter, today)) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(c)}`;
    first = false;
  }
  yield '\n]}\n';
}

export const CSV_COLUMNS = [
  'case_key',
  'case_kind',
  'title',
  'case_severity',
  'case_state',
  'triage_status',
  'response_required',
  'owner',
  'due_date',
  'overdue',
  'responded_at',
  'justification',
  'fingerprint',
  'source',
  'vuln_id',
  'finding_severity',
  'cvss',
  'subscription_id',
  'resource_group',
  'resource_name',
  'resource_id',
  'repository',
  'digests',
  'database',
  'software',
  'fixed_version',
  'finding_state',
  'first_seen',
  'last_seen',
  'resolved_at',
  'kev_date_added',
  'kev_due_date',
  'kev_known_ransomware',
  'epss_score',
  'epss_percentile',
  'advisories',
] as const;

/**
 * One CSV cell: quoted when needed, and neutralised against formula injection (a cell starting
 * with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`), since exports are opened in spreadsheets.
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes the CSV export (one row per finding; a case without findings gets one row). */
export async function* exportCsv(reader: LedgerReader, filter: CaseFilter, now: Date): AsyncGenerator<string> {
  const today = now.toISOString().slice(0, 10);
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const c of exportCases(reader, filter, today)) {
    const caseCells = [c.key, c.kind, c.title, c.severity, c.state, c.triage.status, c.triage.responseRequired, c.triage.owner, c.triage.dueDate, c.triage.overdue, c.triage.respondedAt, c.triage.justification];
    const rows = c.findings.length > 0 ? c.findings : [null];
    for (const f of rows) {
      const cells = f
        ? [f.fingerprint, f.source, f.vulnId, f.severity, f.cvss, f.resource.subscriptionId, f.resource.resourceGroup, f.resource.name, f.resource.id, f.repository, f.digests.join(' '), f.database, f.software, f.fixedVersion, f.state, f.firstSeen, f.lastSeen, f.resolvedAt]
        : Array.from({ length: 18 }, () => null);
      const enrichmentCells = [c.kev?.dateAdded ?? null, c.kev?.dueDate ?? null, c.kev ? c.kev.knownRansomware : null, c.epss?.score ?? null, c.epss?.percentile ?? null, c.advisories.join(' ')];
      yield `${[...caseCells, ...cells, ...enrichmentCells].map(csvCell).join(',')}\r\n`;
    }
  }
}
