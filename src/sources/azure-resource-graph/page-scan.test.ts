import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanPage } from './page-scan.js';
import { propertyRuns } from '../../../test/helpers/property.js';

/** What the client would build from a scan: the envelope fields and the parsed rows. */
function viaScan(text: string): { fields: Record<string, unknown>; rows: unknown[] | null } | null {
  const bytes = Buffer.from(text, 'utf8');
  const scanned = scanPage(bytes);
  if (scanned === null) return null;
  const fields: Record<string, unknown> = {};
  for (const [key, [start, end]] of scanned.fields) if (key !== 'data' || scanned.rows === null) fields[key] = JSON.parse(bytes.toString('utf8', start, end));
  return { fields, rows: scanned.rows?.map(([start, end]) => JSON.parse(bytes.toString('utf8', start, end)) as unknown) ?? null };
}

describe('scanPage', () => {
  it('finds the same rows and fields as JSON.parse, for any JSON rows and any spacing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.option(fc.string(), { nil: undefined }),
        fc.constantFrom('', ' ', '\n  ', '\t'),
        (rows, skipToken, ws) => {
          const envelope: Record<string, unknown> = { totalRecords: rows.length, count: rows.length, resultTruncated: 'false', facets: [], data: rows };
          if (skipToken !== undefined) envelope.$skipToken = skipToken;
          const text = JSON.stringify(envelope, null, ws === '' ? undefined : ws);
          const scanned = viaScan(text);
          const expected = JSON.parse(text) as Record<string, unknown>;
          expect(scanned).not.toBeNull();
          expect(scanned!.rows).toEqual(expected.data);
          const { data: _data, ...rest } = expected;
          expect(scanned!.fields).toEqual(rest);
        },
      ),
      propertyRuns(300),
    );
  });

  it('handles quotes, backslashes, brackets and multi-byte text inside strings', () => {
    const rows = [{ id: 'a"b\\', text: '}]{[,:"', ja: 'rg-本番-東京', emoji: '👍🏽' }, ['\\"', '\\\\'], 'x', 1.5e-3, null, true];
    const text = JSON.stringify({ totalRecords: 6, count: 6, resultTruncated: 'false', data: rows });
    expect(viaScan(text)!.rows).toEqual(rows);
    expect(viaScan(`\uFEFF${text}`)!.rows).toEqual(rows);
  });

  it('returns null (so the client parses the body whole and reports it) for anything structurally wrong', () => {
    const bad = [
      '',
      'not json',
      '[1,2]',
      '{"data": [1, 2}',
      '{"data": [1 2]}',
      '{"data": [{"a": 1}] } trailing',
      '{"data": ["unterminated]}',
      '{"totalRecords": 1 "data": []}',
      '{"data": [{"a": [1}]}',
      '{"a": tru"e"}',
    ];
    for (const text of bad) expect(viaScan(text), text).toBeNull();
  });

  it('leaves table-format data (an object) to the whole-body parse', () => {
    expect(viaScan('{"totalRecords": 1, "data": {"columns": [], "rows": []}}')).toEqual({
      fields: { totalRecords: 1, data: { columns: [], rows: [] } },
      rows: null,
    });
  });
});
