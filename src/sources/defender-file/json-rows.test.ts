import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { propertyRuns } from '../../../test/helpers/property.js';
import { JsonFileError, readJsonRows, type EnvelopeInfo } from './json-rows.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vl-json-'));
let n = 0;
function file(content: string | Buffer): string {
  const p = path.join(dir, `f${++n}.json`);
  writeFileSync(p, content);
  return p;
}

async function readAll(p: string, chunkSize?: number, bulkBytes?: number): Promise<{ rows: unknown[]; info: EnvelopeInfo }> {
  const rows: unknown[] = [];
  const gen = readJsonRows(p, { batchSize: 2, chunkSize, ...(bulkBytes === undefined ? {} : { bulkBytes }) });
  for (;;) {
    const r = await gen.next();
    if (r.done) return { rows, info: r.value };
    rows.push(...r.value);
  }
}

async function failure(p: string, chunkSize?: number, bulkBytes?: number): Promise<JsonFileError> {
  try {
    await readAll(p, chunkSize, bulkBytes);
  } catch (error) {
    if (error instanceof JsonFileError) return error;
    throw error;
  }
  throw new Error('expected a JsonFileError');
}

const rowsFixture = [
  { id: 'a', text: 'braces } ] { [ inside "strings" and \\ backslashes \\"', n: 1 },
  { id: 'b', nested: { list: [1, [2, { x: '}' }]] }, jp: '本番-東京 😀' },
  { id: 'c', s: '\\\\' },
];

describe('readJsonRows', () => {
  it.each([
    ['bare array', JSON.stringify(rowsFixture), 'array'],
    ['az graph query {data}', JSON.stringify({ count: 3, data: rowsFixture, skip_token: null, total_records: 3 }), 'data'],
    ['Defender REST {value}', JSON.stringify({ value: rowsFixture }), 'value'],
    ['pretty-printed with BOM', `\uFEFF${JSON.stringify({ totalRecords: 3, data: rowsFixture, resultTruncated: 'false' }, null, 2)}`, 'data'],
  ])('reads %s', async (_name, content, shape) => {
    for (const chunkSize of [1, 7, 64, 1 << 20]) {
      const { rows, info } = await readAll(file(content), chunkSize);
      expect(rows).toEqual(rowsFixture);
      expect(info.shape).toBe(shape);
      expect(info.rows).toBe(3);
      expect(info.morePages).toBe(false);
      expect(info.truncated).toBe(false);
    }
  });

  // Rows on lines of their own are parsed in runs (bulkRows counts them); the result is the same.
  const manyRows = Array.from({ length: 40 }, (_, i) => ({ ...rowsFixture[i % 3], i, list: [{ a: '},\n{' }, { b: i }] }));
  const oneRowPerLine = `{"data":[\n${manyRows.map((r) => JSON.stringify(r)).join(',\n')}\n]}`;

  it.each([
    ['one row per line', oneRowPerLine],
    ['az graph query (pretty, rows indented 4)', JSON.stringify({ count: 40, data: manyRows }, null, 2)],
    ['tab-indented, CRLF', JSON.stringify({ value: manyRows }, null, '\t').replaceAll('\n', '\r\n')],
  ])('reads %s in runs of rows, with the same rows as one by one', async (_name, content) => {
    const p = file(content);
    for (const chunkSize of [64, 1000, 1 << 20]) {
      const { rows, info } = await readAll(p, chunkSize, 200);
      expect(rows).toEqual(manyRows);
      expect(info.rows).toBe(40);
      // 64-byte chunks never hold a whole run of rows: those are read one by one.
      if (chunkSize === 64) expect(info.bulkRows).toBe(0);
      else expect(info.bulkRows).toBeGreaterThan(20);
    }
  });

  it('reads runs of rows when chunks start exactly at a row', async () => {
    // Rows of one length L, the first at byte L: 4-row chunks all begin with a row's '{'. A run
    // there has no byte before it for its '['; trying anyway missed three times and turned runs off.
    const L = 64;
    const fixed = Array.from({ length: 200 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(L - 17 - String(i).length)}"},\n`);
    expect(fixed.every((line) => line.length === L)).toBe(true);
    const content = `[${' '.repeat(L - 2)}\n${fixed.join('').slice(0, -2)}\n]`;
    const { rows, info } = await readAll(file(content), 4 * L, L);
    expect(rows).toEqual(JSON.parse(content));
    expect(info.bulkRows).toBeGreaterThan(50);
  });

  it.each([
    // The first row starts a line, the other 2,000 follow on that same line: every row searched the
    // rest of its chunk for a row start that is not there (quadratic in the rows of a chunk).
    ['rows after the first on one line', `[\n${Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ...manyRows[i % 40], i })).join(',')}\n]`],
    // Each row on its own line, with a nested object that also starts a line, after '[': the row
    // start found is not after '},', so the rows are not laid out as learned; each row looked again.
    ['nested objects that start lines too', `[\n${Array.from({ length: 2000 }, (_, i) => `{"i":${i},"a":[\n{"x":${i}}]}`).join(',\n')}\n]`],
  ])('stops searching for row starts where the layout has none to use: %s', async (_name, content) => {
    const indexOf = vi.spyOn(Buffer.prototype, 'indexOf');
    try {
      const { rows, info } = await readAll(file(content), 1 << 20, 10);
      expect(rows).toEqual(JSON.parse(content));
      expect(info.bulkRows).toBe(0);
      const rowStartSearches = indexOf.mock.calls.filter(([pattern]) => Buffer.isBuffer(pattern)).length;
      expect(rowStartSearches).toBeLessThanOrEqual(3);
    } finally {
      indexOf.mockRestore();
    }
  });

  it('reads compact JSON row by row', async () => {
    const { rows, info } = await readAll(file(JSON.stringify({ data: manyRows })), 1 << 20, 200);
    expect(rows).toEqual(manyRows);
    expect(info.bulkRows).toBe(0);
  });

  it('falls back to the scanner where a nested object starts a line like a row does', async () => {
    // Each row's nested array has its objects on lines of their own at the rows' indentation: a
    // run cut there leaves a brace open and does not parse; the scanner reads those rows instead.
    const tricky = manyRows.map((r) => `{"i":${r.i},"nested":[\n{"x":1},\n{"y":"}, {"}],"end":true}`);
    const content = `[\n${tricky.join(',\n')}\n]`;
    const { rows, info } = await readAll(file(content), 1 << 20, 10);
    expect(rows).toEqual(JSON.parse(content));
    expect(info.bulkRows).toBe(0);
  });

  it('names the position of a syntax error inside a run of rows', async () => {
    const lines = manyRows.map((r) => JSON.stringify(r));
    lines[30] = lines[30]!.replace('"i":', '"i" ');
    const content = `[\n${lines.join(',\n')}\n]`;
    const err = await failure(file(content), 1 << 20, 200);
    expect(err.line).toBe(32);
    // The error is at the number after the key; offsets count bytes (the rows hold Japanese and emoji).
    expect(err.byteOffset).toBe(Buffer.byteLength(content.slice(0, content.indexOf('"i" ') + 4)));
    expect(err.reason).toMatch(/invalid JSON/);
  });

  it('reads any rows in any layout and chunking as JSON.parse does (property)', async () => {
    const row = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 30 }),
        fc.constantFrom<string | number | null>(null, 0, 2, 4, '\t'),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 512 }),
        async (input, indent, chunkSize, bulkBytes) => {
          const expected: unknown = JSON.parse(JSON.stringify(input));
          const content = indent === null ? `[\n${input.map((r) => JSON.stringify(r)).join(',\n')}\n]` : JSON.stringify({ data: input }, null, indent);
          const { rows } = await readAll(file(content), chunkSize, bulkBytes);
          expect(rows).toEqual(expected);
        },
      ),
      propertyRuns(200),
    );
  });

  it('reports pages with a skip token and truncated results', async () => {
    const { info } = await readAll(file(JSON.stringify({ totalRecords: 9, count: 1, $skipToken: 'abc', resultTruncated: 'true', data: [{ id: 1 }] })));
    expect(info).toEqual({ shape: 'data', morePages: true, truncated: true, rows: 1, bulkRows: 0 });
    const rest = await readAll(file(JSON.stringify({ value: [], nextLink: 'https://x/next' })));
    expect(rest.info.morePages).toBe(true);
  });

  it('reads an empty array as zero rows', async () => {
    expect((await readAll(file('[]'))).rows).toEqual([]);
    expect((await readAll(file('{"data": []}'))).rows).toEqual([]);
  });

  it('names the byte, line and column of a syntax error inside a row', async () => {
    const content = '[\n  {"id": "a"},\n  {"id": "b" "oops": 1}\n]';
    const err = await failure(file(content), 5);
    expect(err.line).toBe(3);
    expect(err.byteOffset).toBe(content.indexOf('"oops"'));
    expect(err.message).toMatch(/f\d+\.json: invalid JSON .* at byte \d+ \(line 3, column \d+\)/);
  });

  it('reports a truncated file', async () => {
    const content = JSON.stringify(rowsFixture).slice(0, 60);
    const err = await failure(file(content));
    expect(err.reason).toMatch(/ends before the JSON document is complete/);
    expect(err.byteOffset).toBe(Buffer.byteLength(content));
  });

  it('rejects empty files, scalars, tables and trailing garbage', async () => {
    expect((await failure(file(''))).reason).toMatch(/empty/);
    expect((await failure(file('42'))).reason).toMatch(/expected a JSON array/);
    expect((await failure(file('{"foo": 1}'))).reason).toMatch(/no rows found/);
    expect((await failure(file('{"data": {"columns": [], "rows": []}}'))).reason).toMatch(/table format/);
    expect((await failure(file('[{"id":1}] x'))).reason).toMatch(/after the end/);
    expect((await failure(file('[{"id":1} {"id":2}]'))).reason).toMatch(/between rows/);
  });

  it('streams a 10 MB string inside a row across many chunks', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const { rows } = await readAll(file(JSON.stringify([{ id: 'big', description: big }, { id: 'next' }])), 1 << 16);
    expect((rows[0] as { description: string }).description.length).toBe(big.length);
    expect(rows[1]).toEqual({ id: 'next' });
  });

  it('names a missing file', async () => {
    await expect(readAll(path.join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot read the file \(ENOENT\)/);
  });
});
