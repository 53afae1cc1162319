/**
 * Slack rendering (pure): a notification message → `{ text, blocks }` within Slack's limits, and
 * the split of a notification into such messages. Every string that comes from findings or feeds
 * is cleaned, escaped (`&`, `<`, `>`) and bounded, so it can neither mention (`<!channel>`,
 * `<@U…>`, `@here`) nor link (`<url|text>`); the only links are ours (NVD, portal, Notion, dashboard).
 */
import type { KnownBlock, SectionBlock } from '@slack/web-api';
import {
  EVENT_PRIORITY,
  type CaseSnapshot,
  type Notification,
  type NotificationMessage,
  type RenderContext,
} from '../../core/notification.js';
import { caseFacts, caseHead, resourcesLine, type Markup } from '../_shared/case-lines.js';
import { MAX_LINK_LENGTH, safeLink } from '../_shared/links.js';
import { packMessages } from '../_shared/split.js';
import { cleanText, escapeWithin, fill, messageTitle, severityCountsText, total, truncate } from '../_shared/text.js';

/** The limits every rendered message keeps (Slack's, and ~12k characters of blocks a message). */
export const SLACK_MESSAGE_LIMITS = {
  maxBlocks: 50,
  sectionText: 3000,
  headerText: 150,
  maxFields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** `JSON.stringify(blocks).length`: Slack refuses about 13.2k (`msg_blocks_too_long`); we stay under 12k. */
  blocksChars: 12_000,
  /** Top-level `text` (the notification fallback); Slack truncates at 40k, we keep it short. */
  text: 3000,
} as const;

/** A message ready for `chat.postMessage` or an incoming webhook. */
export interface SlackPayload {
  text: string;
  blocks: KnownBlock[];
}

/** How the channel is reached: with a bot token details thread under the summary. */
export interface SlackRenderOptions {
  threaded: boolean;
}

// No word boundary: a cut (`@channel_x` → `@channel…`) must not turn a harmless word into a mention.
const MENTION_WORDS = /@(channel|here|everyone)/gi;

function escapeChar(ch: string): string {
  if (ch === '&') return '&amp;';
  if (ch === '<') return '&lt;';
  if (ch === '>') return '&gt;';
  return ch;
}

/** Untrusted text as safe mrkdwn of at most `max` characters: cleaned, mentions broken, `&<>` escaped. */
export function mrkdwn(text: string, max: number): string {
  return escapeWithin(cleanText(text).replace(MENTION_WORDS, '@\u2060$1'), max, escapeChar);
}

/** A link in Slack syntax, `<url|label>`; the label is escaped and cannot close the link. */
export function slackLink(url: string, label: string, maxLabel = 120): string {
  const safeLabel = escapeWithin(cleanText(label).replace(MENTION_WORDS, '@\u2060$1').replace(/\|/g, '∣'), maxLabel, escapeChar);
  return `<${url.replace(/&/g, '&amp;')}|${safeLabel}>`;
}

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

function context(texts: string[]): KnownBlock {
  return { type: 'context', elements: texts.slice(0, SLACK_MESSAGE_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text })) };
}

function titleOf(message: NotificationMessage, ctx: RenderContext): string {
  return messageTitle(message, ctx.messages.notify);
}

/** Slack's markup for the case lines (case-lines.ts). */
const SLACK_MARKUP: Markup = { text: mrkdwn, link: slackLink, bold: (value) => `*${value}*` };

/** One case as a section's mrkdwn (at most 3000 characters by construction). */
export function caseText(c: CaseSnapshot, ctx: RenderContext): string {
  const lines = [caseHead(c, ctx, SLACK_MARKUP).join(' · '), mrkdwn(c.title, 300)];
  const factsLine = caseFacts(c, ctx, SLACK_MARKUP).join(' · ');
  const used = lines.reduce((sum, l) => sum + l.length + 1, 0) + factsLine.length + 1;
  lines.push(resourcesLine(c, ctx, SLACK_MARKUP, Math.min(1200, SLACK_MESSAGE_LIMITS.sectionText - used)));
  lines.push(factsLine);
  return lines.join('\n');
}

function footerText(more: number, ctx: RenderContext): string {
  const n = ctx.messages.notify;
  const andMore = fill(n.andMore, { n: more });
  const dashboard = safeLink(ctx.dashboardUrl);
  return dashboard ? `${andMore} — ${slackLink(dashboard, n.seeAll, 40)}` : `${andMore} — ${mrkdwn(n.seeAllCli, 200)}`;
}

function eventCountsFields(message: NotificationMessage, ctx: RenderContext): string[] {
  const m = ctx.messages;
  const fields: string[] = [];
  if (message.run) {
    for (const type of EVENT_PRIORITY) {
      const counts = message.run.counts[type];
      if (!counts || total(counts) === 0) continue;
      fields.push(`*${m.event[type]}*\n${severityCountsText(counts, m)}`);
    }
    fields.push(`*${m.notify.stillOpen}*\n${severityCountsText(message.run.open, m)}`);
    fields.push(`*${m.notify.overdueTotal}*\n${severityCountsText(message.run.overdue, m)}`);
  } else if (message.report) {
    fields.push(`*${m.notify.stillOpen}*\n${severityCountsText(message.report.open, m)}`);
    fields.push(`*${m.notify.overdueTotal}*\n${severityCountsText(message.report.overdue, m)}`);
  }
  return fields.slice(0, SLACK_MESSAGE_LIMITS.maxFields);
}

const MAX_SOURCE_PROBLEMS = 5;

function headBlocks(message: NotificationMessage, ctx: RenderContext, options: SlackRenderOptions): KnownBlock[] {
  const m = ctx.messages;
  const n = m.notify;
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(titleOf(message, ctx), SLACK_MESSAGE_LIMITS.headerText) } }];
  if (message.run) {
    const changed = EVENT_PRIORITY.some((t) => (message.run!.counts[t] ? total(message.run!.counts[t]!) > 0 : false));
    if (!changed) blocks.push(section(mrkdwn(n.noChanges, 200)));
  } else if (message.report) {
    const open = total(message.report.open);
    const severity = m.severity[message.report.minSeverity];
    blocks.push(section(open === 0 ? fill(n.noOpenCases, { severity }) : fill(n.openCases, { n: open, severity, overdue: total(message.report.overdue) })));
  }
  blocks.push({ type: 'section', fields: eventCountsFields(message, ctx).map((text) => ({ type: 'mrkdwn', text })) });
  const contextTexts: string[] = [];
  if (message.run) {
    const status = m.digest.runStatus[message.run.status];
    contextTexts.push(fill(n.runHealth, { id: mrkdwn(message.run.id, 80), status: message.run.status === 'ok' ? status : `*${status}*` }));
    const problems = message.run.sources.filter((s) => s.status !== 'ok');
    if (problems.length > 0) {
      const lines = problems.slice(0, MAX_SOURCE_PROBLEMS).map((s) =>
        `:warning: ${fill(n.sourceProblem, { name: mrkdwn(s.name, 80), status: m.digest.runStatus[s.status], error: mrkdwn(s.error ?? '', 300) })}`,
      );
      if (problems.length > MAX_SOURCE_PROBLEMS) lines.push(fill(n.andMore, { n: problems.length - MAX_SOURCE_PROBLEMS }));
      blocks.push(section(lines.join('\n')));
    }
  }
  if (message.parts > 1) contextTexts.push(options.threaded ? n.detailsInThread : fill(n.detailsFollow, { n: message.parts - 1 }));
  const dashboard = safeLink(ctx.dashboardUrl);
  if (dashboard) contextTexts.push(slackLink(dashboard, n.dashboard, 60));
  if (contextTexts.length > 0) blocks.push(context(contextTexts));
  return blocks;
}

function headText(message: NotificationMessage, ctx: RenderContext): string {
  const m = ctx.messages;
  const n = m.notify;
  const title = titleOf(message, ctx);
  if (message.report) {
    const open = total(message.report.open);
    const severity = m.severity[message.report.minSeverity];
    return `${title}: ${open === 0 ? fill(n.noOpenCases, { severity }) : fill(n.openCases, { n: open, severity, overdue: total(message.report.overdue) })}`;
  }
  const run = message.run!;
  const parts = EVENT_PRIORITY.filter((t) => run.counts[t] && total(run.counts[t]!) > 0).map((t) => `${m.event[t]} ${total(run.counts[t]!)}`);
  const health = fill(n.runHealth, { id: mrkdwn(run.id, 80), status: m.digest.runStatus[run.status] });
  return `${title}: ${parts.length > 0 ? parts.join(', ') : n.noChanges} (${health})`;
}

/** Renders one message: the summary (part 1) and/or its cases, with the "…and N more" footer when cases were left out. */
export function renderSlackMessage(message: NotificationMessage, ctx: RenderContext, options: SlackRenderOptions): SlackPayload {
  const blocks: KnownBlock[] = [];
  let text: string;
  if (message.part === 1) {
    blocks.push(...headBlocks(message, ctx, options));
    text = headText(message, ctx);
  } else {
    blocks.push(context([`${fill(ctx.messages.notify.part, { i: message.part, n: message.parts })} · ${mrkdwn(titleOf(message, ctx), 120)}`]));
    const keys = message.cases.map((c) => mrkdwn(c.key, 150));
    text = `${fill(ctx.messages.notify.part, { i: message.part, n: message.parts })}: ${keys.join(', ')}`;
  }
  for (const c of message.cases) blocks.push(section(caseText(c, ctx)));
  if (message.more > 0) blocks.push(section(footerText(message.more, ctx)));
  return { text: truncate(text, SLACK_MESSAGE_LIMITS.text), blocks };
}

/** Problems of a rendered message against {@link SLACK_MESSAGE_LIMITS} (empty = within every limit). */
export function slackLimitProblems(payload: SlackPayload): string[] {
  const L = SLACK_MESSAGE_LIMITS;
  const problems: string[] = [];
  if (payload.blocks.length > L.maxBlocks) problems.push(`${payload.blocks.length} blocks (max ${L.maxBlocks})`);
  const chars = JSON.stringify(payload.blocks).length;
  if (chars > L.blocksChars) problems.push(`${chars} characters of blocks (max ${L.blocksChars})`);
  if (payload.text.length === 0 || payload.text.length > L.text) problems.push(`text of ${payload.text.length} characters (1..${L.text})`);
  payload.blocks.forEach((b, i) => {
    if (b.type === 'header' && (b.text.text.length === 0 || b.text.text.length > L.headerText)) problems.push(`block ${i}: header of ${b.text.text.length}`);
    if (b.type === 'section') {
      if (b.text && (b.text.text.length === 0 || b.text.text.length > L.sectionText)) problems.push(`block ${i}: section text of ${b.text.text.length}`);
      if (b.fields && (b.fields.length > L.maxFields || b.fields.some((f) => f.text.length === 0 || f.text.length > L.fieldText))) problems.push(`block ${i}: fields`);
    }
    if (b.type === 'context' && (b.elements.length === 0 || b.elements.length > L.contextElements)) problems.push(`block ${i}: context elements`);
  });
  return problems;
}

/** A Notion page link as long as any real one may be: splitting measures with it. */
const LONGEST_LINK = `https://www.notion.so/${'x'.repeat(MAX_LINK_LENGTH - 'https://www.notion.so/'.length)}`;

/**
 * Splits a notification into Slack messages: the summary alone first (details thread under it with
 * a bot token, or follow it with a webhook), then as many cases per message as fit. A run's
 * changes stop after `maxMessages` messages with "…and N more"; a report is never capped.
 */
export function splitSlackNotification(notification: Notification, ctx: RenderContext, maxMessages: number | null): NotificationMessage[] {
  const measureCtx: RenderContext = { ...ctx, caseLink: () => LONGEST_LINK };
  // Both variants (threaded or not) must fit; each probe is rendered once for both checks.
  const measured = new WeakMap<NotificationMessage, { size: number; valid: boolean }>();
  const measure = (message: NotificationMessage): { size: number; valid: boolean } => {
    let hit = measured.get(message);
    if (!hit) {
      // Only the summary (part 1) differs between the two.
      const variants = [renderSlackMessage(message, measureCtx, { threaded: true })];
      if (message.part === 1) variants.push(renderSlackMessage(message, measureCtx, { threaded: false }));
      hit = { size: Math.max(...variants.map((p) => JSON.stringify(p.blocks).length)), valid: variants.every((p) => slackLimitProblems(p).length === 0) };
      measured.set(message, hit);
    }
    return hit;
  };
  return packMessages(notification, {
    head: 'separate',
    maxMessages,
    maxCasesPerMessage: SLACK_MESSAGE_LIMITS.maxBlocks - 2,
    size: (message) => measure(message).size,
    limit: SLACK_MESSAGE_LIMITS.blocksChars,
    valid: (message) => measure(message).valid,
  });
}
