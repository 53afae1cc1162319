/**
 * The lines that describe one case in a notification, in a channel's own markup: Slack mrkdwn
 * and Teams card Markdown say the same things (events, severity, key, status, due date, owner,
 * links, resources) and differ only in how text is escaped, how links and bold are written.
 */
import type { CaseSnapshot, RenderContext } from '../../core/notification.js';
import { hostOf, nvdUrl, portalUrl, safeLink } from './links.js';
import { caseKeyWithLink, fill } from './text.js';

/** How a channel writes untrusted text (cleaned, escaped, at most `max` characters), links and bold. */
export interface Markup {
  text(value: string, max: number): string;
  link(url: string, label: string, maxLabel: number): string;
  bold(value: string): string;
}

/** The head line's parts: this run's events, severity with CVSS, and the case key with its vulnerability linked. */
export function caseHead(c: CaseSnapshot, ctx: RenderContext, mk: Markup): string[] {
  const m = ctx.messages;
  const head: string[] = [];
  if (c.events.length > 0) head.push(mk.bold(c.events.map((e) => m.event[e]).join(' · ')));
  head.push(`${mk.bold(m.severity[c.severity])}${c.cvss !== null && Number.isFinite(c.cvss) ? ` CVSS ${c.cvss.toFixed(1)}` : ''}`);
  head.push(caseKeyWithLink(c.key, c.vulnId, nvdUrl(c.vulnId), mk.text, mk.link));
  return head;
}

/** The facts line's parts: triage status, due date (open cases), owner, severity change, Notion and source links. */
export function caseFacts(c: CaseSnapshot, ctx: RenderContext, mk: Markup): string[] {
  const m = ctx.messages;
  const n = m.notify;
  const facts: string[] = [`${n.status}: ${m.status[c.status]}`];
  if (c.state !== 'resolved') facts.push(c.dueDate ? `${n.due}: ${mk.text(c.dueDate, 10)}${c.overdue ? ` ${mk.bold(n.overdue)}` : ''}` : n.noDue);
  if (c.owner) facts.push(`${n.owner}: ${mk.text(c.owner, 60)}`);
  if (c.previousSeverity && c.previousSeverity !== c.severity) {
    facts.push(fill(n.severityChange, { from: m.severity[c.previousSeverity], to: m.severity[c.severity] }));
  }
  const notion = safeLink(ctx.caseLink(c.key));
  if (notion) facts.push(mk.link(notion, n.notion, 20));
  const source = safeLink(c.link);
  if (source) facts.push(`${n.source}: ${mk.link(source, hostOf(source), 60)}`);
  return facts;
}

/** Room kept at the end of the resources line for "…and N more". */
const MORE_RESERVE = 40;

/**
 * `Resources: vm-1 (rg), vm-2 (rg), …and 3 more` within `budget` characters: each resource linked
 * to the Azure portal when its id is an ARM id, as many as fit, then how many were left out.
 */
export function resourcesLine(c: CaseSnapshot, ctx: RenderContext, mk: Markup, budget: number): string {
  const n = ctx.messages.notify;
  const label = `${n.resources}: `;
  if (c.resources.length === 0) return `${label}_${mk.text(n.noResources, 100)}_`;
  const items: string[] = [];
  let used = label.length;
  let shown = 0;
  for (const r of c.resources) {
    const url = portalUrl(r.id);
    const name = url ? mk.link(url, r.label, 100) : mk.text(r.label, 100);
    const item = r.resourceGroup ? `${name} (${mk.text(r.resourceGroup, 60)})` : name;
    if (used + item.length + 2 > budget - MORE_RESERVE) break;
    items.push(item);
    used += item.length + 2;
    shown++;
  }
  const rest = c.resourceCount - shown;
  if (rest > 0) items.push(fill(n.moreResources, { n: rest }));
  return label + items.join(', ');
}
