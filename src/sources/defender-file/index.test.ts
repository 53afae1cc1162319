import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerHarness, type LedgerHarness } from '../../../test/helpers/ledger.js';
import { bundleWorker } from '../../../test/helpers/bundle-worker.js';
import { memoryLogger } from '../../util/logger.js';
import { DefenderFileConfig } from './config.js';
import { createDefenderFileSource, type DefenderFileOptions } from './index.js';

const DEMO = path.resolve(import.meta.dirname, '../../../demo/data');
const WEEKS = [
  ['week-0-grouped', '2026-07-27T06:00:00Z'],
  ['week-1', '2026-11-16T06:00:00Z'],
  ['week-2', '2026-11-23T06:00:00Z'],
] as const;

let workerUrl: URL;
beforeAll(async () => {
  workerUrl = await bundleWorker('src/sources/defender-file/worker.ts');
}, 60_000);

/** Which thread read the exports, from the source's `reading exports` debug line. */
function readerOf(log: ReturnType<typeof memoryLogger>): string | undefined {
  return log.lines.map((line) => /reading exports .*thread=(\w+)/.exec(line)?.[1]).find((t) => t !== undefined);
}

function source(pattern: string, options: DefenderFileOptions) {
  return createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: pattern }), '/', options);
}

/** Everything a run leaves in the ledger, with run ids (random suffix) blanked. */
function snapshot(h: LedgerHarness) {
  return JSON.parse(JSON.stringify(tables(h)).replace(/\d{8}T\d{6}Z-[0-9a-f]{4}/g, 'RUN')) as unknown;
}

function tables(h: LedgerHarness) {
  return {
    findings: h.sql('select f.*, t.title, t.description from findings f join finding_texts t on t.id = f.text_id order by f.source, f.fingerprint'),
    cases: h.sql('select * from cases order by key'),
    triage: h.sql('select * from triage order by case_key'),
    evidence: h.sql('select case_key, at, author, text, kind from evidence order by id'),
    history: h.sql('select case_key, at, actor, field, old_value, new_value from history order by id'),
    events: h.sql('select type, case_key, at, details_json from events order by id'),
    sources: h.sql('select rs.source, rs.status, rs.counts_json, rs.coverage_json, rs.models_json, rs.unrecognised_json from run_sources rs join runs r on r.id = rs.run_id order by r.started_at'),
  };
}

describe('source defender-file: the reader thread', () => {
  it('three demo weeks through the reader thread leave exactly the ledger the main-thread reader leaves', async () => {
    const threaded = ledgerHarness();
    const inThread = ledgerHarness();
    for (const [week, at] of WEEKS) {
      const pattern = path.join(DEMO, week, '*.json');
      const logA = memoryLogger();
      const logB = memoryLogger();
      const a = await threaded.run([source(pattern, { workerUrl, workerMinBytes: 0 })], at, { log: logA });
      const b = await inThread.run([source(pattern, { workerMinBytes: Number.MAX_SAFE_INTEGER })], at, { log: logB });
      expect(readerOf(logA)).toBe('reader');
      expect(readerOf(logB)).toBe('main');
      expect(a.exitCode).toBe(0);
      expect(a.sources[0]!.counts).toEqual(b.sources[0]!.counts);
    }
    const snap = tables(threaded);
    expect(snap.findings.length).toBeGreaterThan(10);
    expect(snap.events.length).toBeGreaterThan(5);
    expect(snapshot(threaded)).toEqual(snapshot(inThread));
  });

  it('a malformed file read on the thread fails the source, names the position and writes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-dfile-'));
    mkdirSync(path.join(dir, 'x'));
    copyFileSync(path.join(DEMO, 'week-1', 'machines.json'), path.join(dir, 'x', 'a.json'));
    writeFileSync(path.join(dir, 'x', 'b.json'), '[{"id": "a", "type": "microsoft.security/assessments"}, {"id"');
    const h = ledgerHarness();
    const report = await h.run([source(path.join(dir, 'x', '*.json'), { workerUrl, workerMinBytes: 0 })], WEEKS[1][1]);
    expect(report.exitCode).toBe(1);
    expect(report.sources[0]!.status).toBe('failed');
    expect(report.sources[0]!.error).toMatch(/b\.json: .* at byte \d+ \(line 1, column \d+\)/);
    expect(h.counts(['findings', 'finding_texts', 'cases', 'events'])).toEqual({ findings: 0, finding_texts: 0, cases: 0, events: 0 });
  });

  it('small exports stay on the main thread, and without a compiled worker entry every export does', async () => {
    const pattern = path.join(DEMO, 'week-1', '*.json');
    const small = memoryLogger();
    expect((await ledgerHarness().run([source(pattern, { workerUrl })], WEEKS[1][1], { log: small })).exitCode).toBe(0);
    expect(readerOf(small)).toBe('main');
    const missing = memoryLogger();
    const report = await ledgerHarness().run([source(pattern, { workerUrl: new URL('file:///nonexistent/worker.js'), workerMinBytes: 0 })], WEEKS[1][1], { log: missing });
    expect(readerOf(missing)).toBe('main');
    expect(report.exitCode).toBe(0);
    expect(report.sources[0]!.counts.findings).toBeGreaterThan(0);
  });
});
