import { describe, expect, it } from 'vitest';
import { initialTriage, type Triage } from '../../core/triage.js';
import type { CaseRecord } from '../../core/case.js';
import { makeFinding, stored } from '../../core/test-helpers.js';
import { resolveNaming } from './fields.js';
import {
  capText,
  CUT_MARKER,
  MAX_TEXT,
  multiSelectText,
  optionName,
  parseHuman,
  readValue,
  readValues,
  renderValues,
  richText,
  toRequestValue,
} from './properties.js';

const en = resolveNaming('en');
const ja = resolveNaming('ja');

function record(overrides: Partial<CaseRecord> = {}, triage: Partial<Triage> = {}): CaseRecord {
  return {
    key: 'CVE-2024-6119', kind: 'container', vulnId: 'CVE-2024-6119', title: 'CVE-2024-6119 in openssl', severity: 'High', cvss: 7.5,
    state: 'open', firstSeen: '2026-07-27T06:00:00.000Z', lastSeen: '2026-11-23T06:00:00.000Z', resolvedAt: null, reopenedAt: null,
    openFindings: 1, totalFindings: 1, slaNotice: 'none', triage: { ...initialTriage('2026-08-26'), ...triage }, ...overrides,
  };
}

/** What Notion returns for a request value: the same shape with plain_text filled in. */
function echo(type: string, request: Record<string, unknown>): Record<string, unknown> & { id: string; type: string } {
  const value = request[type];
  const out = Array.isArray(value) && (type === 'title' || type === 'rich_text')
    ? (value as Array<{ text: { content: string } }>).map((v) => ({ ...v, plain_text: v.text.content }))
    : value;
  return { id: 'x', type, [type]: out };
}

describe('renderValues', () => {
  it('renders every field as the text Notion will hold (en labels)', () => {
    const findings = [stored(makeFinding()), stored(makeFinding({ assetKey: 'contosoprodacr.azurecr.io/web', repository: 'contosoprodacr.azurecr.io/web' }), { state: 'resolved' })];
    const v = renderValues({ record: record(), findings, kev: true, epss: 0.97 }, 'en');
    expect(v).toEqual({
      title: 'CVE-2024-6119', severity: 'High', state: 'Open', status: 'New', responseRequired: 'Undecided', owner: '', dueDate: '2026-08-26',
      respondedAt: '', acceptedUntil: '', firstSeen: '2026-07-27', lastSeen: '2026-11-23', resolvedAt: '', resources: 'acr',
      repositories: 'contosoprodacr.azurecr.io/payments/api', resourceGroups: 'rg', subscriptions: 's1', databases: '', description: 'desc',
      impact: '', remediation: '', evidence: '', justification: '', cvss: '7.5', epss: '0.97', kev: 'true',
      links: 'https://nvd.nist.gov/vuln/detail/CVE-2024-6119',
    });
  });

  it('uses the Japanese labels with the ja preset; a rule id links to the Azure portal', () => {
    const f = stored(makeFinding({ kind: 'sql', vulnId: 'VA2065', server: 'sql-prod-01', database: 'orders', resource: { id: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.sql/servers/sql-prod-01/databases/orders', name: 'orders', subscriptionId: 's1', resourceGroup: 'rg', type: 'microsoft.sql/servers/databases' } }));
    const v = renderValues({ record: record({ key: 'sql:sql-prod-01:VA2065', vulnId: 'VA2065', state: 'reopened' }, { status: 'in_progress', responseRequired: 'yes' }), findings: [f], kev: false, epss: null }, 'ja');
    expect([v.state, v.status, v.responseRequired, v.databases, v.kev, v.epss]).toEqual(['再発', '対応中', '要', 'sql-prod-01/orders', 'false', '']);
    expect(v.links).toBe('https://portal.azure.com/#@/resource/subscriptions/s1/resourcegroups/rg/providers/microsoft.sql/servers/sql-prod-01/databases/orders');
  });

  it('shows the resources of open findings, or of every finding once the case is resolved', () => {
    const a = stored(makeFinding({ resource: { id: '/subscriptions/s1/x/a', name: 'a', subscriptionId: 's1', resourceGroup: 'rg-a', type: '' } }), { state: 'resolved' });
    const b = stored(makeFinding({ assetKey: 'b', resource: { id: '/subscriptions/s2/x/b', name: 'b', subscriptionId: 's2', resourceGroup: 'rg-b', type: '' } }));
    expect(renderValues({ record: record(), findings: [a, b], kev: false, epss: null }, 'en').resources).toBe('b');
    const allResolved = [a, { ...b, state: 'resolved' as const }];
    expect(renderValues({ record: record({ state: 'resolved' }), findings: allResolved, kev: false, epss: null }, 'en').resourceGroups).toBe('rg-a\nrg-b');
  });
});

describe('Notion limits', () => {
  it('splits rich text into ≤ 2000-character elements without splitting a surrogate pair', () => {
    const text = `${'a'.repeat(1999)}😀${'b'.repeat(2500)}`;
    const parts = richText(text);
    expect(parts.map((p) => p.text.content.length)).toEqual([1999, 2000, 502]);
    expect(parts.map((p) => p.text.content).join('')).toBe(text);
    expect(richText('')).toEqual([]);
  });

  it('cuts long text at 10,000 characters and marks the cut', () => {
    const capped = capText('x'.repeat(MAX_TEXT + 1), 'en');
    expect(capped.length).toBeLessThanOrEqual(MAX_TEXT);
    expect(capped.endsWith(`\n${CUT_MARKER.en}`)).toBe(true);
    expect(capText('  short\r\ntext\u0007 ', 'ja')).toBe('short\ntext');
    expect(capText('y'.repeat(MAX_TEXT), 'ja')).toBe('y'.repeat(MAX_TEXT));
  });

  it('multi-select: no commas, ≤ 100 characters per option, ≤ 100 values, sorted and distinct', () => {
    expect(optionName('rg, prod')).toBe('rg; prod');
    expect(optionName('r'.repeat(150))).toBe(`${'r'.repeat(99)}…`);
    expect(multiSelectText(['b', 'a', null, 'a', '  ', 'c,d'])).toBe('a\nb\nc;d');
    const many = multiSelectText(Array.from({ length: 150 }, (_, i) => `vm-${String(i).padStart(3, '0')}`)).split('\n');
    expect([many.length, many[0], many[99]]).toEqual([100, 'vm-000', 'vm-099']);
  });
});

describe('request values and reading them back', () => {
  it('every field reads back exactly as rendered (what makes an unchanged rerun write nothing)', () => {
    const long = `${'line '.repeat(1500)}\n${'z'.repeat(6000)}`;
    const v = renderValues({ record: record({}, { owner: 'sato', justification: long, evidence: [{ at: '2026-11-20T00:00:00Z', author: 'sato', text: 'https://t/1', kind: 'link' }] }), findings: [stored(makeFinding())], kev: true, epss: 0.5 }, 'en');
    const types: Record<string, string> = { title: 'title', severity: 'select', state: 'select', status: 'select', responseRequired: 'select', owner: 'rich_text', dueDate: 'date', respondedAt: 'date', acceptedUntil: 'date', firstSeen: 'date', lastSeen: 'date', resolvedAt: 'date', resources: 'multi_select', repositories: 'multi_select', resourceGroups: 'multi_select', subscriptions: 'multi_select', databases: 'multi_select', description: 'rich_text', impact: 'rich_text', remediation: 'rich_text', evidence: 'rich_text', justification: 'rich_text', cvss: 'number', epss: 'number', kev: 'checkbox', links: 'url' };
    for (const [field, text] of Object.entries(v)) {
      const type = types[field]!;
      expect(readValue(echo(type, toRequestValue(type as never, text))), field).toBe(text);
    }
  });

  it('reads a date with a time as its date, and an alias option as our label', () => {
    expect(readValue({ id: 'd', type: 'date', date: { start: '2026-11-30T10:00:00.000+09:00', end: null } } as never)).toBe('2026-11-30');
    const values = readValues({ ステータス: { id: 's', type: 'status', status: { name: 'Done' } }, 対応要否: { id: 'r', type: 'select', select: { name: '要対応' } }, 重要度: { id: 'v', type: 'select', select: { name: 'Severe' } } } as never, ja);
    expect(values).toEqual({ status: '対応済み', responseRequired: '要', severity: 'Severe' });
  });
});

describe('parseHuman (a person’s text → a ledger edit)', () => {
  const t = initialTriage('2026-08-26');
  it.each([
    ['status', 'In progress', en, { status: 'in_progress' }],
    ['status', '対応済み', ja, { status: 'fixed' }],
    ['status', 'not started', en, { status: 'new' }],
    ['responseRequired', '不要', ja, { responseRequired: 'no' }],
    ['responseRequired', '', en, { responseRequired: 'undecided' }],
    ['owner', 'Sato', en, { owner: 'Sato' }],
    ['owner', '', en, { owner: null }],
    ['respondedAt', '2026-11-30', ja, { respondedAt: '2026-11-30' }],
    ['dueDate', '', en, { dueDate: null }],
  ] as const)('%s "%s"', (field, text, naming, edit) => {
    expect(parseHuman(field, text, t, naming)).toEqual({ ok: true, edit });
  });

  it('refuses an unknown option and an empty status, naming the labels it knows', () => {
    expect(parseHuman('status', 'Someday', t, en)).toEqual({ ok: false, reason: '"Someday" is not a triage status vulnledger knows (New, Triaging, In progress, Risk accepted, False positive, Not affected, Fixed)' });
    expect(parseHuman('status', '', t, ja)).toMatchObject({ ok: false, reason: expect.stringContaining('ステータス is empty') });
    expect(parseHuman('responseRequired', 'maybe', t, ja)).toMatchObject({ ok: false, reason: expect.stringContaining('要, 不要, 未定') });
  });

  it('refuses an edit of a text that was cut for Notion (the rest would be lost)', () => {
    expect(parseHuman('justification', `abc\n${CUT_MARKER.en}`, t, en)).toMatchObject({ ok: false, reason: expect.stringContaining('cut to fit Notion') });
  });

  it('evidence: new lines are added, removed ones noted', () => {
    const current: Triage = { ...t, evidence: [{ at: '2026-11-20T09:00:00Z', author: 'sato', text: 'old', kind: 'note' }] };
    expect(parseHuman('evidence', 'https://t/2', current, en)).toEqual({ ok: true, edit: { evidence: ['https://t/2'] }, note: '1 evidence line(s) removed in Notion stay in the ledger (evidence is append-only)' });
    expect(parseHuman('evidence', `2026-11-20 sato: old\n${CUT_MARKER.ja}`, current, ja)).toEqual({ ok: true, edit: {} });
  });
});
