import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KevParseError, MAX_PROBLEMS, parseKevCatalog, readKevCatalog } from './parse.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

function parseError(fn: () => unknown): KevParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KevParseError) return error;
    throw error;
  }
  throw new Error('expected a KevParseError');
}

describe('parseKevCatalog: the CISA sample', () => {
  const catalog = parseKevCatalog(fixture('cisa-kev-sample.json'));

  it('reads the envelope, keeping the declared count apart from the entries', () => {
    expect(catalog.title).toBe('CISA Catalog of Known Exploited Vulnerabilities');
    expect(catalog.catalogVersion).toBe('2025.08.25');
    expect(catalog.dateReleased).toBe('2025-08-25T17:04:19.9796Z');
    expect(catalog.declaredCount).toBe(1404);
    expect(catalog.entries.map((e) => e.cveId)).toEqual(['CVE-2025-48384', 'CVE-2024-8068', 'CVE-2025-49704']);
    expect([catalog.dropped, catalog.duplicates, catalog.problems]).toEqual([0, 0, []]);
  });

  it('maps an entry, with "Unknown" ransomware use as null (not false) and notes split on " ; "', () => {
    expect(catalog.entries[0]).toEqual({
      cveId: 'CVE-2025-48384',
      dateAdded: '2025-08-25',
      dueDate: '2025-09-15',
      knownRansomware: null,
      vendorProject: 'Git',
      product: 'Git',
      vulnerabilityName: 'Git Link Following Vulnerability',
      shortDescription:
        'Git contains a link following vulnerability that stems from Git’s inconsistent handling of carriage return characters in configuration files.',
      requiredAction:
        'Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.',
      notes: [
        'This vulnerability affects a common open-source component, third-party library, or a protocol used by different products. For more information, please see: https://github.com/git/git/security/advisories/GHSA-vwqx-4fm8-6qc9',
        'https://access.redhat.com/errata/RHSA-2025:13933',
        'https://alas.aws.amazon.com/AL2/ALAS2-2025-2941.html',
        'https://linux.oracle.com/errata/ELSA-2025-11534.html',
        'https://msrc.microsoft.com/update-guide/vulnerability/CVE-2025-48384',
        'https://nvd.nist.gov/vuln/detail/CVE-2025-48384',
      ],
      cwes: ['CWE-59', 'CWE-436'],
    });
  });
});

describe('parseKevCatalog: bad entries are dropped and counted, never the catalog', () => {
  const catalog = parseKevCatalog(fixture('kev-mixed-entries.json'), { source: 'kev.json' });

  it('keeps the valid entries (first of a duplicate), upper-casing ids and unescaping \\/', () => {
    expect(catalog.entries.map((e) => [e.cveId, e.knownRansomware, e.vulnerabilityName])).toEqual([
      ['CVE-2026-11111', true, 'Example Gateway Command Injection Vulnerability'],
      ['CVE-2026-22222', null, 'Example Mail Deserialization Vulnerability'],
      ['CVE-2026-55555', null, 'Malformed optional fields are tolerated'],
    ]);
    expect(catalog.entries[0]?.notes).toEqual(['https://example.com/advisory/1', 'https://nvd.nist.gov/vuln/detail/CVE-2026-11111']);
    expect(catalog.entries[1]?.notes).toEqual([]);
    expect(catalog.entries[2]?.cwes).toEqual([]);
    expect(catalog.dropped).toBe(4);
    expect(catalog.duplicates).toBe(1);
  });

  it('says which entry failed and why', () => {
    expect(catalog.problems).toEqual([
      { index: 2, cveId: 'CVE-26-1', reason: 'cveID: not a CVE id (CVE-YYYY-NNNN…)' },
      { index: 3, cveId: 'CVE-2026-33333', reason: 'dueDate: not a calendar date (YYYY-MM-DD)' },
      { index: 4, cveId: 'CVE-2026-44444', reason: 'product: Invalid input: expected string, received undefined' },
      { index: 5, cveId: null, reason: '(entry): Invalid input: expected object, received string' },
    ]);
  });

  it('keeps at most MAX_PROBLEMS problem details while counting every drop', () => {
    const doc = { vulnerabilities: Array.from({ length: MAX_PROBLEMS + 10 }, () => ({ cveID: 'nope' })) };
    const result = readKevCatalog(doc);
    expect(result.dropped).toBe(MAX_PROBLEMS + 10);
    expect(result.problems).toHaveLength(MAX_PROBLEMS);
    expect(result.entries).toEqual([]);
  });

  it('reads an explicit boolean ransomware flag, including false', () => {
    const base = { vendorProject: 'v', product: 'p', vulnerabilityName: 'n', dateAdded: '2026-01-01', shortDescription: '', requiredAction: '', dueDate: '2026-01-22' };
    const result = readKevCatalog({
      vulnerabilities: [
        { ...base, cveID: 'CVE-2026-0001', knownRansomwareCampaignUse: false },
        { ...base, cveID: 'CVE-2026-0002', knownRansomwareCampaignUse: ' known ' },
        { ...base, cveID: 'CVE-2026-0003' },
      ],
    });
    expect(result.entries.map((e) => e.knownRansomware)).toEqual([false, true, null]);
  });
});

describe('parseKevCatalog: malformed documents', () => {
  it('names line and column of a syntax error (V8 gives no position for "Unexpected token")', () => {
    const error = parseError(() => parseKevCatalog(fixture('kev-syntax-error.json'), { source: 'https://www.cisa.gov/kev.json' }));
    expect([error.line, error.column]).toEqual([9, 9]);
    expect(error.source).toBe('https://www.cisa.gov/kev.json');
    expect(error.message).toMatch(/^https:\/\/www\.cisa\.gov\/kev\.json: not valid JSON at line 9, column 9: /);
  });

  it('points at the end of a truncated download', () => {
    const error = parseError(() => parseKevCatalog(fixture('kev-truncated.json')));
    expect([error.line, error.column]).toEqual([10, 21]);
  });

  it('rejects an HTML error page at line 1, column 1', () => {
    const error = parseError(() => parseKevCatalog('<!DOCTYPE html><html><body>Access Denied</body></html>', { source: 'kev' }));
    expect([error.line, error.column]).toEqual([1, 1]);
  });

  it('rejects an empty body', () => {
    const error = parseError(() => parseKevCatalog(''));
    expect([error.line, error.column]).toEqual([1, 1]);
    expect(error.message).toBe('not valid JSON at line 1, column 1: Unexpected end of JSON input');
  });

  it('rejects a document whose vulnerabilities is not an array', () => {
    const error = parseError(() => parseKevCatalog(fixture('kev-no-vulnerabilities.json'), { source: 'kev.json' }));
    expect(error.message).toBe('kev.json: not a KEV catalog: $.vulnerabilities must be an array, found an object');
    expect(parseError(() => parseKevCatalog('{"title":"x"}')).message).toBe('not a KEV catalog: $.vulnerabilities must be an array, found nothing');
  });

  it('rejects a top-level array or scalar', () => {
    expect(parseError(() => parseKevCatalog('[]')).message).toBe('not a KEV catalog: expected a JSON object at the top level, found an array');
    expect(parseError(() => parseKevCatalog('42')).message).toBe('not a KEV catalog: expected a JSON object at the top level, found a number');
  });

  it('accepts a UTF-8 BOM', () => {
    expect(parseKevCatalog('\uFEFF{"vulnerabilities":[]}').entries).toEqual([]);
  });
});

describe('parseKevCatalog: full catalog size', () => {
  it('parses ~1500 entries (~1.5 MB, "\\/" escapes) quickly', () => {
    const vulnerabilities = Array.from({ length: 1500 }, (_, i) => ({
      cveID: `CVE-2024-${String(10000 + i)}`,
      vendorProject: 'Vendor',
      product: 'Product',
      vulnerabilityName: 'Vendor Product Remote Code Execution Vulnerability',
      dateAdded: '2024-01-01',
      shortDescription: 'Vendor Product contains a vulnerability that allows remote code execution. '.repeat(8),
      requiredAction: 'Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.',
      dueDate: '2024-01-22',
      knownRansomwareCampaignUse: i % 10 === 0 ? 'Known' : 'Unknown',
      notes: `https://vendor.example.com/advisories/${i} ; https://nvd.nist.gov/vuln/detail/CVE-2024-${String(10000 + i)}`,
      cwes: ['CWE-94'],
    }));
    const text = JSON.stringify({ title: 'KEV', count: 1500, vulnerabilities }, null, 4).replaceAll('/', '\\/');
    expect(text.length).toBeGreaterThan(1_400_000);
    const started = performance.now();
    const catalog = parseKevCatalog(text);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(catalog.entries).toHaveLength(1500);
    expect(catalog.entries.filter((e) => e.knownRansomware === true)).toHaveLength(150);
    expect(catalog.entries[1499]?.notes[1]).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-11499');
  });
});
