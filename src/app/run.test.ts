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
  it('merges a finding reported in two batches of a first import; the same exports again write nothing', async () => {
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

    // The same exports again: the merged finding is unchanged, whatever batch each report falls in.
    const before = contents(h);
    const rerun = await h.run([defender(path.join(dir, '*.json'))], '2026-11-16T07:00:00Z', { batchSize: 1 });
    expect(rerun.exitCode).toBe(0);
    const { new: added, changed, reopened, resolved, unchanged } = rerun.sources[0]!.counts;
    expect({ added, changed, reopened, resolved, unchanged }).toEqual({ added: 0, changed: 0, reopened: 0, resolved: 0, unchanged: unique });
    expect(rerun.events).toEqual([]);
    const after = contents(h);
    const differing = Object.keys(after).filter((t) => after[t] !== before[t]);
    expect(differing).toEqual(['run_sources', 'runs']);
  });

  it('a report that really changed is written once the source ends, and counted as changed once', async () => {
    const doc = JSON.parse(readFileSync(path.join(DEMO, 'week-1', 'machines.json'), 'utf8')) as { data: Array<{ properties: { additionalData: Record<string, string> } }> };
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-run-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ data: doc.data }));
    const h = ledgerHarness();
    await h.run([defender(path.join(dir, '*.json'))], '2026-11-16T06:00:00Z', { batchSize: 1 });
    // Next week the first row's package is at a newer (still vulnerable) version.
    const bumped = structuredClone(doc.data);
    bumped[0]!.properties.additionalData.DetectedSoftwareVersions = '["138.0.7204.999"]';
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ data: bumped }));
    const report = await h.run([defender(path.join(dir, '*.json'))], '2026-11-23T06:00:00Z', { batchSize: 1 });
    const counts = report.sources[0]!.counts;
    const chrome = h.sql<{ installed_versions_json: string; last_seen: string }>("select installed_versions_json, last_seen from findings where software = 'chrome'");
    expect(counts.changed).toBe(chrome.length);
    expect(counts.unchanged + counts.changed).toBe(counts.findings);
    for (const row of chrome) expect([JSON.parse(row.installed_versions_json), row.last_seen]).toEqual([['138.0.7204.999'], '2026-11-23T06:00:00.000Z']);
  });
});

/** Every table's rows, as one string per table (to see whether a run wrote anything). */
function contents(h: ReturnType<typeof ledgerHarness>): Record<string, string> {
  const tables = h.sql<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, JSON.stringify(h.sql(`select * from "${t}"`).map((r) => JSON.stringify(r)).sort())]));
}
