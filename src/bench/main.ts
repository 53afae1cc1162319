/**
 * `npm run bench`: generates individual-model exports (100k and 300k findings, ~1.4 KB of JSON per
 * finding), then measures in separate processes (clean peak RSS each):
 *   floor   — a bare JSON.parse of the same files;
 *   import  — `run` into an empty SQLite ledger (target: ≤ 3× the floor's time, ≤ 400 MB peak RSS);
 *   rerun   — `run` again on the same files (target: writes only its run record, no slower);
 *   changed — `run` on the same export re-evaluated (every finding changed): time, peak RSS ≤ 400 MB.
 * Then the azure-resource-graph source on 100k rows in 1000-row pages over HTTP (see arg.ts).
 * Floor and import run three times each, alternately (`--runs N`); the medians are compared. The median import
 * also shows how busy each thread was (event-loop utilisation: the main thread writes the ledger,
 * the reader thread parses, maps and hashes).
 * Options: --sizes 100000,300000 ("" for none)   --runs 3   --keep (reuse generated files)   --arg-rows 100000   --no-arg   --no-notion
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandFiles } from '../util/glob.js';
import { benchResourceGraph } from './arg.js';
import { generateExport } from './generate.js';
import { median, runChild, runSeconds, seconds, type RunResult } from './runs.js';
import { snapshotTables, writtenTables } from './snapshot.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dataDir = path.join(root, 'bench-data');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = (arg('--sizes') ?? '100000,300000').split(',').filter(Boolean).map(Number);
const runs = Number(arg('--runs') ?? 3);

const keep = process.argv.includes('--keep');
console.log(`node ${process.version}, ${process.arch}; data in ${path.relative(process.cwd(), dataDir)}/`);
for (const size of sizes) {
  const dir = path.join(dataDir, `${size}`);
  if (!keep || !existsSync(dir)) {
    const g = await generateExport(dir, size, Number.MAX_SAFE_INTEGER);
    console.log(`generated ${g.findings} findings in ${g.rows} rows, ${(g.bytes / 1e6).toFixed(1)} MB (${Math.round(g.bytes / g.findings)} bytes/finding)`);
  }
  const bytes = expandFiles(dir, root).reduce((sum, f) => sum + statSync(f).size, 0);
  const db = path.join(dataDir, `ledger-${size}.db`);
  // Three runs each, medians compared: timings on a shared 2-core machine vary by ±30 % run to run.
  // Floor and import alternate, so that a drift in the machine's speed weighs on both alike.
  const floors: RunResult[] = [];
  const imports: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(await runChild('floor.js', [dir]));
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
    imports.push(await runChild('import.js', [dir, db]));
  }
  // What the rerun wrote is read here, before and after it, so it never counts in the rerun's figures.
  const before = snapshotTables(db);
  const second = await runChild('import.js', [dir, db]);
  const written = writtenTables(before, snapshotTables(db));
  // A week in which Defender re-evaluated every row (a new firstEvaluationDate): every finding
  // reads as changed and is rewritten, in one transaction. Its own export, same findings otherwise.
  const reevaluatedDir = path.join(dataDir, `${size}-reevaluated`);
  if (!keep || !existsSync(reevaluatedDir)) await generateExport(reevaluatedDir, size, Number.MAX_SAFE_INTEGER, { evaluatedAt: '2026-11-08T00:00:00.0000000Z' });
  const beforeChanged = snapshotTables(db);
  const changed = await runChild('import.js', [reevaluatedDir, db]);
  const changedWrote = writtenTables(beforeChanged, snapshotTables(db));
  const floor = median(floors);
  const first = median(imports);
  const ratio = (first.ms as number) / (floor.ms as number);
  const perSecond = Math.round((first.findings as number) / ((first.ms as number) / 1000));
  const line = [
    `${size.toLocaleString('en-US')} findings (${(bytes / 1e6).toFixed(0)} MB):`,
    `floor JSON.parse ${(floor.ms as number / 1000).toFixed(2)} s (runs ${runSeconds(floors)}; cpu ${(floor.cpuMs as number / 1000).toFixed(2)} s of which system ${(floor.systemMs as number / 1000).toFixed(2)} s), ${(floor.maxRssMB as number).toFixed(0)} MB`,
    `| import ${(first.ms as number / 1000).toFixed(2)} s (runs ${runSeconds(imports)}; cpu ${(first.cpuMs as number / 1000).toFixed(2)} s of which system ${(first.systemMs as number / 1000).toFixed(2)} s; ${ratio.toFixed(2)}× floor, ${perSecond.toLocaleString('en-US')} findings/s), peak RSS ${Math.max(...imports.map((r) => r.maxRssMB as number)).toFixed(0)} MB`,
    `| busy in the median import: main thread ${seconds(first.mainActiveMs)} s (idle ${seconds(first.mainIdleMs)} s), reader thread ${seconds(first.readerActiveMs)} s (idle ${seconds(first.readerIdleMs)} s)`,
    `| rerun ${(second.ms as number / 1000).toFixed(2)} s, peak RSS ${(second.maxRssMB as number).toFixed(0)} MB, wrote ${JSON.stringify(written)}`,
    `| every finding changed: ${(changed.ms as number / 1000).toFixed(2)} s, peak RSS ${(changed.maxRssMB as number).toFixed(0)} MB, ${(changed.changed as number).toLocaleString('en-US')} changed, wrote ${JSON.stringify(changedWrote)}`,
  ].join(' ');
  console.log(line);
  const checks = [
    [`import ≤ 3× floor`, ratio <= 3],
    [`import peak RSS ≤ 400 MB (every run)`, imports.every((r) => (r.maxRssMB as number) <= 400)],
    // Every table is compared by content, so an update counts as a write too.
    [`rerun writes only its run record`, JSON.stringify(written) === JSON.stringify({ run_sources: 1, runs: 1 })],
    [`rerun no slower than import`, (second.ms as number) <= (first.ms as number)],
    [`every finding changed: all rewritten, peak RSS ≤ 400 MB`, changed.changed === first.findings && (changed.maxRssMB as number) <= 400],
  ] as const;
  for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${name}`);
}
if (!process.argv.includes('--no-arg')) await benchResourceGraph({ dataDir, rows: Number(arg('--arg-rows') ?? 100_000), keep, runs });
// Notion mirror: 500 cases against a fake enforcing 3 req/s (about 3 minutes; see notion.ts). `--no-notion` skips it.
if (!process.argv.includes('--no-notion')) execFileSync(process.execPath, [path.join(here, 'notion.js')], { stdio: 'inherit' });
