import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerHarness } from '../../test/helpers/ledger.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';

const DEMO = path.resolve(import.meta.dirname, '../../demo/data');
const defender = (pattern: string) => createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: pattern }), '/');

describe('runLedger: a first import', () => {
  it('merges a finding reported again in a later batch (no look-ups are made for a source with no findings, except these)', async () => {
    const doc = JSON.parse(readFileSync(path.join(DEMO, 'week-1', 'machines.json'), 'utf8')) as { data: Array<{ properties: { additionalData: Record<string, string> } }> };
    const again = structuredClone(doc.data[0]!);
    again.properties.additionalData.DetectedSoftwareVersions = '["138.0.7204.999"]';
    // Two files, so the repeat comes in a later source batch, after the first report was written.
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-run-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ data: doc.data }));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ data: [again] }));

    const h = ledgerHarness();
    const report = await h.run([defender(path.join(dir, '*.json'))], '2026-11-16T06:00:00Z', { batchSize: 1 });
    expect(report.exitCode).toBe(0);
    const unique = h.sql<{ n: number }>('select count(*) n from findings')[0]!.n;
    const reported = report.sources[0]!.counts;
    expect(reported.new).toBe(unique);
    expect(reported.findings).toBe(unique); // a repeat is merged, not counted twice
    const versions = h.sql<{ installed_versions_json: string }>("select installed_versions_json from findings where software = 'chrome'");
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions) expect(JSON.parse(v.installed_versions_json)).toEqual(['138.0.7204.184', '138.0.7204.999']);
  });
});
