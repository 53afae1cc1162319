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

  it('a report that really changed is written, and counted as changed once', async () => {
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

describe('runLedger: a finding reported more than once in a rerun', () => {
  type Doc = { data: Array<{ properties: { additionalData: Record<string, string> } }> };
  const week1 = (): Doc => JSON.parse(readFileSync(path.join(DEMO, 'week-1', 'machines.json'), 'utf8')) as Doc;
  /** The first (Chrome) row again, at another installed version: a second report of the same findings. */
  const chromeAt = (version: string): Doc['data'][number] => {
    const row = structuredClone(week1().data[0]!);
    row.properties.additionalData.DetectedSoftwareVersions = JSON.stringify([version]);
    return row;
  };
  const chrome = (h: ReturnType<typeof ledgerHarness>) =>
    h.sql<{ installed_versions_json: string; last_seen: string }>("select installed_versions_json, last_seen from findings where software = 'chrome'");

  async function setup(files: Record<string, unknown[]>) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-run-'));
    const write = (all: Record<string, unknown[]>) => {
      for (const [name, data] of Object.entries(all)) writeFileSync(path.join(dir, name), JSON.stringify({ data }));
    };
    write(files);
    const h = ledgerHarness();
    const run = (at: string, options: { maxHeldChanges?: number } = {}) => h.run([defender(path.join(dir, '*.json'))], at, { batchSize: 1, ...options });
    return { h, write, run };
  }

  it('a changed first report merges with its later report before it is written: written once, counted once', async () => {
    const { h, write, run } = await setup({ 'a.json': week1().data });
    await run('2026-11-16T06:00:00Z');
    const n = chrome(h).length;
    // Next week Chrome is at two versions: one in each file.
    write({ 'a.json': [chromeAt('138.0.7204.999'), ...week1().data.slice(1)], 'b.json': [chromeAt('139.0.1')] });
    const report = await run('2026-11-23T06:00:00Z');
    const counts = report.sources[0]!.counts;
    expect(counts.changed).toBe(n);
    expect(counts.unchanged + counts.changed).toBe(counts.findings);
    // The held first report took the second one in: both versions are stored.
    for (const row of chrome(h)) expect(JSON.parse(row.installed_versions_json)).toEqual(['138.0.7204.999', '139.0.1']);
  });

  it('a first report that matches the ledger, then a second that changes the finding: counted changed, not unchanged', async () => {
    const { h, write, run } = await setup({ 'a.json': week1().data });
    await run('2026-11-16T06:00:00Z');
    const n = chrome(h).length;
    write({ 'a.json': week1().data, 'b.json': [chromeAt('139.0.1')] });
    const counts = (await run('2026-11-23T06:00:00Z')).sources[0]!.counts;
    expect(counts.changed).toBe(n);
    expect(counts.unchanged).toBe(counts.findings - n);
    for (const row of chrome(h)) expect([JSON.parse(row.installed_versions_json), row.last_seen]).toEqual([['138.0.7204.184', '139.0.1'], '2026-11-23T06:00:00.000Z']);
  });

  it('beyond the held limit the ledger still ends right, and the run says so in a note', async () => {
    const { h, run } = await setup({ 'a.json': week1().data, 'b.json': [chromeAt('138.0.7204.999')] });
    await run('2026-11-16T06:00:00Z');
    const merged = chrome(h).map((r) => r.installed_versions_json);
    // An unchanged rerun with no room to hold: each repeated finding is written on its first report
    // (which alone differs from the merge), then merged back by its second.
    const report = await run('2026-11-23T06:00:00Z', { maxHeldChanges: 0 });
    expect(chrome(h).map((r) => r.installed_versions_json)).toEqual(merged);
    const source = report.sources[0]!;
    expect(source.counts.changed).toBe(merged.length);
    expect(source.notes).toContainEqual(expect.stringMatching(new RegExp(`^${merged.length} changed finding\\(s\\) beyond the first 0 were written before all their reports were in`)));
    // With room to hold them, the same rerun writes nothing.
    const again = await run('2026-11-30T06:00:00Z');
    expect(again.sources[0]!.counts.changed).toBe(0);
    expect(again.sources[0]!.notes.some((n) => n.includes('beyond the first'))).toBe(false);
  });
});

/** Every table's rows, as one string per table (to see whether a run wrote anything). */
function contents(h: ReturnType<typeof ledgerHarness>): Record<string, string> {
  const tables = h.sql<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, JSON.stringify(h.sql(`select * from "${t}"`).map((r) => JSON.stringify(r)).sort())]));
}
