/**
 * Property tests (fast-check): random sets of cases full of hostile strings always split and render
 * within every limit of every channel, lose no case, and never carry a mention or a link that is not
 * ours (Slack `<!channel>`, `<@U…>`, `@here`, `<url|text>`; Teams `[text](url)`, `{{…}}`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSlackBlocks, slackBlocksLength } from '../../test/fakes/slack.js';
import { checkTeamsEnvelope } from '../../test/fakes/teams.js';
import { EVENT_TYPES } from '../core/case.js';
import { CASE_KINDS } from '../core/identity.js';
import { messages } from '../core/i18n.js';
import type { CaseSnapshot, Notification, NotificationMessage, RenderContext } from '../core/notification.js';
import { SEVERITIES, SEVERITY_THRESHOLDS } from '../core/severity.js';
import { TRIAGE_STATUSES } from '../core/triage.js';
import { nvdUrl, portalUrl, safeLink } from './_shared/links.js';
import { renderSlackMessage, splitSlackNotification } from './slack/render.js';
import { renderTeamsMessage, splitTeamsNotification, TEAMS_MESSAGE_LIMITS, teamsPayloadBytes } from './teams/render.js';
import { renderWebhookEvent, splitWebhookNotification } from './webhook/render.js';
import { propertyRuns } from '../../test/helpers/property.js';

const NASTY = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U012AB3CD>',
  '<#C0123|general>',
  '<https://evil.example|click me>',
  '<https://evil.example>',
  '@channel',
  '@here',
  '@everyone',
  '&lt;!channel&gt;',
  '&amp;',
  '[click](https://evil.example)',
  '](https://evil.example)',
  '{{DATE(2026-01-01T00:00:00Z, SHORT)}}',
  '*bold*',
  '_it_',
  '`code`',
  '```',
  '|',
  '>',
  '<',
  '&',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u202E',
  '\u2066',
  '\uD800',
  '日本語のテキスト',
  '😀',
  'x'.repeat(3100),
  '<'.repeat(700),
  '&'.repeat(700),
];

const hostile = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NASTY) }, { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) }), { maxLength: 6 })
  .map((parts) => parts.join(''));

const resource = fc.record({
  label: hostile,
  id: fc.oneof(fc.constant(''), hostile.map((s) => `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/${s}`)),
  resourceGroup: hostile,
});

const caseArb: fc.Arbitrary<CaseSnapshot> = fc
  .record({
    key: hostile,
    kind: fc.constantFrom(...CASE_KINDS),
    vulnId: fc.oneof(fc.integer({ min: 1000, max: 99999 }).map((n) => `CVE-2026-${n}`), hostile),
    title: hostile,
    severity: fc.constantFrom(...SEVERITIES),
    cvss: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 10, noNaN: true })),
    state: fc.constantFrom('open' as const, 'resolved' as const, 'reopened' as const),
    status: fc.constantFrom(...TRIAGE_STATUSES),
    owner: fc.option(hostile, { nil: null }),
    dueDate: fc.option(fc.constantFrom('2026-12-23', '2026-08-03'), { nil: null }),
    overdue: fc.boolean(),
    openFindings: fc.nat(1000),
    resources: fc.array(resource, { maxLength: 30 }),
    extraResources: fc.nat(500),
    link: fc.option(fc.oneof(hostile, hostile.map((s) => `https://advisories.example/${s}`)), { nil: null }),
    events: fc.subarray([...EVENT_TYPES]),
    previousSeverity: fc.option(fc.constantFrom(...SEVERITIES), { nil: null }),
  })
  .map(({ extraResources, ...c }) => ({ ...c, resourceCount: c.resources.length + extraResources }));

const counts = fc.record({ Critical: fc.nat(99999), High: fc.nat(99999), Medium: fc.nat(99999), Low: fc.nat(99999), Unknown: fc.nat(99999) });

const notificationArb: fc.Arbitrary<Notification> = fc.oneof(
  fc.record({
    kind: fc.constant('changes' as const),
    run: fc.record({
      id: hostile,
      at: fc.constant('2026-11-23T06:00:00.000Z'),
      status: fc.constantFrom('ok' as const, 'partial' as const, 'failed' as const),
      sources: fc.array(fc.record({ name: hostile, status: fc.constantFrom('ok' as const, 'partial' as const, 'failed' as const), error: fc.option(hostile, { nil: null }) }), { maxLength: 12 }),
      counts: fc.dictionary(fc.constantFrom(...EVENT_TYPES), counts),
      open: counts,
      overdue: counts,
    }),
    cases: fc.array(caseArb, { maxLength: 90 }),
  }),
  fc.record({
    kind: fc.constant('report' as const),
    report: fc.record({ id: hostile, at: fc.constant('2026-11-23T06:00:00.000Z'), minSeverity: fc.constantFrom(...SEVERITY_THRESHOLDS), open: counts, overdue: counts }),
    cases: fc.array(caseArb, { maxLength: 90 }),
  }),
);

const contextArb = fc.record({
  language: fc.constantFrom('en' as const, 'ja' as const),
  dashboard: fc.option(fc.oneof(fc.constant('https://vuln.example.com/cases?a=1&b=2'), hostile.map((s) => `https://dash.example/${s}`)), { nil: null }),
  notion: fc.option(hostile.map((s) => `https://www.notion.so/${s}`), { nil: null }),
});

function contextOf(c: { language: 'en' | 'ja'; dashboard: string | null; notion: string | null }): RenderContext {
  return { messages: messages(c.language), dashboardUrl: c.dashboard, caseLink: () => c.notion };
}

/** The only URLs a message may link to: ours, built from the notification and the context. */
function allowedUrls(n: Notification, ctx: RenderContext): Set<string> {
  const urls = new Set<string>();
  const add = (u: string | null): void => {
    if (u) urls.add(u);
  };
  add(safeLink(ctx.dashboardUrl));
  for (const c of n.cases) {
    add(nvdUrl(c.vulnId));
    add(safeLink(c.link));
    add(safeLink(ctx.caseLink(c.key)));
    for (const r of c.resources) add(portalUrl(r.id));
  }
  return urls;
}

/** Every mrkdwn string of a Slack payload. */
function slackTexts(payload: { text: string; blocks: unknown[] }): string[] {
  const out = [payload.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(payload.blocks);
  return out;
}

/** Problems with mentions and links in Slack mrkdwn: every `<…>` must be one of our links. */
function slackMentionProblems(text: string, allowed: Set<string>): string[] {
  const problems: string[] = [];
  if (/<[!@#]/.test(text)) problems.push(`mention syntax in ${JSON.stringify(text.slice(0, 200))}`);
  if (/@(channel|here|everyone)\b/i.test(text)) problems.push(`@mention word in ${JSON.stringify(text.slice(0, 200))}`);
  const withoutLinks = text.replace(/<([^<>|\s]+)\|([^<>|]*)>/g, (_m, url: string) => {
    if (!allowed.has(url.replace(/&amp;/g, '&'))) problems.push(`link to ${url}`);
    return '';
  });
  if (/[<>]/.test(withoutLinks)) problems.push(`unescaped < or > in ${JSON.stringify(withoutLinks.slice(0, 200))}`);
  return problems;
}

/** Problems with Markdown links and card functions in the Teams card's text. */
function teamsLinkProblems(payload: unknown, allowed: Set<string>): string[] {
  const problems: string[] = [];
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') texts.push(o.text);
      if (typeof o.value === 'string') texts.push(o.value);
      if (typeof o.title === 'string') texts.push(o.title);
      Object.values(o).forEach(walk);
    }
  };
  walk(payload);
  for (const text of texts) {
    if (text.includes('{{')) problems.push(`card function in ${JSON.stringify(text.slice(0, 200))}`);
    for (const m of text.matchAll(/\]\(([^)]*)\)/g)) if (!allowed.has(m[1]!)) problems.push(`link to ${m[1]}`);
  }
  return problems;
}

function casesOf(list: readonly NotificationMessage[]): string[] {
  return list.flatMap((m) => m.cases.map((c) => c.key));
}

const zero = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
const CASE_ZERO: CaseSnapshot = {
  key: '', kind: 'container', vulnId: '', title: '', severity: 'Critical', cvss: null, state: 'open', status: 'new', owner: null, dueDate: null,
  overdue: false, openFindings: 0, resources: [], resourceCount: 0, link: null, events: [], previousSeverity: null,
};

const RUNS = propertyRuns(40);

describe('rendering hostile case sets (property)', () => {
  it('Slack: within every limit, no case lost, no mention or foreign link', () => {
    fc.assert(
      fc.property(notificationArb, contextArb, fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }), fc.boolean(), (n, c, cap, threaded) => {
        const ctx = contextOf(c);
        const list = splitSlackNotification(n, ctx, cap);
        expect(casesOf(list)).toEqual(n.cases.slice(0, n.cases.length - list.at(-1)!.more).map((x) => x.key));
        if (cap === null) expect(list.at(-1)!.more).toBe(0);
        else expect(list.length).toBeLessThanOrEqual(cap);
        const allowed = allowedUrls(n, ctx);
        for (const m of list) {
          const payload = renderSlackMessage(m, ctx, { threaded });
          expect(checkSlackBlocks(payload.blocks)).toEqual([]);
          expect(payload.blocks.length).toBeLessThanOrEqual(50);
          expect(slackBlocksLength(payload.blocks)).toBeLessThanOrEqual(12_000);
          expect(payload.text.length).toBeGreaterThan(0);
          expect(payload.text.length).toBeLessThanOrEqual(3000);
          expect(slackTexts(payload).flatMap((t) => slackMentionProblems(t, allowed))).toEqual([]);
        }
      }),
      {
        ...RUNS,
        // Found by this property: a cut after "@channel" of "@channel_it_" left a mention word.
        examples: [[
          { kind: 'report', report: { id: '', at: '2026-11-23T06:00:00.000Z', minSeverity: 'Critical', open: zero, overdue: zero }, cases: [{ ...CASE_ZERO, resources: [{ label: '', id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/', resourceGroup: '\\<https://evil.example><#C0123|general>@channel_it_' }], resourceCount: 1 }] },
          { language: 'en', dashboard: null, notion: null },
          null,
          false,
        ]],
      },
    );
  });

  it('Teams: a valid ≤ 1.5 card under 28 KB, no case lost, no foreign link or card function', () => {
    // The renderer's own bound must stay under Teams' documented 28 KB.
    expect(TEAMS_MESSAGE_LIMITS.bytes).toBeLessThanOrEqual(28 * 1024);
    fc.assert(
      fc.property(notificationArb, contextArb, fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }), (n, c, cap) => {
        const ctx = contextOf(c);
        const list = splitTeamsNotification(n, ctx, cap);
        expect(casesOf(list)).toEqual(n.cases.slice(0, n.cases.length - list.at(-1)!.more).map((x) => x.key));
        const allowed = allowedUrls(n, ctx);
        for (const m of list) {
          const payload = renderTeamsMessage(m, ctx);
          expect(checkTeamsEnvelope(payload)).toEqual([]);
          expect(teamsPayloadBytes(payload)).toBeLessThanOrEqual(TEAMS_MESSAGE_LIMITS.bytes);
          expect(teamsLinkProblems(payload, allowed)).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('webhook: every body within maxBytes, valid against the documented schema, no case lost', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'schemas', 'notification-event-v1.schema.json'), 'utf8')));
    fc.assert(
      fc.property(notificationArb, contextArb, fc.integer({ min: 16_384, max: 100_000 }), (n, c, maxBytes) => {
        const ctx = contextOf(c);
        const list = splitWebhookNotification(n, ctx, { maxBytes, maxMessages: null });
        expect(casesOf(list)).toEqual(n.cases.map((x) => x.key));
        for (const m of list) {
          const body = JSON.stringify(renderWebhookEvent(m, ctx, { id: `notify:siem:${'r'.repeat(30)}:${m.part}`, sentAt: new Date(0).toISOString() }));
          expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(maxBytes);
          const event = JSON.parse(body);
          expect(event.cases).toHaveLength(m.cases.length);
          expect(validate(event), JSON.stringify(validate.errors?.slice(0, 2))).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('the property checks can fail', () => {
  it('they flag a raw mention, a foreign link and a card function', () => {
    expect(slackMentionProblems('hi <!channel>', new Set())).toHaveLength(2);
    expect(slackMentionProblems('<https://evil.example|x>', new Set())).toEqual(['link to https://evil.example']);
    expect(slackMentionProblems('ping @here', new Set())).toHaveLength(1);
    expect(teamsLinkProblems({ text: '[x](https://evil.example) {{DATE(x)}}' }, new Set())).toHaveLength(2);
  });
});
