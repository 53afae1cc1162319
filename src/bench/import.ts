/**
 * One benchmark import: the real `run` use case with the real defender-file source into a SQLite
 * ledger. Prints time, CPU time, peak RSS and the source's counts as one JSON line (what it wrote
 * is read by the parent, outside this process: snapshot.ts).
 */
import { runLedger } from '../app/run.js';
import { systemClock } from '../core/clock.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { READER_USAGE_LOG } from '../sources/defender-file/index.js';
import { createSource } from '../sources/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { createHeapTrimmer } from '../util/heap.js';
import type { Logger } from '../core/ports.js';
import { nullLogger } from '../util/logger.js';

/** Keeps what the export reader thread reported about itself (its debug log entry); logs nothing. */
function readerUsageLogger(): Logger & { reader: { activeMs?: number; idleMs?: number } } {
  const logger = {
    ...nullLogger,
    reader: {},
    debug(message: string, data?: Record<string, unknown>) {
      if (message === READER_USAGE_LOG && data) logger.reader = data;
    },
    child: () => logger,
  };
  return logger;
}

const [dir, dbFile] = [process.argv[2]!, process.argv[3]!];
const started = performance.now();
const cpu0 = process.cpuUsage();
const loop0 = performance.eventLoopUtilization();
const log = readerUsageLogger();
const { store } = await openSqliteLedger(dbFile, { clock: systemClock, log });
const source = createSource({ type: 'defender-file', name: 'bench', path: dir } as never, { baseDir: process.cwd(), env: process.env });
const report = await runLedger(store, [source], { minSeverity: 'Low', sla: DEFAULT_SLA, clock: systemClock, log, afterBatch: createHeapTrimmer() });
await store.close();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
// How busy each thread's event loop was: the main thread (ledger writes) over the measured time,
// the reader thread (parse, map, hash) over its life.
const loop = performance.eventLoopUtilization(loop0);
const s = report.sources[0]!;
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, mainActiveMs: loop.active, mainIdleMs: loop.idle, readerActiveMs: log.reader.activeMs ?? null, readerIdleMs: log.reader.idleMs ?? null, maxRssMB: process.resourceUsage().maxRSS / 1024, status: report.run.status, rows: s.counts.rows, findings: s.counts.findings, new: s.counts.new, changed: s.counts.changed, unchanged: s.counts.unchanged })}\n`,
);
