import { describe, expect, it } from 'vitest';
import { checkTeamsEnvelope } from '../../../test/fakes/teams.js';
import { caseSnapshot, changes, counts, renderContext } from '../_shared/test-helpers.js';
import { cardLink, cardText, renderTeamsMessage, splitTeamsNotification, teamsPayloadBytes, TEAMS_MESSAGE_LIMITS } from './render.js';

const PORTAL = 'https://portal.azure.com/#@/resource/subscriptions/7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c/resourcegroups/rg-batch/providers/microsoft.compute/virtualmachines/vm-batch-03';

describe('card text', () => {
  it('breaks Markdown links and card functions in untrusted text, and bounds it', () => {
    expect(cardText('[click](https://evil.example) {{DATE(x)}}', 100)).toBe('[click]\u200B(https://evil.example) {\u200B{\u200BDATE(x)}}');
    expect(cardText('y'.repeat(400), 300)).toBe(`${'y'.repeat(299)}…`);
    expect(cardLink('https://example.com/x', 'a [b] c')).toBe('[a (b) c](https://example.com/x)');
  });
});

describe('messages', () => {
  it('one card: summary facts, run health, one container per case, the dashboard as Action.OpenUrl (exact payload)', () => {
    const n = changes([caseSnapshot({ overdue: true, owner: 'sato' })], { counts: { 'case.new': counts({ High: 1 }) } });
    const ctx = renderContext('en', { dashboardUrl: 'https://vuln.example.com/' });
    const [message, ...rest] = splitTeamsNotification(n, ctx, 10);
    expect(rest).toEqual([]);
    const payload = renderTeamsMessage(message!, ctx);
    expect(payload).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            msteams: { width: 'Full' },
            body: [
              { type: 'TextBlock', text: 'vulnledger: what changed · 2026-11-23', wrap: true, weight: 'Bolder', size: 'Medium' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'New', value: 'High 1' },
                  { title: 'Open now', value: 'Critical 2 · High 7' },
                  { title: 'Overdue now', value: 'Critical 1 · High 3' },
                ],
              },
              { type: 'TextBlock', text: 'Run 20261123T060000Z-fcb2: ok', wrap: true, isSubtle: true },
              {
                type: 'Container',
                separator: true,
                spacing: 'Medium',
                items: [
                  { type: 'TextBlock', text: '**New** · **High** CVSS 8.6 · machine:[CVE-2026-2001](https://nvd.nist.gov/vuln/detail/CVE-2026-2001)', wrap: true },
                  { type: 'TextBlock', text: 'CVE-2026-2001: curl: heap overflow in SOCKS5 proxy handshake', wrap: true, spacing: 'None' },
                  { type: 'TextBlock', text: `Resources: [vm-batch-03](${PORTAL}) (rg-batch)`, wrap: true, spacing: 'None', isSubtle: true },
                  { type: 'TextBlock', text: 'Status: new · Due: 2026-12-23 **OVERDUE** · Owner: sato', wrap: true, spacing: 'None', color: 'Attention' },
                ],
              },
            ],
            actions: [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: 'https://vuln.example.com/' }],
          },
        },
      ],
    });
    expect(checkTeamsEnvelope(payload)).toEqual([]);
  });

  it('splits into cards under 28 KB, the first with the summary; a capped run ends with "…and N more"', () => {
    const cases = Array.from({ length: 300 }, (_, i) => caseSnapshot({ key: `CVE-2026-${10000 + i}`, vulnId: `CVE-2026-${10000 + i}`, title: `日本語のタイトル ${'z'.repeat(250)}` }));
    const all = splitTeamsNotification(changes(cases), renderContext('ja'), null);
    expect(all.length).toBeGreaterThan(3);
    expect(all[0]!.cases.length).toBeGreaterThan(0);
    expect(all.reduce((n, m) => n + m.cases.length, 0)).toBe(300);
    for (const m of all) {
      const payload = renderTeamsMessage(m, renderContext('ja'));
      expect(teamsPayloadBytes(payload)).toBeLessThanOrEqual(TEAMS_MESSAGE_LIMITS.bytes);
      expect(checkTeamsEnvelope(payload)).toEqual([]);
    }
    expect((renderTeamsMessage(all[1]!, renderContext('ja')).attachments[0]!.content.body[1] as unknown as { text: string }).text).toBe(`2/${all.length}`);

    const capped = splitTeamsNotification(changes(cases), renderContext(), 2);
    expect(capped).toHaveLength(2);
    const body = renderTeamsMessage(capped[1]!, renderContext()).attachments[0]!.content.body;
    expect(body.at(-1)).toEqual({ type: 'TextBlock', text: `…and ${capped[1]!.more} more — the full list: \`vulnledger cases\``, wrap: true, separator: true });
    expect(capped[0]!.cases.length + capped[1]!.cases.length + capped[1]!.more).toBe(300);
  });
});
