import { describe, expect, it } from 'vitest';
import { ledgerHarness } from '../../test/helpers/ledger.js';
import { makeFinding } from '../core/test-helpers.js';
import { syntheticSource } from '../bench/notion-seed.js';

const onVm = (vm: string) => makeFinding({ kind: 'machine', assetKey: vm, vulnId: 'CVE-2026-1234', severity: 'High' });

describe('saving cases', () => {
  it('writes the triage row only when the triage changed, so its updated_at is the last triage change', async () => {
    const h = ledgerHarness();
    const triageRow = () => h.sql<{ status: string; updated_at: string }>('select status, updated_at from triage')[0]!;
    const caseRow = () => h.sql<{ total_findings: number; updated_at: string }>('select total_findings, updated_at from cases')[0]!;

    await h.run([syntheticSource([onVm('vm-1')])], '2026-11-02T06:00:00Z');
    expect(triageRow()).toEqual({ status: 'new', updated_at: '2026-11-02T06:00:00.000Z' });

    // A second machine: the case changes (two findings), its triage does not.
    await h.run([syntheticSource([onVm('vm-1'), onVm('vm-2')])], '2026-11-09T06:00:00Z');
    expect(caseRow()).toEqual({ total_findings: 2, updated_at: '2026-11-09T06:00:00.000Z' });
    expect(triageRow()).toEqual({ status: 'new', updated_at: '2026-11-02T06:00:00.000Z' });

    // Both fixed: the case resolves and its triage moves to fixed.
    await h.run([syntheticSource([])], '2026-11-16T06:00:00Z');
    expect(triageRow()).toEqual({ status: 'fixed', updated_at: '2026-11-16T06:00:00.000Z' });
  });
});
