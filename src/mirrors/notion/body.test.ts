import { describe, expect, it } from 'vitest';
import { initialTriage } from '../../core/triage.js';
import type { CaseRecord } from '../../core/case.js';
import { makeFinding, stored } from '../../core/test-helpers.js';
import type { MirrorCase } from '../../core/mirror.js';
import { BODY_HEADING, bodyBlocks, bodyHash, MAX_BODY_BLOCKS, ourBlockIds } from './body.js';

const record: CaseRecord = {
  key: 'machine:CVE-2024-6387', kind: 'machine', vulnId: 'CVE-2024-6387', title: 't', severity: 'High', cvss: 8.1, state: 'open',
  firstSeen: '2026-07-27T06:00:00Z', lastSeen: '2026-11-23T06:00:00Z', resolvedAt: null, reopenedAt: null, openFindings: 1, totalFindings: 1,
  slaNotice: 'none', triage: initialTriage(null),
};

function machines(n: number, resolved = 0): MirrorCase {
  const findings = Array.from({ length: n }, (_, i) =>
    stored(
      makeFinding({
        kind: 'machine', vulnId: 'CVE-2024-6387', assetKey: `vm-${String(i).padStart(3, '0')}`,
        resource: { id: `/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-${String(i).padStart(3, '0')}`, name: `vm-${String(i).padStart(3, '0')}`, subscriptionId: 's1', resourceGroup: 'rg', type: 'microsoft.compute/virtualmachines' },
        software: 'openssh', installedVersions: ['8.9p1'], fixedVersion: '9.8p1', digests: [],
      }),
      { state: i < resolved ? 'resolved' : 'open' },
    ),
  );
  return { record, findings, kev: false, epss: null };
}

function count(blocks: Record<string, unknown>[]): number {
  return blocks.reduce((n, b) => n + 1 + ((b.table as { children?: unknown[] } | undefined)?.children?.length ?? 0), 0);
}

describe('page body', () => {
  it('a heading and a table of resources, open ones first, with portal links', () => {
    const blocks = bodyBlocks(machines(3, 1), 'en');
    expect(blocks.map((b) => b.type)).toEqual(['heading_3', 'table']);
    const rows = (blocks[1]!.table as { children: Array<{ table_row: { cells: Array<Array<{ text: { content: string; link?: { url: string } } }>> } }> }).children;
    const text = rows.map((r) => r.table_row.cells.map((c) => c[0]?.text.content ?? ''));
    expect(text).toEqual([
      ['Resource', 'Kind', 'Resource group', 'Subscription', 'Detail', 'State'],
      ['vm-001', 'machine', 'rg', 's1', 'openssh 8.9p1 → 9.8p1', 'open'],
      ['vm-002', 'machine', 'rg', 's1', 'openssh 8.9p1 → 9.8p1', 'open'],
      ['vm-000', 'machine', 'rg', 's1', 'openssh 8.9p1 → 9.8p1', 'resolved'],
    ]);
    expect(rows[1]!.table_row.cells[0]![0]!.text.link).toEqual({ url: 'https://portal.azure.com/#@/resource/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm-001' });
  });

  it('stays within 100 blocks and says how many more there are', () => {
    const blocks = bodyBlocks(machines(250), 'ja');
    expect(count(blocks)).toBe(MAX_BODY_BLOCKS);
    expect(blocks.at(-1)).toEqual({ type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: '…ほか 154 件（全件は `vulnledger show machine:CVE-2024-6387`）' } }] } });
    expect(count(bodyBlocks(machines(96), 'en'))).toBe(99); // heading, table, header row, 96 rows: no "more" line needed
  });

  it('the digest changes with the table, not otherwise', () => {
    expect(bodyHash(machines(3), 'en')).toBe(bodyHash(machines(3), 'en'));
    expect(bodyHash(machines(3, 1), 'en')).not.toBe(bodyHash(machines(3), 'en'));
    expect(bodyHash(machines(3), 'ja')).not.toBe(bodyHash(machines(3), 'en'));
  });

  it('recognises only our own blocks (heading, the table after it, the "more" line)', () => {
    const h = (id: string, text: string) => ({ id, type: 'heading_3', heading_3: { rich_text: [{ plain_text: text }] } });
    const p = (id: string, text: string) => ({ id, type: 'paragraph', paragraph: { rich_text: [{ plain_text: text }] } });
    const blocks = [p('1', 'notes by a person'), h('2', BODY_HEADING.en), { id: '3', type: 'table' }, p('4', '…and 3 more (all of them)'), p('5', 'more notes'), { id: '6', type: 'table' }, h('7', BODY_HEADING.ja), { id: '8', type: 'table' }];
    expect(ourBlockIds(blocks)).toEqual(['2', '3', '4', '7', '8']);
  });
});
