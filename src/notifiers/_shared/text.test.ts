import { describe, expect, it } from 'vitest';
import { messages } from '../../core/i18n.js';
import { safeLink, portalUrl, nvdUrl } from './links.js';
import { counts } from './test-helpers.js';
import { cleanText, escapeWithin, fill, severityCountsText, truncate } from './text.js';

describe('text', () => {
  it('truncate never splits a surrogate pair and marks the cut', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('escapeWithin bounds the escaped result', () => {
    const amp = (ch: string) => (ch === '&' ? '&amp;' : ch);
    expect(escapeWithin('a&b', 10, amp)).toBe('a&amp;b');
    expect(escapeWithin('&&&', 12, amp)).toBe('&amp;&amp;…');
    expect(escapeWithin('x'.repeat(50), 10, amp)).toBe(`${'x'.repeat(9)}…`);
  });

  it('cleanText drops controls and bidi overrides', () => {
    expect(cleanText(' a\u0000b\u202Ec \n d ')).toBe('abc d');
    expect(cleanText('a\n\nb', false)).toBe('a\n\nb');
  });

  it('fill and severity counts, in both languages', () => {
    expect(fill('{n} of {m} {x}', { n: 1, m: 'two' })).toBe('1 of two {x}');
    expect(severityCountsText(counts({ Critical: 1, Low: 3 }), messages('en'))).toBe('Critical 1 · Low 3');
    expect(severityCountsText(counts({ High: 2 }), messages('ja'))).toBe('高 2');
    expect(severityCountsText(counts({}), messages('ja'))).toBe('なし');
  });
});

describe('links', () => {
  it('NVD only for CVE ids; the portal only for ARM ids', () => {
    expect(nvdUrl('cve-2024-6119')).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-6119');
    expect(nvdUrl('VA2108')).toBeNull();
    expect(portalUrl('/subscriptions/s/resourcegroups/rg-本番/providers/x/y(1)')).toBe(
      'https://portal.azure.com/#@/resource/subscriptions/s/resourcegroups/rg-%E6%9C%AC%E7%95%AA/providers/x/y%281%29',
    );
    expect(portalUrl('acr.azurecr.io/web')).toBeNull();
  });

  it('safeLink: http(s) only, no credentials, no characters that break link syntax, bounded', () => {
    expect(safeLink('https://example.com/a b|c>d(e)[f]{g}@h*')).toBe('https://example.com/a%20b%7Cc%3Ed%28e%29%5Bf%5D%7Bg%7D%40h%2A');
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('https://user:pw@example.com/')).toBeNull();
    expect(safeLink(`https://example.com/${'x'.repeat(400)}`)).toBeNull();
    expect(safeLink('not a url')).toBeNull();
  });
});
