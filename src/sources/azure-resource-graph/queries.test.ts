import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { meetsThreshold, parseSeverity, SEVERITY_THRESHOLDS, type SeverityThreshold } from '../../core/severity.js';
import {
  CVE_DETAILS_BATCH_MAX,
  CVE_DETAILS_PROBE_FILE,
  CVE_DETAILS_QUERY_FILE,
  SUBSCRIPTIONS_QUERY_FILE,
  QUERY_KINDS,
  QUERY_MODELS,
  QUERY_SOURCES,
  batchCveIds,
  loadCveDetailsProbeQuery,
  loadCveDetailsQuery,
  loadQuery,
  loadSubscriptionsQuery,
  probeQuery,
  queryFileName,
  severitySpellings,
  type QueryKind,
  type QueryModel,
} from './queries.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const queriesDir = path.join(here, 'queries');

// ---------------------------------------------------------------- Microsoft's Kusto language service

/** The slice of the Bridge.NET API this test uses (the package's d.ts is 30k lines of globals). */
interface KustoList<T> {
  Count: number;
  getItem(index: number): T;
}
interface KustoDiagnostic {
  Severity: string;
  Code: string;
  Message: string;
  Start: number;
  Length: number;
}
interface KustoSyntaxElement {
  WalkElements(action: (element: unknown) => void): void;
}
interface KustoCode {
  GetDiagnostics(): KustoList<KustoDiagnostic>;
  Syntax: KustoSyntaxElement;
  ResultType: { Columns?: KustoList<{ Name: string; Type: { Name: string } }> } | null;
}
interface KustoGlobals {
  Kusto: {
    Language: {
      KustoCode: { Parse(text: string): KustoCode; ParseAndAnalyze(text: string, globals: unknown): KustoCode };
      GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
      Symbols: {
        ScalarTypes: { String: unknown; Dynamic: unknown };
        ColumnSymbol: new (name: string, type: unknown, description: null, originalColumns: null, source: null, examples: null) => unknown;
        TableSymbol: { $ctor4: new (name: string, columns: unknown[]) => unknown };
        DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
      };
    };
  };
  Bridge: { getTypeName(value: unknown): string };
}

let kusto: KustoGlobals;
let argGlobals: unknown;

beforeAll(() => {
  // bridge.js (the Bridge.NET runtime) must load first; Kusto.Language.Bridge.js then registers
  // the Kusto namespace. Both attach to the global object.
  const require = createRequire(import.meta.url);
  require('@kusto/language-service-next/bridge.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  kusto = globalThis as unknown as KustoGlobals;
  const { Symbols, GlobalState } = kusto.Kusto.Language;
  const { String: str, Dynamic: dyn } = Symbols.ScalarTypes;
  // The columns of Resource Graph's securityresources table (README §2.1), so the analyzer also
  // catches unknown columns and misspelled functions, not only syntax errors.
  const columns: Array<[string, unknown]> = [
    ['id', str], ['name', str], ['type', str], ['tenantId', str], ['kind', str], ['location', str],
    ['resourceGroup', str], ['subscriptionId', str], ['managedBy', str], ['sku', dyn], ['plan', dyn],
    ['properties', dyn], ['tags', dyn], ['identity', dyn], ['zones', dyn], ['extendedLocation', dyn],
  ];
  const tableOf = (name: string) =>
    new Symbols.TableSymbol.$ctor4(
      name,
      columns.map(([column, type]) => new Symbols.ColumnSymbol(column, type, null, null, null, null)),
    );
  // resourcecontainers (subscriptions, resource groups) has the same top-level columns.
  argGlobals = GlobalState.Default.WithDatabase(
    new Symbols.DatabaseSymbol.ctor('resourcegraph', [tableOf('securityresources'), tableOf('resourcecontainers')]),
  );
}, 30_000);

function list<T>(items: KustoList<T> | null | undefined): T[] {
  if (!items) return [];
  return Array.from({ length: items.Count }, (_, i) => items.getItem(i));
}

function format(query: string, diagnostics: KustoDiagnostic[]): string[] {
  return diagnostics.map((d) => {
    const before = query.slice(0, d.Start);
    const line = before.split('\n').length;
    const column = d.Start - before.lastIndexOf('\n');
    return `${d.Severity} ${d.Code} at line ${line}, column ${column}: ${d.Message} near ${JSON.stringify(query.slice(d.Start, d.Start + Math.max(d.Length, 20)))}`;
  });
}

/** Operators that make Resource Graph truncate a result instead of paging it. */
const NON_PAGING_OPERATORS = new Set([
  'Kusto.Language.Syntax.TakeOperator', // take and limit
  'Kusto.Language.Syntax.SampleOperator',
  'Kusto.Language.Syntax.SampleDistinctOperator',
  'Kusto.Language.Syntax.TopOperator',
  'Kusto.Language.Syntax.TopNestedOperator',
  'Kusto.Language.Syntax.TopHittersOperator',
]);

interface Analysis {
  /** `KustoCode.Parse(q).GetDiagnostics()`, as the issue asks. */
  syntax: string[];
  /** `KustoCode.ParseAndAnalyze(q, securityresources schema)`: unknown columns, functions, types. */
  semantic: string[];
  /** Operators in the syntax tree that stop Resource Graph from paging. */
  nonPaging: string[];
  /** Output columns and their types. */
  columns: Record<string, string>;
}

function analyse(query: string): Analysis {
  const { KustoCode } = kusto.Kusto.Language;
  const parsed = KustoCode.Parse(query);
  const nonPaging: string[] = [];
  parsed.Syntax.WalkElements((element) => {
    const name = kusto.Bridge.getTypeName(element);
    if (NON_PAGING_OPERATORS.has(name)) nonPaging.push(name.replace('Kusto.Language.Syntax.', ''));
  });
  const analysed = KustoCode.ParseAndAnalyze(query, argGlobals);
  return {
    syntax: format(query, list(parsed.GetDiagnostics())),
    semantic: format(query, list(analysed.GetDiagnostics())),
    nonPaging,
    columns: Object.fromEntries(list(analysed.ResultType?.Columns).map((column) => [column.Name, column.Type.Name])),
  };
}

/** Every problem the suite holds a shipped query to; empty means fine. */
function problems(query: string): string[] {
  const analysis = analyse(query);
  const out = [...analysis.syntax, ...analysis.semantic];
  for (const operator of analysis.nonPaging) out.push(`uses ${operator}: Resource Graph cannot page it (resultTruncated)`);
  if (analysis.columns.id !== 'string') out.push('does not project the string column id (Resource Graph needs it to page)');
  if (!/\|\s*order\s+by\s+id\s+asc\s*$/.test(query)) out.push('does not end with "| order by id asc"');
  if (/\{\{\w+\}\}/.test(query)) out.push('has an unfilled placeholder');
  return [...new Set(out)];
}

// ---------------------------------------------------------------- the shipped queries

// Only the SQL queries depend on the threshold; the others are checked once.
const combos: Array<[QueryKind, QueryModel, SeverityThreshold]> = QUERY_KINDS.flatMap((kind) =>
  QUERY_MODELS.flatMap((model) =>
    (kind === 'sql' ? SEVERITY_THRESHOLDS : (['High'] as const)).map((threshold): [QueryKind, QueryModel, SeverityThreshold] => [kind, model, threshold]),
  ),
);

describe('shipped Resource Graph queries', () => {
  it.each(combos)('%s / %s at minSeverity %s parses and analyses with no diagnostics', (kind, model, minSeverity) => {
    const query = loadQuery(kind, model, { minSeverity });
    const found = problems(query);
    if (found.length > 0) console.error(`${queryFileName(kind, model)}:\n  ${found.join('\n  ')}\n--- query ---\n${query}`);
    expect(found).toEqual([]);
  });

  it('the CVE-details lookup parses with one id and with a full batch of 500', () => {
    const one = loadCveDetailsQuery(['CVE-2024-6119']);
    const full = loadCveDetailsQuery(Array.from({ length: CVE_DETAILS_BATCH_MAX }, (_, i) => `CVE-2026-${String(10000 + i)}`));
    for (const query of [one, full]) {
      const found = problems(query);
      if (found.length > 0) console.error(`${CVE_DETAILS_QUERY_FILE}:\n  ${found.join('\n  ')}`);
      expect(found).toEqual([]);
    }
    expect(one).toContain('in ("cve-2024-6119")');
    expect(full.match(/"cve-2026-\d+"/g)).toHaveLength(500);
  });

  it('the subscriptions query parses, pages (string id, order by id) and reads resourcecontainers', () => {
    const query = loadSubscriptionsQuery();
    expect(problems(query)).toEqual([]);
    expect(query).toContain('resourcecontainers\n| where type =~ "microsoft.resources/subscriptions"');
    expect(analyse(query).columns).toEqual({ id: 'string', subscriptionId: 'string', name: 'string' });
  });

  it('probe queries parse, return at most one row with take 1, and are never used for paging', () => {
    const probe = loadCveDetailsProbeQuery();
    const analysis = analyse(probe);
    expect([...analysis.syntax, ...analysis.semantic]).toEqual([]);
    expect(analysis.nonPaging).toEqual(['TakeOperator']);
    expect(probe.trimEnd().endsWith('| take 1')).toBe(true);
    for (const kind of QUERY_KINDS) {
      for (const model of QUERY_MODELS) {
        const doctorProbe = probeQuery(loadQuery(kind, model, { minSeverity: 'High' }));
        const a = analyse(doctorProbe);
        expect([...a.syntax, ...a.semantic], `${kind}/${model}`).toEqual([]);
        expect(a.nonPaging).toEqual(['TakeOperator']);
        expect(doctorProbe.endsWith('| order by id asc\n| take 1')).toBe(true);
      }
    }
  });

  it('the checks fail on broken queries (so a passing run means something)', () => {
    const good = loadQuery('machines', 'individual', { minSeverity: 'High' });
    expect(problems(good)).toEqual([]);

    const syntax = good.replace('| where tostring(properties.status.code) =~ "Unhealthy"', '| where tostring(properties.status.code) =~');
    expect(analyse(syntax).syntax.join('\n')).toMatch(/Error KS\d+ at line \d+/);

    const misspelled = analyse(good.replace('tostring(properties.status.code)', 'tostrng(properties.status.code)'));
    expect(misspelled.syntax).toEqual([]); // syntax alone does not see it …
    expect(misspelled.semantic.join('\n')).toMatch(/tostrng/); // … the schema-aware analysis does

    const unknownColumn = good.replace('| project id, name,', '| project idd, name,');
    expect(problems(unknownColumn).join('\n')).toMatch(/idd|string column id/);

    for (const operator of ['limit 10', 'take 10', 'sample 10', 'top 10 by id']) {
      const truncating = good.replace('| order by id asc', `| ${operator}\n| order by id asc`);
      expect(problems(truncating).join('\n'), operator).toMatch(/Resource Graph cannot page it/);
    }
    expect(problems(good.replace('| order by id asc', '| order by name asc'))).toContain('does not end with "| order by id asc"');
    expect(problems(good.replace('| project id, name,', '| project name,')).join('\n')).toMatch(/string column id/);
  });

  it.each(QUERY_KINDS.flatMap((kind) => QUERY_MODELS.map((model): [QueryKind, QueryModel] => [kind, model])))(
    '%s / %s filters type, Unhealthy and DevOps rows server-side and projects whole properties',
    (kind, model) => {
      const query = loadQuery(kind, model, { minSeverity: 'High' });
      const type = model === 'individual' ? 'microsoft.security/assessments' : 'microsoft.security/assessments/subassessments';
      expect(query).toContain(`| where type =~ "${type}"`);
      expect(query).toContain('| where tostring(properties.status.code) =~ "Unhealthy"');
      expect(query).toContain('| where id !contains "/devops/default/"');
      const { columns } = analyse(query);
      for (const column of ['id', 'name', 'type', 'tenantId', 'subscriptionId', 'resourceGroup']) expect(columns[column]).toBe('string');
      expect(columns.properties).toBe('dynamic');
      if (model === 'grouped') expect(columns.assessmentKey).toBe('string');
    },
  );

  it('filters severity server-side only where the severity is final (SQL rules), never for CVE rows', () => {
    for (const kind of QUERY_KINDS) {
      for (const model of QUERY_MODELS) {
        const file = queryFileName(kind, model);
        const source = QUERY_SOURCES[file] ?? '';
        const code = source.split('\n').filter((line) => !line.startsWith('//')).join('\n');
        if (kind === 'sql') expect(code, file).toContain('{{minSeverityList}}');
        else expect(code, file).not.toMatch(/severity/i);
      }
    }
    const critical = loadQuery('sql', 'individual', { minSeverity: 'Critical' });
    expect(critical).toContain('ruleSeverity in~ ("Critical")');
    expect(critical).toContain('ruleSeverity !in~ ("Critical", "High", "Important", "Medium", "Moderate", "Low", "Informational", "Info")');
    const low = loadQuery('sql', 'grouped', { minSeverity: 'Low' });
    expect(low).toContain('in~ ("Critical", "High", "Important", "Medium", "Moderate", "Low", "Informational", "Info")');
  });

  it('severity spellings match exactly what core/severity.ts parseSeverity accepts at each threshold', () => {
    const candidates = [
      'Critical', 'critical', 'CRITICAL', 'High', 'high', 'Important', 'Medium', 'Moderate', 'moderate', 'Low',
      'Informational', 'Info', 'info', 'Unknown', 'None', 'Severe', 'Negligible', '',
    ];
    for (const threshold of SEVERITY_THRESHOLDS) {
      const spellings = severitySpellings(threshold).map((s) => s.toLowerCase());
      for (const candidate of candidates) {
        const kept = meetsThreshold(parseSeverity(candidate), threshold);
        expect(spellings.includes(candidate.trim().toLowerCase()), `${candidate} at ${threshold}`).toBe(kept);
      }
      for (const spelling of severitySpellings(threshold)) expect(meetsThreshold(parseSeverity(spelling), threshold), spelling).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- embedding and review copies

describe('embedded query text', () => {
  const files = readdirSync(queriesDir).filter((file) => file.endsWith('.kql')).sort();

  it('ships one .kql file per kind and model plus the CVE-details lookup, its probe and the subscriptions list', () => {
    const expected = [
      ...QUERY_KINDS.flatMap((kind) => QUERY_MODELS.map((model) => queryFileName(kind, model))),
      CVE_DETAILS_QUERY_FILE,
      CVE_DETAILS_PROBE_FILE,
      SUBSCRIPTIONS_QUERY_FILE,
    ].sort();
    expect(files).toEqual(expected);
    expect(Object.keys(QUERY_SOURCES).sort()).toEqual(expected);
  });

  it.each(files)('queries.ts embeds %s byte for byte (tsc does not copy .kql files into dist/)', (file) => {
    const onDisk = readFileSync(path.join(queriesDir, file), 'utf8');
    expect(onDisk, `${file} must not contain a backtick or \${ (it is embedded in a String.raw template)`).not.toMatch(/`|\$\{/);
    const paste = `  ${JSON.stringify(file)}: String.raw\`${onDisk}\`,`;
    expect(QUERY_SOURCES[file], `queries.ts is out of date for ${file}; replace its entry in QUERY_SOURCES with:\n${paste}`).toBe(onDisk);
  });

  it.each(files)('the root README (Connecting to Azure) shows %s verbatim for security reviewers', (file) => {
    const readme = readFileSync(path.join(here, '..', '..', '..', 'README.md'), 'utf8');
    expect(readme.includes(readFileSync(path.join(queriesDir, file), 'utf8').trimEnd()), `${file} is not shown verbatim in README.md`).toBe(true);
  });

  it.each(files)('readme.md shows %s verbatim for security reviewers', (file) => {
    const readme = readFileSync(path.join(here, 'readme.md'), 'utf8');
    expect(readme.includes(readFileSync(path.join(queriesDir, file), 'utf8').trimEnd()), `${file} is not shown verbatim in readme.md`).toBe(true);
  });
});

describe('loader input checks', () => {
  it('rejects unknown kinds, models and thresholds', () => {
    expect(() => loadQuery('images' as QueryKind, 'individual', { minSeverity: 'High' })).toThrow(/unknown query kind "images"/);
    expect(() => loadQuery('sql', 'legacy' as QueryModel, { minSeverity: 'High' })).toThrow(/unknown Defender model "legacy"/);
    expect(() => loadQuery('sql', 'individual', { minSeverity: 'Severe' as SeverityThreshold })).toThrow(/unknown minSeverity "Severe"/);
  });

  it('splices only validated, lower-cased, de-duplicated CVE ids into the CVE-details query', () => {
    expect(loadCveDetailsQuery(['CVE-2024-6119', 'cve-2024-6119 ', 'CVE-2023-44487'])).toContain('in ("cve-2024-6119", "cve-2023-44487")');
    expect(() => loadCveDetailsQuery([])).toThrow(/at least one CVE id/);
    expect(() => loadCveDetailsQuery(['CVE-2024-1") or 1==1 or ("'])).toThrow(/not a CVE id/);
    expect(() => loadCveDetailsQuery(['GHSA-xxxx-yyyy-zzzz'])).toThrow(/not a CVE id/);
    const tooMany = Array.from({ length: CVE_DETAILS_BATCH_MAX + 1 }, (_, i) => `CVE-2026-${String(20000 + i)}`);
    expect(() => loadCveDetailsQuery(tooMany)).toThrow(/at most 500/);
  });

  it('batches CVE ids by 500 after de-duplication', () => {
    const ids = Array.from({ length: 1203 }, (_, i) => `CVE-2026-${String(30000 + (i % 1201))}`);
    const batches = batchCveIds(ids);
    expect(batches.map((batch) => batch.length)).toEqual([500, 500, 201]);
    expect(batches.flat().every((id) => id === id.toLowerCase())).toBe(true);
    expect(() => batchCveIds(ids, 501)).toThrow(/1 to 500/);
  });
});
