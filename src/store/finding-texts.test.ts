import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ledgerHarness } from '../../test/helpers/ledger.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';
import { runLedger } from '../app/run.js';
import { fixedClock } from '../core/clock.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { syntheticSource } from '../bench/notion-seed.js';
import { nullLogger } from '../util/logger.js';
import type { Finding } from '../core/finding.js';
import { makeFinding } from '../core/test-helpers.js';
import { findingTextId } from './finding-texts.js';
import { openSqliteLedger } from './sqlite.js';

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

  it('texts that differ in any one field are stored apart within a run, equal ones once', async () => {
    // One vulnerability, the same title: the store looks texts up by vulnerability and tells these
    // apart only by comparing every field.
    const base = { title: 'OpenSSL flaw', description: 'abc', remediation: 'upgrade', impact: '', references: ['https://a'], publishedAt: '2026-01-01' };
    const variants: Array<Partial<Finding>> = [{}, { impact: 'x' }, { references: ['https://b'] }, { references: [] }, { publishedAt: null }, { description: 'abd' }, { remediation: 'upgrada' }, {}];
    const findings = variants.map((v, i) => makeFinding({ ...base, ...v, assetKey: `vm-${i}`, vulnId: 'CVE-2026-0001' }));
    const h = ledgerHarness();
    await h.run([syntheticSource(findings)], '2026-11-16T06:00:00Z', { minSeverity: 'Low' });
    expect(h.counts(['findings', 'finding_texts'])).toEqual({ findings: 8, finding_texts: 7 });
    const stored = await h.read(async (store) => Promise.all(findings.map(async (f) => (await store.findingsOfCase(f.caseKey)).find((s) => s.fingerprint === f.fingerprint)!)));
    for (const [i, f] of findings.entries()) {
      expect({ i, impact: stored[i]!.impact, references: stored[i]!.references, publishedAt: stored[i]!.publishedAt, description: stored[i]!.description, remediation: stored[i]!.remediation }).toEqual({
        i, impact: f.impact, references: f.references, publishedAt: f.publishedAt, description: f.description, remediation: f.remediation,
      });
    }
  });

  it('a vulnerability with more texts than the store remembers still gets each finding its own text', async () => {
    // 40 assets, 20 texts of one CVE (each twice): past the store's 16 remembered texts a vulnerability's
    // texts are hashed again each time; the table still holds each text once.
    const findings = Array.from({ length: 40 }, (_, i) => makeFinding({ kind: 'machine', assetKey: `vm-${i}`, vulnId: 'CVE-2026-0002', description: `on vm group ${i % 20}` }));
    const h = ledgerHarness();
    await h.run([syntheticSource(findings)], '2026-11-16T06:00:00Z', { minSeverity: 'Low' });
    expect(h.counts(['findings', 'finding_texts'])).toEqual({ findings: 40, finding_texts: 20 });
    const stored = await h.read((store) => store.findingsOfCase(findings[0]!.caseKey));
    expect(new Map(stored.map((f) => [f.fingerprint, f.description]))).toEqual(new Map(findings.map((f) => [f.fingerprint, f.description])));
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

  it('past the comparison limit, a run plans the clean-up pass instead: the reworded text is deleted all the same', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-texts-'));
    const file = path.join(dir, 'machines.json');
    const original = readFileSync(path.join(DEMO, 'week-1', 'machines.json'), 'utf8');
    writeFileSync(file, original);
    const db = path.join(dir, 'ledger.db');
    const run = async (at: string) => {
      // No finding's old text is compared one by one: only the clean-up pass can find the unused text.
      const { store } = await openSqliteLedger(db, { clock: fixedClock(at), log: nullLogger, tuning: { compareTextsUpTo: 0 } });
      try {
        return await runLedger(store, [defender('defender-export', file)], { minSeverity: 'High', sla: DEFAULT_SLA, clock: fixedClock(at), log: nullLogger });
      } finally {
        await store.close();
      }
    };
    const texts = () => {
      const sqlite = new BetterSqlite3(db, { readonly: true });
      try {
        return sqlite.prepare('select id, description from finding_texts order by id').all() as Array<{ id: string; description: string }>;
      } finally {
        sqlite.close();
      }
    };
    await run('2026-11-16T06:00:00Z');
    const before = texts();
    const reworded = before.find((t) => t.description.includes('Use after free in Google Chrome V8'))!;
    expect(reworded).toBeDefined();
    writeFileSync(file, original.replace('Use after free in Google Chrome V8', 'Use-after-free in V8 (Google Chrome)'));
    expect((await run('2026-11-23T06:00:00Z')).sources[0]!.counts.changed).toBeGreaterThan(0);
    const after = texts().map((t) => t.id);
    expect(after).not.toContain(reworded.id);
    expect(after).toHaveLength(before.length);
  });
});
