/**
 * The weekly list on the console and as Markdown: every open case at or above the threshold, with
 * its resources, triage status, due date and overdue flag. Markdown output escapes every
 * untrusted string (table cells cannot be broken, no HTML, no link syntax except ours).
 */
import type { ReportData } from '../app/notify.js';
import type { Messages } from '../core/i18n.js';
import { isCveId } from '../core/identity.js';
import type { CaseSnapshot } from '../core/notification.js';
import { SEVERITIES } from '../core/severity.js';
import { pad, truncate, type Colors } from './text.js';

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

function totalOf(counts: ReportData['open']): number {
  return SEVERITIES.reduce((n, s) => n + counts[s], 0);
}

function headline(r: ReportData, m: Messages): string {
  const open = totalOf(r.open);
  const severity = m.severity[r.minSeverity];
  return open === 0 ? fill(m.notify.noOpenCases, { severity }) : fill(m.notify.openCases, { n: open, severity, overdue: totalOf(r.overdue) });
}

function resourcesText(c: CaseSnapshot, m: Messages, limit: number): string {
  if (c.resources.length === 0) return m.notify.noResources;
  const shown = c.resources.slice(0, limit).map((r) => (r.resourceGroup ? `${r.label} (${r.resourceGroup})` : r.label));
  const rest = c.resourceCount - shown.length;
  return rest > 0 ? `${shown.join(', ')} ${fill(m.notify.moreResources, { n: rest })}` : shown.join(', ');
}

/** The list as console text. */
export function renderReportText(r: ReportData, o: { colors: Colors; messages: Messages }): string {
  const { colors: c, messages: m } = o;
  const n = m.notify;
  const lines = [c.bold(`${n.reportTitle} · ${r.at.slice(0, 10)}`), headline(r, m)];
  for (const x of r.cases) {
    const due = x.dueDate ? `${n.due} ${x.dueDate}${x.overdue ? ` ${c.red(n.overdue)}` : ''}` : n.noDue;
    lines.push('');
    lines.push(`${pad(m.severity[x.severity], 9)}${c.bold(truncate(x.key, 80))}  ${m.state[x.state]}  ${n.status} ${m.status[x.status]}  ${due}  ${n.owner} ${x.owner ? truncate(x.owner, 40) : '-'}`);
    lines.push(`         ${truncate(x.title, 110)}`);
    lines.push(`         ${n.resources}: ${truncate(resourcesText(x, m, 8), 200)}`);
  }
  return lines.join('\n');
}

/** Escapes a string for one Markdown table cell. */
export function mdCell(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|<>~&]/g, (ch) => `\\${ch}`)
    .trim();
}

/** The list as Markdown (a table, one row per case). */
export function renderReportMarkdown(r: ReportData, m: Messages): string {
  const n = m.notify;
  const lines = [`# ${mdCell(n.reportTitle)} · ${r.at.slice(0, 10)}`, '', mdCell(headline(r, m)), ''];
  if (r.cases.length === 0) return lines.join('\n');
  lines.push(`| Severity | Case | Title | ${n.resources} | ${n.status} | ${n.due} | ${m.event['sla.breached']} | ${n.owner} |`, '|---|---|---|---|---|---|---|---|');
  for (const x of r.cases) {
    const key = isCveId(x.vulnId) && x.key.toUpperCase().endsWith(x.vulnId.toUpperCase())
      ? `${mdCell(x.key.slice(0, x.key.length - x.vulnId.length))}[${mdCell(x.vulnId.toUpperCase())}](https://nvd.nist.gov/vuln/detail/${x.vulnId.toUpperCase()})`
      : mdCell(x.key);
    lines.push(
      `| ${m.severity[x.severity]} | ${key} | ${mdCell(x.title)} | ${mdCell(resourcesText(x, m, 50))} | ${m.status[x.status]} | ${x.dueDate ?? '-'} | ${x.overdue ? `**${n.overdue}**` : ''} | ${x.owner ? mdCell(x.owner) : ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
