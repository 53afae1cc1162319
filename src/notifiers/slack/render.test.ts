import { describe, expect, it } from 'vitest';
import { checkSlackBlocks, slackBlocksLength } from '../../../test/fakes/slack.js';
import { caseSnapshot, changes, counts, renderContext, runSnapshot } from '../_shared/test-helpers.js';
import { caseText, mrkdwn, renderSlackMessage, slackLimitProblems, slackLink, splitSlackNotification, SLACK_MESSAGE_LIMITS } from './render.js';

const PORTAL = 'https://portal.azure.com/#@/resource/subscriptions/7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c/resourcegroups/rg-batch/providers/microsoft.compute/virtualmachines/vm-batch-03';

describe('escaping untrusted text', () => {
  it('escapes &, < and > (in that order) and breaks @channel, @here, @everyone', () => {
    expect(mrkdwn('a & b <!channel> <@U123> <#C1> <https://evil.example|click> &lt;', 200)).toBe(
      'a &amp; b &lt;!channel&gt; &lt;@U123&gt; &lt;#C1&gt; &lt;https://evil.example|click&gt; &amp;lt;',
    );
    expect(mrkdwn('ping @here and @channel, @Everyone', 200)).toBe('ping @\u2060here and @\u2060channel, @\u2060Everyone');
    // Found by the property test: a cut after "@channel" of "@channel_it" must not leave a mention.
    expect(mrkdwn('x @channel_it_ y', 10)).toBe('x @\u2060chann…');
  });

  it('cuts visibly, never inside an escape, and cleans control and bidi characters', () => {
    expect(mrkdwn('<<<<<<', 10)).toBe('&lt;&lt;…');
    expect(mrkdwn('line\none\u0007\u202Etwo', 50)).toBe('line onetwo');
    expect(mrkdwn('x'.repeat(400), 300)).toBe(`${'x'.repeat(299)}…`);
  });

  it('link labels cannot close the link', () => {
    expect(slackLink('https://example.com/a?b=1&c=2', 'a|b>c<d')).toBe('<https://example.com/a?b=1&amp;c=2|a∣b&gt;c&lt;d>');
  });
});

describe('one case', () => {
  it('renders events, severity, the NVD link, title, portal-linked resources and triage', () => {
    expect(caseText(caseSnapshot(), renderContext())).toBe(
      [
        '*New* · *High* CVSS 8.6 · machine:<https://nvd.nist.gov/vuln/detail/CVE-2026-2001|CVE-2026-2001>',
        'CVE-2026-2001: curl: heap overflow in SOCKS5 proxy handshake',
        `Resources: <${PORTAL}|vm-batch-03> (rg-batch)`,
        'Status: new · Due: 2026-12-23',
      ].join('\n'),
    );
  });

  it('shows overdue, owner, a worsened severity, the Notion page, and no due date once resolved', () => {
    const overdue = caseSnapshot({ events: ['case.worsened', 'sla.breached'], severity: 'Critical', previousSeverity: 'High', overdue: true, owner: 'sato' });
    const ctx = renderContext('en', { caseLink: (key) => (key === overdue.key ? 'https://www.notion.so/CVE-2026-2001-0123abcd' : null) });
    expect(caseText(overdue, ctx).split('\n')[3]).toBe(
      'Status: new · Due: 2026-12-23 *OVERDUE* · Owner: sato · severity High → Critical · <https://www.notion.so/CVE-2026-2001-0123abcd|Notion>',
    );
    expect(caseText(caseSnapshot({ state: 'resolved', status: 'fixed', events: ['case.resolved'] }), renderContext()).split('\n')[3]).toBe('Status: fixed');
  });

  it('in Japanese', () => {
    expect(caseText(caseSnapshot({ overdue: true, events: ['case.reopened'] }), renderContext('ja'))).toBe(
      [
        '*再発* · *高* CVSS 8.6 · machine:<https://nvd.nist.gov/vuln/detail/CVE-2026-2001|CVE-2026-2001>',
        'CVE-2026-2001: curl: heap overflow in SOCKS5 proxy handshake',
        `リソース: <${PORTAL}|vm-batch-03> (rg-batch)`,
        'ステータス: 新規 · 期限: 2026-12-23 *期限超過*',
      ].join('\n'),
    );
  });

  it('caps long resource lists with "…and N more"', () => {
    const resources = Array.from({ length: 25 }, (_, i) => ({ label: `vm-${String(i).padStart(2, '0')}-${'x'.repeat(60)}`, id: '', resourceGroup: 'rg' }));
    const line = caseText(caseSnapshot({ resources, resourceCount: 40 }), renderContext()).split('\n')[2]!;
    const shown = line.split(', ').length - 1;
    expect(line.length).toBeLessThanOrEqual(1200);
    expect(line.endsWith(`…and ${40 - shown} more`)).toBe(true);
  });
});

describe('messages', () => {
  it('the summary of a run (exact payload)', () => {
    const n = changes([caseSnapshot()], {
      counts: { 'case.new': counts({ High: 2 }), 'case.reopened': counts({ Critical: 1 }), 'case.resolved': counts({ Critical: 1, High: 2 }) },
    });
    const [summary] = splitSlackNotification(n, renderContext(), 10);
    expect(renderSlackMessage(summary!, renderContext('en', { dashboardUrl: 'https://vuln.example.com/?a=1&b=2' }), { threaded: true })).toEqual({
      text: 'vulnledger: what changed · 2026-11-23: New 2, Reopened 1, Resolved 3 (Run 20261123T060000Z-fcb2: ok)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'vulnledger: what changed · 2026-11-23' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*New*\nHigh 2' },
            { type: 'mrkdwn', text: '*Reopened*\nCritical 1' },
            { type: 'mrkdwn', text: '*Resolved*\nCritical 1 · High 2' },
            { type: 'mrkdwn', text: '*Open now*\nCritical 2 · High 7' },
            { type: 'mrkdwn', text: '*Overdue now*\nCritical 1 · High 3' },
          ],
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'Run 20261123T060000Z-fcb2: ok' },
            { type: 'mrkdwn', text: 'Details in the thread.' },
            { type: 'mrkdwn', text: '<https://vuln.example.com/?a=1&amp;b=2|Open dashboard>' },
          ],
        },
      ],
    });
  });

  it('a run with a failed source says so, escaped, even with no changes', () => {
    const n = changes([], {
      status: 'partial',
      counts: {},
      sources: [
        { name: 'defender-export', status: 'ok', error: null },
        { name: 'arg', status: 'failed', error: 'HTTP 403 <!here> AuthorizationFailed' },
      ],
    });
    const [only, ...rest] = splitSlackNotification(n, renderContext(), 10);
    expect(rest).toEqual([]);
    const payload = renderSlackMessage(only!, renderContext(), { threaded: false });
    expect(payload.text).toBe('vulnledger: what changed · 2026-11-23: No changes since the last run. (Run 20261123T060000Z-fcb2: PARTIAL)');
    expect(payload.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'No changes since the last run.' } });
    expect(payload.blocks[3]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: ':warning: Source arg FAILED: HTTP 403 &lt;!here&gt; AuthorizationFailed' } });
    expect(payload.blocks[4]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Run 20261123T060000Z-fcb2: *PARTIAL*' }] });
  });

  it('details follow the summary: a part label, one section per case; the webhook summary says how many follow', () => {
    const n = changes([caseSnapshot(), caseSnapshot({ key: 'sql:sql-prod-01:VA2108', vulnId: 'VA2108', kind: 'sql', title: 'Minimal set of principals', cvss: null, resources: [] , resourceCount: 0 })]);
    const messages = splitSlackNotification(n, renderContext(), 10);
    expect(messages.map((m) => [m.part, m.parts, m.cases.length, m.more])).toEqual([
      [1, 2, 0, 0],
      [2, 2, 2, 0],
    ]);
    expect(renderSlackMessage(messages[0]!, renderContext(), { threaded: false }).blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Run 20261123T060000Z-fcb2: ok' }, { type: 'mrkdwn', text: 'Details follow in 1 message(s).' }],
    });
    expect(renderSlackMessage(messages[1]!, renderContext(), { threaded: true })).toEqual({
      text: 'Part 2 of 2: machine:CVE-2026-2001, sql:sql-prod-01:VA2108',
      blocks: [
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Part 2 of 2 · vulnledger: what changed · 2026-11-23' }] },
        { type: 'section', text: { type: 'mrkdwn', text: caseText(n.cases[0]!, renderContext()) } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*New* · *High* · sql:sql-prod-01:VA2108\nMinimal set of principals\nResources: _no resource recorded_\nStatus: new · Due: 2026-12-23' },
        },
      ],
    });
  });

  it('splits many cases within every limit, and the capped run ends with "…and N more" plus a link', () => {
    const cases = Array.from({ length: 400 }, (_, i) => caseSnapshot({ key: `machine:CVE-2026-${String(10000 + i)}`, vulnId: `CVE-2026-${String(10000 + i)}`, title: `A long title ${'y'.repeat(250)}` }));
    const ctx = renderContext('en', { dashboardUrl: 'https://vuln.example.com/cases' });
    const capped = splitSlackNotification(changes(cases), ctx, 5);
    expect(capped).toHaveLength(5);
    const inMessages = capped.reduce((n, m) => n + m.cases.length, 0);
    expect(capped.at(-1)!.more).toBe(400 - inMessages);
    const last = renderSlackMessage(capped.at(-1)!, ctx, { threaded: true });
    expect(last.blocks.at(-1)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `…and ${400 - inMessages} more — <https://vuln.example.com/cases|see all>` } });

    const all = splitSlackNotification(changes(cases), ctx, null);
    expect(all.reduce((n, m) => n + m.cases.length, 0)).toBe(400);
    expect(all.every((m) => m.more === 0)).toBe(true);
    for (const m of all) {
      const payload = renderSlackMessage(m, ctx, { threaded: true });
      expect(checkSlackBlocks(payload.blocks)).toEqual([]);
      expect(slackBlocksLength(payload.blocks)).toBeLessThanOrEqual(SLACK_MESSAGE_LIMITS.blocksChars);
      expect(slackLimitProblems(payload)).toEqual([]);
    }
    // Without a dashboard the footer points at the CLI.
    const plain = renderSlackMessage(capped.at(-1)!, renderContext(), { threaded: true });
    expect(plain.blocks.at(-1)).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `…and ${400 - inMessages} more — the full list: \`vulnledger cases\`` } });
  });

  it('a summary capped at one message counts every case as more', () => {
    const [only, ...rest] = splitSlackNotification(changes([caseSnapshot(), caseSnapshot({ key: 'X-1' })]), renderContext(), 1);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ part: 1, parts: 1, more: 2, cases: [] });
  });

  it('the limit check catches what Slack would refuse (it can fail)', () => {
    const tooMany = { text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' as const })) };
    expect(slackLimitProblems(tooMany)).toEqual(['51 blocks (max 50)']);
    const longSection = { text: 't', blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x'.repeat(3001) } }] };
    expect(slackLimitProblems(longSection)).toEqual(['block 0: section text of 3001']);
  });

  it('a report summary', () => {
    const n = { kind: 'report' as const, report: { id: 'report-1', at: '2026-11-23T06:00:00.000Z', minSeverity: 'High' as const, open: counts({ High: 2 }), overdue: counts({ High: 1 }) }, cases: [caseSnapshot({ events: [] })] };
    const [head, details] = splitSlackNotification(n, renderContext('ja'), null);
    expect(renderSlackMessage(head!, renderContext('ja'), { threaded: true }).text).toBe('vulnledger: 未解消の案件 · 2026-11-23: 高以上の未解消の案件 2 件（うち期限超過 1 件）。');
    expect(renderSlackMessage(details!, renderContext('ja'), { threaded: true }).blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: caseText(n.cases[0]!, renderContext('ja')) },
    });
    expect(caseText(n.cases[0]!, renderContext('ja')).startsWith('*高* CVSS 8.6 · machine:')).toBe(true);
  });
});

describe('run snapshot helpers', () => {
  it('runSnapshot defaults are what the tests above assume', () => {
    expect(runSnapshot().open).toEqual(counts({ Critical: 2, High: 7 }));
  });
});
