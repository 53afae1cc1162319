import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EPSS_URL,
  EPSS_MAX_CVE_PARAM_CHARS,
  EpssParseError,
  buildEpssQueryUrls,
  parseEpssCsv,
  parseEpssDocument,
  parseEpssJson,
} from './parse.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

function parseError(fn: () => unknown): EpssParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EpssParseError) return error;
    throw error;
  }
  throw new Error('expected an EpssParseError');
}

describe('parseEpssJson', () => {
  it('turns the FIRST sample decimal strings into numbers', () => {
    expect(parseEpssJson(fixture('first-epss-sample.json'))).toEqual({
      format: 'json',
      scores: [{ cveId: 'CVE-2021-40438', score: 0.97224, percentile: 1, date: '2022-02-28' }],
      dropped: 0,
      duplicates: 0,
      problems: [],
      total: 1,
      complete: true,
      modelVersion: null,
      scoreDate: null,
    });
  });

  it('drops non-numeric, out-of-range, undated and non-CVE rows, counting each', () => {
    const result = parseEpssJson(fixture('epss-api-mixed.json'));
    expect(result.scores).toEqual([
      { cveId: 'CVE-2021-40438', score: 0.97224, percentile: 1, date: '2022-02-28' },
      { cveId: 'CVE-2019-16759', score: 0.96976, percentile: 0.99991, date: '2022-02-28' },
      { cveId: 'CVE-2024-00001', score: 0.5, percentile: 0.75, date: '2022-02-28' },
    ]);
    expect(result.dropped).toBe(6);
    expect(result.duplicates).toBe(1);
    expect(result.problems).toEqual([
      { location: 'data[3]', cveId: 'CVE-2024-00002', reason: 'epss: not a decimal number' },
      { location: 'data[4]', cveId: 'CVE-2024-00003', reason: 'percentile: above 1' },
      { location: 'data[5]', cveId: 'CVE-2024-00004', reason: 'epss: below 0' },
      { location: 'data[6]', cveId: 'CVE-2024-00005', reason: 'epss: not a decimal number' },
      { location: 'data[7]', cveId: 'CVE-2024-00006', reason: 'date: Invalid input: expected string, received undefined' },
      { location: 'data[8]', cveId: 'not-a-cve', reason: 'cve: not a CVE id' },
    ]);
  });

  it('reports a page that does not hold every matching row', () => {
    const result = parseEpssJson(fixture('epss-api-mixed.json'));
    expect([result.total, result.complete]).toEqual([12, false]);
  });

  it('names line and column of a JSON syntax error', () => {
    const error = parseError(() => parseEpssJson(fixture('epss-malformed.json'), { source: 'https://api.first.org/data/v1/epss' }));
    expect([error.line, error.column]).toEqual([5, 98]);
    expect(error.message).toMatch(/^https:\/\/api\.first\.org\/data\/v1\/epss: not valid JSON at line 5, column 98: /);
  });

  it('quotes the API status and message when there is no data array', () => {
    const error = parseError(() => parseEpssJson(fixture('epss-error-response.json'), { source: 'epss' }));
    expect(error.message).toBe('epss: not an EPSS API response: $.data must be an array (status "error": The parameter cve is too long)');
  });

  it('rejects HTML', () => {
    const error = parseError(() => parseEpssJson('<html>rate limited</html>'));
    expect([error.line, error.column]).toEqual([1, 1]);
  });
});

describe('parseEpssCsv', () => {
  it('reads the download format: comment line, header, CRLF rows, quoted fields', () => {
    const result = parseEpssCsv(fixture('epss-scores.csv'), { source: 'epss_scores-2026-06-01.csv' });
    expect(result.modelVersion).toBe('v2023.03.01');
    expect(result.scoreDate).toBe('2026-06-01');
    expect(result.scores).toEqual([
      { cveId: 'CVE-1999-0001', score: 0.01141, percentile: 0.77693, date: '2026-06-01' },
      { cveId: 'CVE-2021-44228', score: 0.94358, percentile: 0.99957, date: '2026-06-01' },
      { cveId: 'CVE-2024-3094', score: 0.85, percentile: 0.98, date: '2026-06-01' },
      { cveId: 'CVE-2024-6666', score: 0.0004, percentile: 0.1, date: '2026-06-01' },
    ]);
    expect(result.dropped).toBe(3);
    expect(result.problems).toEqual([
      { location: 'line 6', cveId: 'CVE-2024-9999', reason: 'epss: above 1' },
      { location: 'line 7', cveId: 'CVE-2024-8888', reason: 'epss: not a decimal number' },
      { location: 'line 8', cveId: 'CVE-2024-7777', reason: 'expected 3 columns, found 1' },
    ]);
    expect([result.total, result.complete]).toEqual([null, true]);
  });

  it('uses a date column, or options.date, when there is no score_date', () => {
    expect(parseEpssCsv('cve,percentile,epss,date\nCVE-2024-1234,0.5,0.25,2026-05-01\n').scores).toEqual([
      { cveId: 'CVE-2024-1234', score: 0.25, percentile: 0.5, date: '2026-05-01' },
    ]);
    expect(parseEpssCsv('cve,epss,percentile\nCVE-2024-1234,0.25,0.5\n', { date: '2026-05-02' }).scores[0]?.date).toBe('2026-05-02');
  });

  it('fails without any score date, naming the line', () => {
    const error = parseError(() => parseEpssCsv('cve,epss,percentile\nCVE-2024-1234,0.25,0.5\n', { source: 'e.csv' }));
    expect(error.message).toBe('e.csv: EPSS CSV has no score date: expected a "#model_version:…,score_date:…" line or a date column before line 1');
    expect(error.line).toBe(1);
  });

  it('fails on a header without cve/epss/percentile, naming the line', () => {
    const error = parseError(() => parseEpssCsv(fixture('epss-no-header.csv'), { source: 'x.csv' }));
    expect(error.message).toBe('x.csv: not an EPSS CSV at line 1: expected a header with cve, epss and percentile, found "id,score"');
    expect([error.line, error.column]).toEqual([1, 1]);
  });

  it('fails on an empty file', () => {
    expect(parseError(() => parseEpssCsv('\n\n')).message).toBe('not an EPSS CSV: no header line');
  });

  it('reads a full-size daily file (~300k rows) in reasonable time', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => `CVE-2020-${String(10000 + i)},0.${String(i).padStart(5, '0')},0.5`);
    const text = `#model_version:v2025.03.14,score_date:2026-06-01T00:00:00+0000\ncve,epss,percentile\n${rows.join('\n')}\n`;
    const started = performance.now();
    const result = parseEpssCsv(text);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(result.scores).toHaveLength(300_000);
    expect(result.scores[299_999]).toEqual({ cveId: 'CVE-2020-309999', score: 0.299999, percentile: 0.5, date: '2026-06-01' });
  }, 60_000);
});

describe('parseEpssDocument', () => {
  it('gunzips and sniffs CSV', () => {
    const gz = gzipSync(Buffer.from(fixture('epss-scores.csv')));
    expect(parseEpssDocument(gz).scores).toHaveLength(4);
  });

  it('sniffs JSON from bytes', () => {
    expect(parseEpssDocument(Buffer.from(fixture('first-epss-sample.json'))).format).toBe('json');
  });

  it('names a corrupt gzip', () => {
    const error = parseError(() => parseEpssDocument(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]), { source: 'e.csv.gz' }));
    expect(error.message).toMatch(/^e\.csv\.gz: cannot gunzip EPSS data: /);
  });
});

describe('buildEpssQueryUrls', () => {
  function cveParam(url: string): string {
    return new URL(url).searchParams.get('cve') ?? '';
  }

  it('puts a few ids in one URL with literal commas, envelope and a limit covering the batch', () => {
    expect(buildEpssQueryUrls(DEFAULT_EPSS_URL, ['CVE-2021-40438', 'cve-2019-16759', 'CVE-2021-40438', 'not-a-cve', ' CVE-2024-3094 '])).toEqual([
      'https://api.first.org/data/v1/epss?limit=3&envelope=true&cve=CVE-2021-40438,CVE-2019-16759,CVE-2024-3094',
    ]);
  });

  it('returns no URLs for no ids', () => {
    expect(buildEpssQueryUrls(DEFAULT_EPSS_URL, [])).toEqual([]);
    expect(buildEpssQueryUrls(DEFAULT_EPSS_URL, ['junk'])).toEqual([]);
  });

  it('keeps every cve parameter within 2000 characters, losing and repeating no id', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `CVE-2024-${String(100000 + i)}`); // 15 characters each
    const urls = buildEpssQueryUrls(DEFAULT_EPSS_URL, ids);
    // 125 ids × 15 + 124 commas = 1999 ≤ 2000; 126 would be 2015.
    expect(urls).toHaveLength(8);
    for (const url of urls) expect(cveParam(url).length).toBeLessThanOrEqual(EPSS_MAX_CVE_PARAM_CHARS);
    expect(cveParam(urls[0] ?? '').length).toBe(1999);
    expect(urls.flatMap((u) => cveParam(u).split(','))).toEqual(ids);
    expect(new URL(urls[0] ?? '').searchParams.get('limit')).toBe('125');
  });

  it('fills a batch exactly up to the limit', () => {
    const ids = ['CVE-2024-1000', 'CVE-2024-2000', 'CVE-2024-3000']; // 13 characters each: two = 27
    expect(buildEpssQueryUrls(DEFAULT_EPSS_URL, ids, { maxCveChars: 27 }).map(cveParam)).toEqual(['CVE-2024-1000,CVE-2024-2000', 'CVE-2024-3000']);
    expect(buildEpssQueryUrls(DEFAULT_EPSS_URL, ids, { maxCveChars: 26 }).map(cveParam)).toEqual(['CVE-2024-1000', 'CVE-2024-2000', 'CVE-2024-3000']);
  });

  it('preserves other parameters, drops offset and an old cve, keeps a larger limit', () => {
    const urls = buildEpssQueryUrls('https://mirror.example.com/epss?date=2026-06-01&scope=time-series&offset=200&cve=CVE-1999-0001&limit=500', ['CVE-2024-1234']);
    expect(urls).toEqual(['https://mirror.example.com/epss?date=2026-06-01&scope=time-series&limit=500&envelope=true&cve=CVE-2024-1234']);
  });
});
