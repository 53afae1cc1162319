import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../test/helpers/property.js';
import { makeFinding } from '../core/test-helpers.js';
import { InsertedCases, minByBytes } from './inserted-cases.js';

describe('minByBytes', () => {
  it('orders as SQLite compares text (UTF-8 bytes), not as JavaScript compares UTF-16 units', () => {
    // U+1F600 is a surrogate pair (0xD83D…), which `<` puts before U+FF01; in UTF-8 it sorts after.
    expect(minByBytes('😀', '！')).toBe('！');
    expect(minByBytes('CVE-1', 'CVE-10')).toBe('CVE-1');
    expect(minByBytes('b', 'a')).toBe('a');
  });

  it('picks what a byte comparison of the UTF-8 encodings picks', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'z', 'é', '！', '\uffff', '😀', '𝄞', '\u0000'), maxLength: 6 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        const expected = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? a : b;
        expect(minByBytes(a, b)).toBe(expected);
      }),
      propertyRuns(500),
    );
  });
});

describe('InsertedCases', () => {
  it('counts a CVSS score that is not a number as none, as SQLite stores NaN as NULL', () => {
    const tally = new InsertedCases();
    const at = '2026-11-30T06:00:00Z';
    tally.add(makeFinding({ cvss: Number.NaN }), at);
    expect(tally.usable()?.get('CVE-2024-6119')?.cvss).toBeNull();
    tally.add(makeFinding({ assetKey: 'other/repo', cvss: 5.1 }), at);
    tally.add(makeFinding({ assetKey: 'third/repo', cvss: Number.NaN }), at);
    expect(tally.usable()?.get('CVE-2024-6119')).toMatchObject({ total: 3, cvss: 5.1 });
  });
});
