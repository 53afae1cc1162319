import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerHarness } from '../../test/helpers/ledger.js';
import { generateExport } from '../bench/generate.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';
import { findingTextId } from './finding-texts.js';

const DEMO = path.resolve(import.meta.dirname, '../../demo/data');

const defender = (name: string, pattern: string) => createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name, path: pattern }), '/');

describe('finding texts', () => {
  it('equal texts share an id; any field changes it', () => {
    const text = { title: 'T', description: 'D', impact: '', remediation: 'R', referencesJson: '[]', publishedAt: null };
    expect(findingTextId({ ...text })).toBe(findingTextId(text));
    // Stored rows are keyed by it: the formula must never change (pinned from the released one).
    expect(findingTextId(text)).toBe('513249489d13b842c35203dae7041fb7');
    for (const change of [{ title: 'T2' }, { description: 'D ' }, { impact: 'I' }, { remediation: '' }, { referencesJson: '["x"]' }, { publishedAt: '' }]) {
      expect(findingTextId({ ...text, ...change })).not.toBe(findingTextId(text));
    }
  });

  it('a source that fails after writing takes its texts with it, and a later source of the same run writes them again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-texts-'));
    mkdirSync(path.join(dir, 'failing'));
    copyFileSync(path.join(DEMO, 'week-1', 'machines.json'), path.join(dir, 'failing', 'a.json'));
    writeFileSync(path.join(dir, 'failing', 'b.json'), '[{"id": "x"');
    const h = ledgerHarness();
    // Batches of one finding: the failing source has written rows (and texts) before its second file breaks.
    const report = await h.run(
      [defender('first', path.join(dir, 'failing', '*.json')), defender('second', path.join(DEMO, 'week-1', 'machines.json'))],
      '2026-11-16T06:00:00Z',
      { batchSize: 1 },
    );
    expect(report.sources.map((s) => s.status)).toEqual(['failed', 'ok']);
    const orphans = h.sql<{ n: number }>('select count(*) n from findings f left join finding_texts t on t.id = f.text_id where t.id is null')[0]!.n;
    expect(orphans).toBe(0);
    const written = h.counts(['findings']).findings;
    expect(written).toBe(report.sources[1]!.counts.findings);
    const key = h.sql<{ case_key: string }>('select case_key from findings limit 1')[0]!.case_key;
    const findings = await h.read((store) => store.findingsOfCase(key));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.source === 'second' && f.title !== '')).toBe(true);
  });

  it('a text no finding uses any more (Defender reworded it) is deleted; the others are kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-texts-'));
    const file = path.join(dir, 'machines.json');
    const original = readFileSync(path.join(DEMO, 'week-1', 'machines.json'), 'utf8');
    writeFileSync(file, original);
    const h = ledgerHarness();
    const source = defender('defender-export', file);
    await h.run([source], '2026-11-16T06:00:00Z');
    const textsOf = () => h.sql<{ id: string; description: string }>('select id, description from finding_texts order by id');
    const before = textsOf();
    const reworded = before.find((t) => t.description.includes('Use after free in Google Chrome V8'))!;
    expect(reworded).toBeDefined();
    writeFileSync(file, original.replace('Use after free in Google Chrome V8', 'Use-after-free in V8 (Google Chrome)'));
    const second = await h.run([source], '2026-11-23T06:00:00Z');
    expect(second.sources[0]!.counts.changed).toBeGreaterThan(0);
    const after = textsOf();
    expect(after.map((t) => t.id)).not.toContain(reworded.id);
    expect(after).toHaveLength(before.length);
    // Every text is used by a finding, and every finding has its text.
    expect(h.sql<{ n: number }>('select count(*) n from finding_texts where id not in (select text_id from findings)')[0]!.n).toBe(0);
    expect(h.sql<{ n: number }>('select count(*) n from findings where text_id not in (select id from finding_texts)')[0]!.n).toBe(0);
    // An unchanged rerun deletes nothing.
    await h.run([source], '2026-11-30T06:00:00Z');
    expect(textsOf()).toEqual(after);
  });

  it('when a run rewrites thousands of findings, texts no finding uses are still deleted (one clean-up pass instead of comparing each)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-texts-'));
    await generateExport(path.join(dir, 'week-1'), 3000, 10_000);
    // Re-evaluated: every finding changed (more than the run compares one by one).
    await generateExport(path.join(dir, 'week-2'), 3000, 10_000, 42, '2026-11-08T00:00:00.0000000Z');
    const h = ledgerHarness();
    await h.run([defender('bench', path.join(dir, 'week-1', '*.json'))], '2026-11-16T06:00:00Z');
    const before = h.sql<{ id: string; description: string }>('select id, description from finding_texts order by id');
    const reworded = before[0]!;
    const file = path.join(dir, 'week-2', 'export-001.json');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(reworded.description, `${reworded.description} (reworded)`));
    const second = await h.run([defender('bench', path.join(dir, 'week-2', '*.json'))], '2026-11-23T06:00:00Z');
    expect(second.sources[0]!.counts.changed).toBeGreaterThan(2000);
    const after = h.sql<{ id: string }>('select id from finding_texts order by id').map((t) => t.id);
    expect(after).not.toContain(reworded.id);
    expect(after).toHaveLength(before.length);
    expect(h.sql<{ n: number }>('select count(*) n from finding_texts where id not in (select text_id from findings)')[0]!.n).toBe(0);
  });
});
