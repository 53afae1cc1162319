/**
 * One benchmark run of the `azure-resource-graph` source: the real `run` use case, the real source,
 * client and credential code (`auth: access-token`) against the benchmark's Resource Graph, into
 * an empty SQLite ledger. Prints time, peak RSS and counts as one JSON line.
 */
import { runLedger } from '../app/run.js';
import { systemClock } from '../core/clock.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { AzureResourceGraphConfig } from '../sources/azure-resource-graph/config.js';
import { createSource } from '../sources/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { nullLogger } from '../util/logger.js';
import { createHeapTrimmer } from '../util/heap.js';

const [endpoint, dbFile, subscription] = [process.argv[2]!, process.argv[3]!, process.argv[4]!];
const started = performance.now();
const cpu0 = process.cpuUsage();
const { store } = await openSqliteLedger(dbFile, { clock: systemClock, log: nullLogger });
const config = AzureResourceGraphConfig.parse({ type: 'azure-resource-graph', name: 'bench-arg', endpoint, auth: 'access-token', scope: { subscriptions: [subscription] } });
const source = createSource(config, { baseDir: process.cwd(), env: process.env });
const report = await runLedger(store, [source], { minSeverity: 'Low', sla: DEFAULT_SLA, clock: systemClock, log: nullLogger, afterBatch: createHeapTrimmer() });
await store.close();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
const s = report.sources[0]!;
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, status: s.status, error: s.error, notes: s.notes, rows: s.counts.rows, findings: s.counts.findings, new: s.counts.new })}\n`,
);
