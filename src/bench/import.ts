/**
 * One benchmark import: the real `run` use case with the real defender-file source into a SQLite
 * ledger. Prints time, peak RSS, how many rows each table gained and which tables changed at all.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { runLedger } from '../app/run.js';
import { systemClock } from '../core/clock.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { createSource } from '../sources/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { createHeapTrimmer } from '../util/heap.js';
import { nullLogger } from '../util/logger.js';

const [dir, dbFile] = [process.argv[2]!, process.argv[3]!];
/** Every table's row count and a digest of its rows: what a run wrote, inserts and updates alike (read outside the timing). */
function snapshot(): Record<string, { rows: number; digest: string }> {
  const db = new Database(dbFile);
  try {
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>).map((t) => t.name);
    return Object.fromEntries(
      tables.map((t) => {
        const hash = createHash('sha1');
        let rows = 0;
        for (const row of db.prepare(`select * from "${t}" order by rowid`).iterate()) {
          hash.update(JSON.stringify(row));
          rows++;
        }
        return [t, { rows, digest: hash.digest('hex') }];
      }),
    );
  } finally {
    db.close();
  }
}

const before = snapshot();
const started = performance.now();
const cpu0 = process.cpuUsage();
const { store } = await openSqliteLedger(dbFile, { clock: systemClock, log: nullLogger });
const source = createSource({ type: 'defender-file', name: 'bench', path: dir } as never, { baseDir: process.cwd(), env: process.env });
const report = await runLedger(store, [source], { minSeverity: 'Low', sla: DEFAULT_SLA, clock: systemClock, log: nullLogger, afterBatch: createHeapTrimmer() });
await store.close();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const after = snapshot();
// Rows gained by tables that changed at all (a table whose rows were only updated shows +0).
const written = Object.fromEntries(
  Object.entries(after)
    .filter(([t, now]) => now.digest !== before[t]?.digest)
    .map(([t, now]) => [t, now.rows - (before[t]?.rows ?? 0)]),
);
const s = report.sources[0]!;
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, status: report.run.status, rows: s.counts.rows, findings: s.counts.findings, new: s.counts.new, unchanged: s.counts.unchanged, written })}\n`,
);
