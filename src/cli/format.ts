/** Console renderings: the run digest, case tables, one case, history. */
import type { RunReport } from '../app/run.js';
import type { CaseDetail } from '../app/cases.js';
import type { CaseRecord, EventType } from '../core/case.js';
import type { Messages } from '../core/i18n.js';
import type { HistoryEntry, RunSourceRecord } from '../core/ports.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { isOverdue } from '../core/sla.js';
import { epssCell, kevCell, renderAdvisory, renderDigestExtras, renderEnrichment, renderLinkedAdvisories } from './format-advisories.js';
import { table, truncate, type Colors } from './text.js';

function severityColor(c: Colors, severity: Severity): (s: string) => string {
  switch (severity) {
    case 'Critical':
      return (s) => c.bold(c.red(s));
    case 'High':
      return c.red;
    case 'Medium':
      return c.yellow;
    case 'Low':
      return c.cyan;
    default:
      return c.dim;
  }
}

function sourceLine(r: RunSourceRecord, c: Colors, m: Messages): string {
  const status = r.status === 'ok' ? c.green(m.digest.runStatus.ok) : r.status === 'partial' ? c.yellow(m.digest.runStatus.partial) : c.red(m.digest.runStatus.failed);
  const skipped = Object.entries(r.counts.skipped)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const total = Object.values(r.counts.skipped).reduce((a, b) => a + (b ?? 0), 0);
  const models = Object.entries(r.models)
    .map(([model, n]) => `${model} ${n}`)
    .join(', ');
  const parts = [
    `rows ${r.counts.rows}`,
    `findings ${r.counts.findings}`,
    `new ${r.counts.new}`,
    `changed ${r.counts.changed}`,
    `reopened ${r.counts.reopened}`,
    `resolved ${r.counts.resolved}`,
    total > 0 ? `skipped ${total} (${skipped})` : 'skipped 0',
  ];
  let line = `  ${r.source}  ${status}  ${parts.join('  ')}${models ? c.dim(`  [${models}]`) : ''}  ${c.dim(`${(r.durationMs / 1000).toFixed(1)} s`)}`;
  if (r.error) line += `\n    ${r.status === 'failed' ? c.red('error:') : c.yellow('note:')} ${r.error}`;
  for (const note of r.notes) line += `\n    ${c.dim('note:')} ${note}`;
  if (r.unrecognised.length > 0) line += `\n    ${c.yellow('unrecognised rows:')} ${r.unrecognised.slice(0, 5).join('; ')}${r.unrecognised.length > 5 ? ` …(+${r.unrecognised.length - 5})` : ''}`;
  return line;
}

const COUNTED_EVENTS: Array<[EventType, keyof Messages['digest']]> = [
  ['case.new', 'new'],
  ['case.reopened', 'reopened'],
  ['case.resolved', 'resolved'],
  ['case.worsened', 'worsened'],
];

export interface DigestOptions {
  colors: Colors;
  messages: Messages;
  today: string;
  overdueBySeverity: Record<Severity, number>;
  /** At most this many new/reopened cases are listed. */
  listLimit?: number;
}

/** The console digest of a run: per-source outcome, counts by severity, new and reopened cases. */
export function renderDigest(report: RunReport, o: DigestOptions): string {
  const { colors: c, messages: m } = o;
  const lines: string[] = [];
  const status = report.run.status as keyof Messages['digest']['runStatus'];
  const statusText = status === 'ok' ? c.green(m.digest.runStatus.ok) : status === 'partial' ? c.yellow(m.digest.runStatus.partial) : c.red(m.digest.runStatus.failed);
  lines.push(`${c.bold(`${m.digest.title} ${report.run.id}`)}: ${statusText}`);
  lines.push(`${m.digest.sources}:`);
  for (const r of report.sources) lines.push(sourceLine(r, c, m));
  lines.push('');

  const bySeverity = (type: EventType): Record<Severity, number> => {
    const counts: Record<Severity, number> = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
    for (const e of report.events) {
      if (e.type !== type) continue;
      const sev = report.cases.get(e.caseKey)?.severity ?? 'Unknown';
      counts[sev]++;
    }
    return counts;
  };
  const header = ['', ...SEVERITIES.map((s) => m.severity[s]), m.digest.total];
  const row = (label: string, counts: Record<Severity, number>): string[] => {
    const total = SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
    return [label, ...SEVERITIES.map((s) => String(counts[s])), String(total)];
  };
  const rows = COUNTED_EVENTS.map(([type, label]) => row(m.digest[label] as string, bySeverity(type)));
  rows.push(row(m.digest.stillOpen, report.openBySeverity));
  rows.push(row(m.digest.overdue, o.overdueBySeverity));
  lines.push(table(header, rows, new Set([1, 2, 3, 4, 5, 6])));
  lines.push('');

  const changed = report.events.filter((e) => e.type === 'case.new' || e.type === 'case.reopened');
  const extras = renderDigestExtras(report, { colors: c, messages: m, listLimit: o.listLimit });
  if (report.events.length === 0 && extras.length === 0) {
    lines.push(report.run.status === 'failed' ? m.digest.nothingRecorded : m.digest.noChanges);
  } else if (changed.length === 0 && extras.length === 0) {
    lines.push(m.digest.noNewCases);
  } else if (changed.length === 0) {
    lines.push(...extras.slice(1));
  } else {
    lines.push(`${m.digest.newAndReopened}:`);
    const cases = changed
      .map((e) => ({ type: e.type, record: report.cases.get(e.caseKey) }))
      .filter((x): x is { type: EventType; record: CaseRecord } => x.record !== undefined)
      .sort((a, b) => SEVERITIES.indexOf(a.record.severity) - SEVERITIES.indexOf(b.record.severity) || a.record.key.localeCompare(b.record.key));
    const limit = o.listLimit ?? 25;
    for (const { type, record } of cases.slice(0, limit)) {
      const sev = severityColor(c, record.severity)(m.severity[record.severity].padEnd(8));
      const tag = type === 'case.reopened' ? c.magenta(m.event['case.reopened']) : c.green(m.event['case.new']);
      const due = record.triage.dueDate ? `${m.digest.due} ${record.triage.dueDate}` : '';
      lines.push(`  ${sev} ${tag}  ${record.key}  ${c.dim(`${record.openFindings} ${record.openFindings === 1 ? m.digest.finding : m.digest.findings}`)}  ${due}  ${truncate(record.title, 70)}`);
    }
    if (cases.length > limit) lines.push(c.dim(`  …and ${cases.length - limit} more (vulnledger cases --state open,reopened)`));
    lines.push(...extras);
  }
  return lines.join('\n');
}

/** `cases` as a table. */
export function renderCaseTable(cases: readonly CaseRecord[], o: { colors: Colors; messages: Messages; today: string }): string {
  const { colors: c, messages: m } = o;
  if (cases.length === 0) return 'No cases match.';
  const rows = cases.map((r) => {
    const overdue = isOverdue(r.triage, r.state !== 'resolved', o.today);
    return [
      severityColor(c, r.severity)(m.severity[r.severity]),
      r.key,
      r.kind,
      m.state[r.state],
      m.status[r.triage.status],
      r.triage.dueDate ? (overdue ? c.red(`${r.triage.dueDate}!`) : r.triage.dueDate) : '-',
      r.kind === 'advisory' ? '-' : `${r.openFindings}/${r.totalFindings}`,
      kevCell(r, c),
      epssCell(r),
      r.triage.owner ?? '-',
      truncate(r.title, 60),
    ];
  });
  return `${table(['severity', 'case', 'kind', 'state', 'status', 'due', 'open/all', 'kev', 'epss', 'owner', 'title'], rows, new Set([6, 8]))}\n${cases.length} case(s)`;
}

function resourceLabel(f: CaseDetail['findings'][number]): string {
  if (f.kind === 'registryImage') return `${f.repository ?? f.assetKey}${f.digests.length > 0 ? ` (${f.digests.map((d) => d.replace(/^sha256:/, '').slice(0, 12)).join(', ')})` : ''}`;
  if (f.kind === 'runningContainer') return f.assetKey;
  if (f.kind === 'sql') return `${f.server ?? '?'} / ${f.database ?? '?'}`;
  return f.resource.name || f.assetKey;
}

/** `show <case>`: the case, its findings per resource, triage, evidence, related cases, history. */
export function renderCase(d: CaseDetail, o: { colors: Colors; messages: Messages; today: string }): string {
  const { colors: c, messages: m } = o;
  const r = d.record;
  const t = r.triage;
  const overdue = isOverdue(t, r.state !== 'resolved', o.today);
  const lines = [
    `${c.bold(r.key)}  ${severityColor(c, r.severity)(m.severity[r.severity])}${r.cvss !== null ? `  CVSS ${r.cvss}` : ''}  ${m.state[r.state]}`,
    truncate(r.title, 200),
    `kind ${r.kind}  first seen ${r.firstSeen}  last seen ${r.lastSeen}${r.resolvedAt ? `  resolved ${r.resolvedAt}` : ''}${r.reopenedAt ? `  reopened ${r.reopenedAt}` : ''}`,
    '',
    c.bold('Triage'),
    `  status ${m.status[t.status]}  response required ${t.responseRequired}  owner ${t.owner ?? '-'}`,
    `  due ${t.dueDate ?? '-'}${t.dueDate ? ` (${t.dueDateSource})` : ''}${overdue ? c.red('  OVERDUE') : ''}  responded ${t.respondedAt ?? '-'}${t.acceptedUntil ? `  accepted until ${t.acceptedUntil}` : ''}`,
  ];
  if (t.justification) lines.push(`  justification: ${t.justification}`);
  if (t.evidence.length > 0) {
    lines.push('  evidence:');
    for (const e of t.evidence) lines.push(`    ${e.at.slice(0, 16).replace('T', ' ')}  ${e.author}  ${e.kind === 'system' ? c.dim(e.text) : e.text}`);
  }
  const enrichment = renderEnrichment(r, c);
  if (enrichment.length > 0) lines.push('', ...enrichment);
  if (d.advisory) lines.push('', ...renderAdvisory(d, c));
  lines.push(...renderLinkedAdvisories(d, c));
  if (d.related.length > 0) lines.push('', `${c.bold('Related')}: ${d.related.join(', ')}`);
  if (r.kind === 'advisory') {
    lines.push('', c.bold('History'), renderHistory(d.history));
    return lines.join('\n');
  }
  lines.push('', c.bold(`Findings (${d.findings.filter((f) => f.state === 'open').length} open of ${d.findings.length})`));
  const rows = d.findings.map((f) => [
    f.state === 'open' ? c.green('open') : c.dim('resolved'),
    f.kind,
    truncate(resourceLabel(f), 70),
    f.resource.resourceGroup,
    f.vulnId,
    m.severity[f.severity],
    f.software ? truncate(`${f.software}${f.fixedVersion ? ` → ${f.fixedVersion}` : ''}`, 40) : '-',
    f.firstSeen.slice(0, 10),
    f.effectiveLastSeen.slice(0, 10),
    f.resolvedAt ? f.resolvedAt.slice(0, 10) : '-',
  ]);
  lines.push(table(['state', 'kind', 'resource', 'resource group', 'vuln', 'severity', 'software → fix', 'first', 'last', 'resolved'], rows));
  lines.push('', c.bold('History'), renderHistory(d.history));
  return lines.join('\n');
}

/** History entries, oldest first. */
export function renderHistory(entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return '  (none)';
  return entries
    .map((h) => `  ${h.at.slice(0, 19).replace('T', ' ')}  ${h.actor.padEnd(12)}  ${h.field}: ${h.oldValue ?? '∅'} → ${truncate(h.newValue ?? '∅', 120)}${h.runId ? `  (run ${h.runId})` : ''}`)
    .join('\n');
}
