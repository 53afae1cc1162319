import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerHarness, type LedgerHarness } from '../../test/helpers/ledger.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';
import { fixedClock } from '../core/clock.js';
import { makeFinding } from '../core/test-helpers.js';
import { syntheticSource } from '../bench/notion-seed.js';
import { nullLogger } from '../util/logger.js';
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
});
