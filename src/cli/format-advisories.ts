/** Console renderings of advisories, links and enrichment (KEV, EPSS), used by format.ts. */
import type { RunReport } from '../app/run.js';
import type { CaseDetail } from '../app/cases.js';
import { describeExposure } from '../core/advisory.js';
import type { CaseRecord } from '../core/case.js';
import type { Messages } from '../core/i18n.js';
import { truncate, type Colors } from './text.js';

/** The KEV cell of the cases table. */
export function kevCell(r: Pick<CaseRecord, 'kev'>, c: Colors): string {
  if (!r.kev) return '-';
  return r.kev.knownRansomware ? c.red('KEV+ransomware') : c.red('KEV');
}

/** The EPSS cell of the cases table: the score with three decimals. */
export function epssCell(r: Pick<CaseRecord, 'epss'>): string {
  return r.epss ? r.epss.score.toFixed(3) : '-';
}

function ransomware(value: boolean | null): string {
  return value === true ? 'known' : value === false ? 'no' : 'unknown';
}

/** `show`: KEV and EPSS lines (none when the case has neither). */
export function renderEnrichment(r: CaseRecord, c: Colors): string[] {
  const lines: string[] = [];
  if (r.kev) {
    lines.push(
      `${c.red(c.bold('KEV'))}   known exploited (CISA KEV) — added ${r.kev.dateAdded}, CISA due ${r.kev.dueDate ?? '-'}, ransomware use ${ransomware(r.kev.knownRansomware)}; marked here since ${r.kev.since.slice(0, 10)}`,
    );
  }
  if (r.epss) lines.push(`${c.bold('EPSS')}  ${r.epss.score} (percentile ${r.epss.percentile}) on ${r.epss.date}`);
  return lines;
}

/** `show`: the advisory of an advisory case, and the cases it concerns. */
export function renderAdvisory(d: CaseDetail, c: Colors): string[] {
  const a = d.advisory;
  if (!a) return [];
  const lines = [
    c.bold('Advisory'),
    `  source ${a.source}  published ${a.publishedAt ?? '-'}${a.updatedAt ? `  updated ${a.updatedAt}` : ''}${a.advisoryId ? `  id ${a.advisoryId}` : ''}`,
  ];
  if (a.link) lines.push(`  ${a.link}`);
  if (a.categories.length > 0) lines.push(`  categories: ${truncate(a.categories.join(', '), 160)}`);
  lines.push(`  CVEs: ${a.cveIds.length > 0 ? truncate(a.cveIds.join(', '), 200) : '(none named)'}`);
  if (a.summary) lines.push(...wrap(truncate(a.summary, 600), 100).map((l) => `  ${c.dim(l)}`));
  lines.push('', c.bold(`Concerns (${d.concerns.length})`));
  if (d.concerns.length === 0) lines.push('  no case in the ledger is about the CVEs it names (re-checked on every run)');
  for (const l of d.concerns) lines.push(`  concerns ${l.cveId} ${describeExposure(l.state, l.openByKind)}  ${l.key}  ${c.dim(truncate(l.title, 60))}`);
  return lines;
}

/** `show`: the advisories that concern a case. */
export function renderLinkedAdvisories(d: CaseDetail, c: Colors): string[] {
  if (d.advisories.length === 0) return [];
  return [
    '',
    c.bold(`Advisories (${d.advisories.length})`),
    ...d.advisories.map((a) => `  ${a.key}  ${a.publishedAt?.slice(0, 10) ?? '-'}  ${truncate(a.title, 70)}  (${a.cveId})${a.link ? `  ${c.dim(a.link)}` : ''}`),
  ];
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out;
}

function worsenedReason(details: Record<string, string | number | boolean | null>): string {
  switch (details.reason) {
    case 'kev':
      return `added to CISA KEV ${details.dateAdded ?? ''} (CISA due ${details.dueDate ?? '-'}, ransomware ${ransomware((details.knownRansomware as boolean | null) ?? null)})`;
    case 'kev-ransomware':
      return 'KEV: ransomware use now known';
    case 'epss':
      return `EPSS ${details.from} → ${details.to} (percentile ${details.percentile})`;
    case 'severity':
      return `severity ${details.from} → ${details.to}`;
    default:
      return String(details.reason ?? '');
  }
}

/** Digest sections: worsened cases with why, and new advisories with the cases they concern. */
export function renderDigestExtras(report: RunReport, o: { colors: Colors; messages: Messages; listLimit?: number }): string[] {
  const { colors: c, messages: m } = o;
  const limit = o.listLimit ?? 25;
  const lines: string[] = [];
  const worsened = report.events.filter((e) => e.type === 'case.worsened');
  if (worsened.length > 0) {
    lines.push('', `${m.digest.worsened}:`);
    for (const e of worsened.slice(0, limit)) {
      const record = report.cases.get(e.caseKey);
      lines.push(`  ${c.yellow(m.event['case.worsened'])}  ${e.caseKey}  ${worsenedReason(e.details)}${record ? `  ${c.dim(truncate(record.title, 50))}` : ''}`);
    }
    if (worsened.length > limit) lines.push(c.dim(`  …and ${worsened.length - limit} more`));
  }
  const advisories = report.events.filter((e) => e.type === 'advisory.new');
  if (advisories.length > 0) {
    lines.push('', `${m.event['advisory.new']} (${advisories.length}):`);
    for (const e of advisories.slice(0, limit)) {
      const published = typeof e.details.publishedAt === 'string' ? e.details.publishedAt.slice(0, 10) : '-';
      const concerns = typeof e.details.concerns === 'string' ? `  ${c.bold('concerns')} ${e.details.concerns}` : '';
      lines.push(`  ${c.cyan(e.caseKey)}  ${published}  ${truncate(String(e.details.title ?? ''), 70)}${concerns}`);
    }
    if (advisories.length > limit) lines.push(c.dim(`  …and ${advisories.length - limit} more (vulnledger cases --kind advisory)`));
  }
  return lines;
}
