/**
 * Teams rendering (pure): a notification message → an Adaptive Card (v1.4, within Teams' 1.5) in
 * the Workflows envelope, at most {@link TEAMS_MESSAGE_LIMITS.bytes} bytes, with `Action.OpenUrl`
 * as the only action. Untrusted strings are cleaned and bounded, and Markdown link syntax
 * (`[text](url)`) and card functions (`{{…}}`) in them are broken, so the only links are ours.
 */
import { EVENT_PRIORITY, type CaseSnapshot, type Notification, type NotificationMessage, type RenderContext } from '../../core/notification.js';
import { caseFacts, caseHead, resourcesLine, type Markup } from '../_shared/case-lines.js';
import { MAX_LINK_LENGTH, safeLink } from '../_shared/links.js';
import { packMessages } from '../_shared/split.js';
import { cleanText, escapeWithin, fill, messageTitle, severityCountsText, total } from '../_shared/text.js';

export const TEAMS_MESSAGE_LIMITS = {
  /** Whole request body. Teams documents 28 KB; we keep a margin under 28,000 bytes. */
  bytes: 27_000,
  /** Cases per card, for readability. */
  casesPerMessage: 40,
} as const;

export const ADAPTIVE_CARD_VERSION = '1.4';

/** An Adaptive Card element (the subset we produce). */
export type CardElement = Record<string, unknown> & { type: string };

/** The Workflows request body. */
export interface TeamsPayload {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: string;
      type: 'AdaptiveCard';
      version: string;
      msteams: { width: 'Full' };
      body: CardElement[];
      actions?: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
    };
  }>;
}

function neutralise(ch: string): string {
  // Break `](` (a Markdown link) and `{{` (a card function) with a zero-width space.
  if (ch === ']') return ']\u200B';
  if (ch === '{') return '{\u200B';
  return ch;
}

/** Untrusted text as safe card Markdown of at most `max` characters. */
export function cardText(text: string, max: number): string {
  return escapeWithin(cleanText(text), max, neutralise);
}

/** A Markdown link `[label](url)`; the label cannot close or nest a link. */
export function cardLink(url: string, label: string, maxLabel = 120): string {
  const safeLabel = escapeWithin(cleanText(label).replace(/\[/g, '(').replace(/\]/g, ')'), maxLabel, neutralise);
  return `[${safeLabel}](${url})`;
}

const textBlock = (text: string, extra: Record<string, unknown> = {}): CardElement => ({ type: 'TextBlock', text, wrap: true, ...extra });

function titleOf(message: NotificationMessage, ctx: RenderContext): string {
  return messageTitle(message, ctx.messages.notify);
}

/** Card Markdown for the case lines (case-lines.ts). */
const CARD_MARKUP: Markup = { text: cardText, link: cardLink, bold: (value) => `**${value}**` };

/** Resources take at most this many characters of a case. */
const RESOURCES_BUDGET = 1200;

function caseContainer(c: CaseSnapshot, ctx: RenderContext): CardElement {
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      textBlock(caseHead(c, ctx, CARD_MARKUP).join(' · ')),
      textBlock(cardText(c.title, 300), { spacing: 'None' }),
      textBlock(resourcesLine(c, ctx, CARD_MARKUP, RESOURCES_BUDGET), { spacing: 'None', isSubtle: true }),
      textBlock(caseFacts(c, ctx, CARD_MARKUP).join(' · '), { spacing: 'None', ...(c.overdue ? { color: 'Attention' } : {}) }),
    ],
  };
}

const MAX_SOURCE_PROBLEMS = 5;

function headElements(message: NotificationMessage, ctx: RenderContext): CardElement[] {
  const m = ctx.messages;
  const n = m.notify;
  const out: CardElement[] = [textBlock(titleOf(message, ctx), { weight: 'Bolder', size: 'Medium' })];
  if (message.parts > 1) out.push(textBlock(fill(n.part, { i: message.part, n: message.parts }), { isSubtle: true, spacing: 'None' }));
  const facts: Array<{ title: string; value: string }> = [];
  if (message.run) {
    const run = message.run;
    for (const type of EVENT_PRIORITY) {
      const counts = run.counts[type];
      if (counts && total(counts) > 0) facts.push({ title: m.event[type], value: severityCountsText(counts, m) });
    }
    if (facts.length === 0) out.push(textBlock(n.noChanges));
    facts.push({ title: n.stillOpen, value: severityCountsText(run.open, m) });
    facts.push({ title: n.overdueTotal, value: severityCountsText(run.overdue, m) });
    out.push({ type: 'FactSet', facts });
    out.push(textBlock(fill(n.runHealth, { id: cardText(run.id, 80), status: m.digest.runStatus[run.status] }), { isSubtle: true }));
    const problems = run.sources.filter((s) => s.status !== 'ok');
    for (const s of problems.slice(0, MAX_SOURCE_PROBLEMS)) {
      out.push(textBlock(fill(n.sourceProblem, { name: cardText(s.name, 80), status: m.digest.runStatus[s.status], error: cardText(s.error ?? '', 300) }), { color: 'Attention', spacing: 'None' }));
    }
    if (problems.length > MAX_SOURCE_PROBLEMS) out.push(textBlock(fill(n.andMore, { n: problems.length - MAX_SOURCE_PROBLEMS }), { spacing: 'None' }));
  } else if (message.report) {
    const report = message.report;
    const open = total(report.open);
    const severity = m.severity[report.minSeverity];
    out.push(textBlock(open === 0 ? fill(n.noOpenCases, { severity }) : fill(n.openCases, { n: open, severity, overdue: total(report.overdue) })));
    out.push({ type: 'FactSet', facts: [{ title: n.stillOpen, value: severityCountsText(report.open, m) }, { title: n.overdueTotal, value: severityCountsText(report.overdue, m) }] });
  }
  return out;
}

/** Renders one message as a Workflows request body. */
export function renderTeamsMessage(message: NotificationMessage, ctx: RenderContext): TeamsPayload {
  const n = ctx.messages.notify;
  const body: CardElement[] =
    message.part === 1
      ? headElements(message, ctx)
      : [textBlock(titleOf(message, ctx), { weight: 'Bolder' }), textBlock(fill(n.part, { i: message.part, n: message.parts }), { isSubtle: true, spacing: 'None' })];
  for (const c of message.cases) body.push(caseContainer(c, ctx));
  const dashboard = safeLink(ctx.dashboardUrl);
  if (message.more > 0) {
    const andMore = fill(n.andMore, { n: message.more });
    body.push(textBlock(dashboard ? `${andMore} — ${cardLink(dashboard, n.seeAll, 40)}` : `${andMore} — ${n.seeAllCli}`, { separator: true }));
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          msteams: { width: 'Full' },
          body,
          ...(dashboard ? { actions: [{ type: 'Action.OpenUrl' as const, title: n.dashboard, url: dashboard }] } : {}),
        },
      },
    ],
  };
}

/** Bytes of the request body. */
export function teamsPayloadBytes(payload: TeamsPayload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8');
}

const LONGEST_LINK = `https://www.notion.so/${'x'.repeat(MAX_LINK_LENGTH - 'https://www.notion.so/'.length)}`;

/**
 * Splits a notification into cards: the first carries the summary and the first cases, the next
 * ones more cases. A run's changes stop after `maxMessages` cards with "…and N more"; a report is never capped.
 */
export function splitTeamsNotification(notification: Notification, ctx: RenderContext, maxMessages: number | null): NotificationMessage[] {
  const measureCtx: RenderContext = { ...ctx, caseLink: () => LONGEST_LINK };
  return packMessages(notification, {
    head: 'inline',
    maxMessages,
    maxCasesPerMessage: TEAMS_MESSAGE_LIMITS.casesPerMessage,
    size: (message) => teamsPayloadBytes(renderTeamsMessage(message, measureCtx)),
    limit: TEAMS_MESSAGE_LIMITS.bytes,
  });
}
