import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerHarness, type LedgerHarness } from '../../test/helpers/ledger.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';
import { fixedClock } from '../core/clock.js';
import { makeFinding } from '../core/test-helpers.js';
import { syntheticSource } from '../bench/notion-seed.js';
import { nullLogger } from '../util/logger.js';
import type { Finding } from '../core/finding.js';
import type { FindingSource } from '../core/ports.js';
import type { StoreTuning } from './ledger-store.js';
import { openSqliteLedger } from './sqlite.js';

const DEMO = path.resolve(import.meta.dirname, '../../demo/data');
const week = (folder: string) => createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender-export', path: path.join(DEMO, folder, '*.json') }), '/');

/** The demo's three weeks (new, resolved and reopened cases) with every severity kept. */
async function demoWeeks(tuning: StoreTuning): Promise<LedgerHarness> {
  const h = ledgerHarness(tuning);
  await h.run([week('week-0-grouped')], '2026-11-09T06:00:00Z', { minSeverity: 'Low' });
  await h.run([week('week-1')], '2026-11-16T06:00:00Z', { minSeverity: 'Low' });
  await h.run([week('week-2')], '2026-11-23T06:00:00Z', { minSeverity: 'Low' });
  return h;
}

/** The case side of the ledger, with run ids (random per run) written as RUN. */
const ledgerOf = (h: LedgerHarness) =>
  JSON.parse(
    JSON.stringify({
      cases: h.sql('select * from cases order by key'),
      triage: h.sql('select * from triage order by case_key'),
      history: h.sql('select case_key, at, actor, field, old_value, new_value from history order by id'),
      events: h.sql('select type, case_key, at, details_json from events order by id'),
    }).replace(/\d{8}T\d{6}Z-[0-9a-f]+/g, 'RUN'),
  ) as { cases: Array<{ state: string }>; events: Array<{ type: string }> };

describe('case aggregation', () => {
  it('answers by key on both paths, also when the look-ups take several queries', async () => {
    // 1,200 cases: the look-ups go 500 keys a query; asked in reverse, both ways answer in key order.
    const findings = Array.from({ length: 1200 }, (_, i) => makeFinding({ kind: 'machine', assetKey: 'vm-1', vulnId: `CVE-2026-${String(10000 + i)}` }));
    const h = ledgerHarness();
    await h.run([syntheticSource(findings)], '2026-11-16T06:00:00Z', { minSeverity: 'Low' });
    const keys = findings.map((f) => f.caseKey).reverse();
    for (const aggregateCasesBy of ['lookup', 'scan'] as const) {
      const { store } = await openSqliteLedger(h.file, { clock: fixedClock('2026-11-30T00:00:00Z'), log: nullLogger, tuning: { aggregateCasesBy } });
      try {
        const got = await store.transaction(async (tx) => tx.aggregateCases(keys));
        expect({ aggregateCasesBy, keys: got.map((a) => a.key) }).toEqual({ aggregateCasesBy, keys: [...keys].sort() });
      } finally {
        await store.close();
      }
    }
  });

  it('one scan of the findings and index look-ups give the same ledger', async () => {
    const byLookup = ledgerOf(await demoWeeks({ aggregateCasesBy: 'lookup' }));
    const byScan = ledgerOf(await demoWeeks({ aggregateCasesBy: 'scan' }));
    expect(byScan).toEqual(byLookup);
    // The weeks exercise what aggregation decides: counts, resolution and reopening.
    const states = new Set(byLookup.cases.map((c) => c.state));
    expect([...states].sort()).toEqual(['open', 'reopened', 'resolved']);
    expect(byLookup.events.map((e) => e.type)).toEqual(expect.arrayContaining(['case.new', 'case.resolved', 'case.reopened']));
  });

  it('the scan returns only the cases asked for, by key, with the same figures as the look-ups', async () => {
    const h = await demoWeeks({ aggregateCasesBy: 'lookup' });
    const keys = h.sql<{ key: string }>("select key from cases where kind != 'advisory' order by key").map((c) => c.key);
    expect(keys.length).toBeGreaterThan(4);
    // Asked out of order: both ways answer by key.
    const asked = [keys[keys.length - 1]!, keys[0]!, keys[2]!];
    const aggregate = async (aggregateCasesBy: StoreTuning['aggregateCasesBy']) => {
      const { store } = await openSqliteLedger(h.file, { clock: fixedClock('2026-11-30T00:00:00Z'), log: nullLogger, tuning: { aggregateCasesBy } });
      try {
        return await store.transaction(async (tx) => tx.aggregateCases(asked));
      } finally {
        await store.close();
      }
    };
    const byScan = await aggregate('scan');
    expect(byScan.map((a) => a.key)).toEqual([...asked].sort());
    expect(byScan).toEqual(await aggregate('lookup'));
    expect(byScan.every((a) => a.totalFindings > 0 && a.title !== '')).toBe(true);
  });

  it.each(['lookup', 'scan', undefined] as const)('a vulnerability id with a lone surrogate (a JSON "\\ud800" escape) gets its case (%s)', async (aggregateCasesBy) => {
    // SQLite stores text as UTF-8, where a lone surrogate becomes U+FFFD: the key read back must be the key asked for.
    const odd = makeFinding({ kind: 'machine', assetKey: 'vm-1', vulnId: 'QID-\ud800' });
    const h = ledgerHarness(aggregateCasesBy ? { aggregateCasesBy } : {});
    await h.run([syntheticSource([odd, makeFinding({ kind: 'machine', assetKey: 'vm-2', vulnId: 'QID-\ud800' })])], '2026-11-16T06:00:00Z', { minSeverity: 'Low' });
    await h.run([syntheticSource([odd])], '2026-11-23T06:00:00Z', { minSeverity: 'Low' });
    expect(h.sql('select key, open_findings, total_findings from cases')).toEqual([{ key: 'machine:QID-\ufffd', open_findings: 1, total_findings: 2 }]);
    expect(h.sql('select count(*) as n from findings where case_key not in (select key from cases)')).toEqual([{ n: 0 }]);
  });

  describe('cases made up only of this run\'s inserts, counted from memory', () => {
    type Paths = Parameters<NonNullable<StoreTuning['onAggregated']>>[0];
    const observed = (): { tuning: StoreTuning; paths: Paths[] } => {
      const paths: Paths[] = [];
      return { tuning: { onAggregated: (p) => paths.push(p) }, paths };
    };
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T06:00:00Z`;
    const machine = (vm: string, cve: string, severity: 'Critical' | 'High' | 'Low' = 'High', cvss: number | null = 7.5) =>
      makeFinding({ kind: 'machine', assetKey: vm, vulnId: cve, severity, cvss });
    /** A source that reports `findings` in one batch, then fails: its savepoint rolls back. */
    const failingAfter = (findings: ReturnType<typeof machine>[]): FindingSource => ({
      name: 'fails',
      type: 'synthetic',
      kinds: ['machine'],
      async *collect() {
        yield { findings, skipped: [] };
        throw new Error('the export ended early');
      },
    });
    /** The same runs with the tally and with SQL look-ups only: the same ledger, and the paths the tally took. */
    const bothWays = async (runs: ReadonlyArray<readonly FindingSource[]>, batchSize?: number) => {
      const { tuning, paths } = observed();
      const withTally = ledgerHarness(tuning);
      const bySql = ledgerHarness({ aggregateCasesBy: 'lookup' });
      for (const [i, sources] of runs.entries()) {
        await withTally.run(sources, at(i + 2), { minSeverity: 'Low', ...(batchSize ? { batchSize } : {}) });
        await bySql.run(sources, at(i + 2), { minSeverity: 'Low', ...(batchSize ? { batchSize } : {}) });
      }
      return { tally: ledgerOf(withTally), sql: ledgerOf(bySql), paths, h: withTally };
    };

    it('the demo weeks give the same ledger as look-ups, the first import from memory', async () => {
      const { tuning, paths } = observed();
      const withTally = ledgerOf(await demoWeeks(tuning));
      expect(withTally).toEqual(ledgerOf(await demoWeeks({ aggregateCasesBy: 'lookup' })));
      // Week 0 is a first import: every case from memory. Weeks 1 and 2 add cases (from memory) and
      // change, resolve and reopen findings of existing ones (in SQL).
      expect(paths[0]).toMatchObject({ fromFindings: 0 });
      expect(paths[0]!.fromInserts).toBeGreaterThan(3);
      for (const p of paths.slice(1)) expect(p.fromInserts > 0 && p.fromFindings > 0).toBe(true);
    });

    it('a case that had findings before the run is counted in SQL, a new one from memory', async () => {
      const { tally, sql, paths, h } = await bothWays([
        [syntheticSource([machine('vm-1', 'CVE-2026-1001'), machine('vm-1', 'CVE-2026-1002', 'Critical', 9.8)])],
        // Only new findings: vm-2 joins both existing cases (one with a higher score), CVE-2026-1003 is new.
        [syntheticSource([machine('vm-1', 'CVE-2026-1001'), machine('vm-1', 'CVE-2026-1002', 'Critical', 9.8), machine('vm-2', 'CVE-2026-1001', 'High', 8.1), machine('vm-2', 'CVE-2026-1002', 'Low', null), machine('vm-2', 'CVE-2026-1003', 'Low', null), machine('vm-3', 'CVE-2026-1003', 'Critical', 9.1)])],
      ]);
      expect(tally).toEqual(sql);
      expect(paths[1]).toEqual({ fromInserts: 1, fromFindings: 2, scan: false });
      const cases = h.sql<{ key: string; total_findings: number; open_findings: number; cvss: number | null; severity: string }>('select key, total_findings, open_findings, cvss, severity from cases order by key');
      expect(cases).toEqual([
        { key: 'machine:CVE-2026-1001', total_findings: 2, open_findings: 2, cvss: 8.1, severity: 'High' },
        { key: 'machine:CVE-2026-1002', total_findings: 2, open_findings: 2, cvss: 9.8, severity: 'Critical' },
        { key: 'machine:CVE-2026-1003', total_findings: 2, open_findings: 2, cvss: 9.1, severity: 'Critical' },
      ]);
    });

    it.each([
      ['changes', [machine('vm-1', 'CVE-2026-1001', 'Critical', 9.8), machine('vm-1', 'CVE-2026-1002'), machine('vm-9', 'CVE-2026-1004')]],
      ['resolves', [machine('vm-1', 'CVE-2026-1001'), machine('vm-9', 'CVE-2026-1004')]],
    ])('a run that also %s a finding counts its case in SQL, a new case from memory', async (_, second) => {
      const { tally, sql, paths } = await bothWays([
        [syntheticSource([machine('vm-1', 'CVE-2026-1001'), machine('vm-1', 'CVE-2026-1002')])],
        [syntheticSource(second)],
      ]);
      expect(tally).toEqual(sql);
      expect(paths[1]).toEqual({ fromInserts: 1, fromFindings: 1, scan: false });
    });

    it('a case whose inserted finding is then updated, moved or resolved in the same transaction is counted in SQL', async () => {
      // Through the store's own API, in one transaction: the tally must not count what was rewritten.
      const [a1, b1, c1, d1] = ['4001', '4002', '4003', '4004'].map((n) => machine('vm-1', `CVE-2026-${n}`)) as [Finding, Finding, Finding, Finding];
      // a1 moves out of its case into another, b1 moves into d1's case, c1 resolves.
      const moved = { ...a1, caseKey: 'machine:MOVED', severity: 'Critical' as const, cvss: 9.9 };
      const into = { ...b1, caseKey: d1.caseKey, cvss: 8.8 };
      const lifecycle = { state: 'open' as const, firstSeen: at(2), lastSeen: at(2), resolvedAt: null, reopenedAt: null, contentHash: 'h2' };
      const aggregate = async (tuning: StoreTuning) => {
        const h = ledgerHarness(tuning);
        const { store } = await openSqliteLedger(h.file, { clock: fixedClock(at(2)), log: nullLogger, tuning });
        try {
          return await store.transaction(async (tx) => {
            await tx.insertNewFindings('s', at(2), [a1, b1, c1, d1].map((finding) => ({ finding, contentHash: 'h' })));
            await tx.updateFindings('s', [
              { finding: moved, lifecycle, previousCaseKey: a1.caseKey },
              { finding: into, lifecycle, previousCaseKey: b1.caseKey },
            ]);
            await tx.resolveFindings('s', [c1.fingerprint], at(2), null);
            return tx.aggregateCases([a1.caseKey, b1.caseKey, c1.caseKey, d1.caseKey, moved.caseKey]);
          });
        } finally {
          await store.close();
        }
      };
      const { tuning, paths } = observed();
      const got = await aggregate(tuning);
      expect(got).toEqual(await aggregate({ aggregateCasesBy: 'lookup' }));
      expect(paths).toEqual([{ fromInserts: 0, fromFindings: 5, scan: false }]);
      // a1's and b1's cases have no finding left: no figures (as in SQL).
      expect(got.map((c) => [c.key, c.openFindings, c.totalFindings, c.severity, c.cvss])).toEqual([
        ['machine:CVE-2026-4003', 0, 1, 'High', 7.5],
        ['machine:CVE-2026-4004', 2, 2, 'High', 8.8],
        ['machine:MOVED', 1, 1, 'Critical', 9.9],
      ]);
    });

    it('a new finding reported again later in the run, and so updated, is counted as it ends up', async () => {
      // One import, written a finding at a time: the second report of vm-1's finding is worse, and rewrites the row.
      const twice: FindingSource = {
        name: 'twice',
        type: 'synthetic',
        kinds: ['machine'],
        async *collect() {
          yield { findings: [machine('vm-1', 'CVE-2026-3001', 'High', 7.0)], skipped: [] };
          yield { findings: [machine('vm-1', 'CVE-2026-3001', 'Critical', 9.9)], skipped: [] };
          return { coverage: { complete: true }, notes: [] };
        },
      };
      const { tally, sql, paths, h } = await bothWays([[twice]], 1);
      expect(tally).toEqual(sql);
      expect(paths[0]).toMatchObject({ fromInserts: 0 });
      expect(h.sql('select severity, cvss, total_findings from cases')).toEqual([{ severity: 'Critical', cvss: 9.9, total_findings: 1 }]);
    });

    it('the inserts of a source that failed are not counted', async () => {
      // Both sources insert a finding of CVE-2026-2001; the first fails after its batch was written.
      const { tally, sql, paths, h } = await bothWays([
        [failingAfter([machine('vm-1', 'CVE-2026-2001', 'Critical', 9.0), machine('vm-2', 'CVE-2026-2002')]), syntheticSource([machine('vm-3', 'CVE-2026-2001', 'High', 7.0)])],
      ]);
      expect(tally).toEqual(sql);
      expect(paths[0]).toEqual({ fromInserts: 0, fromFindings: 1, scan: false });
      expect(h.sql('select key, total_findings, cvss from cases')).toEqual([{ key: 'machine:CVE-2026-2001', total_findings: 1, cvss: 7 }]);
    });
  });
});
