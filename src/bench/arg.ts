/**
 * The Resource Graph part of `npm run bench` (issue 3, "Performance"): 100k individual-model rows
 * in 1000-row pages served over HTTP by the benchmark's Resource Graph, collected end to end by the
 * `azure-resource-graph` source into an empty ledger, against a `defender-file` import of the very
 * same rows. Targets: ≤ 1.5× the file import's time, ≤ 400 MB peak RSS. Each import runs in its
 * own process (clean peak RSS); the server runs in this one.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BENCH_TOKEN, startBenchResourceGraph, type BenchRows } from './arg-server.js';
import { generateExport } from './generate.js';
import { median, runChild, runSeconds, type RunResult } from './runs.js';

const ROWS_PER_PAGE = 1000;

/** Generates (unless kept) exactly `rows` rows in files of 1000, so the file import and the server see the same rows. */
async function ensureRows(dir: string, rows: number, keep: boolean): Promise<string[]> {
  const files = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f)) : []);
  const wanted = Math.ceil(rows / ROWS_PER_PAGE);
  if (!keep || files().length !== wanted) {
    // 1–3 CVEs per row (2 on average): ask for enough findings to fill `rows` full files, then drop the rest.
    await generateExport(dir, Math.ceil(rows * 2.4), ROWS_PER_PAGE);
    const all = files();
    if (all.length <= wanted) throw new Error(`generated only ${all.length} files of ${ROWS_PER_PAGE} rows; need ${wanted}`);
    for (const extra of all.slice(wanted)) rmSync(extra);
  }
  return files();
}

function loadRows(files: readonly string[]): { rows: BenchRows; count: number; subscription: string } {
  const rows: BenchRows = { images: [], machines: [], subscriptions: [] };
  let count = 0;
  let subscription = '';
  for (const file of files) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { data: Array<{ subscriptionId: string; properties: { resourceDetails: { ResourceType: string } } }> };
    for (const row of doc.data) {
      count++;
      subscription ||= row.subscriptionId;
      (row.properties.resourceDetails.ResourceType === '.containerimage' ? rows.images : rows.machines).push(JSON.stringify(row));
    }
  }
  rows.images.sort();
  rows.machines.sort();
  rows.subscriptions.push(JSON.stringify({ id: `/subscriptions/${subscription}`, name: 'bench', type: 'microsoft.resources/subscriptions', subscriptionId: subscription }));
  return { rows, count, subscription };
}

function seconds(ms: unknown): string {
  return typeof ms === 'number' ? `${(ms / 1000).toFixed(2)} s` : '?';
}

/** Runs the benchmark and prints its figures and PASS/FAIL lines. */
export async function benchResourceGraph(options: { dataDir: string; rows: number; keep: boolean; runs: number }): Promise<void> {
  const dir = path.join(options.dataDir, `arg-${options.rows}`);
  const files = await ensureRows(dir, options.rows, options.keep);
  const { rows, count, subscription } = loadRows(files);
  const server = await startBenchResourceGraph(rows);
  try {
    const fileDb = path.join(options.dataDir, `ledger-arg-file-${options.rows}.db`);
    const argDb = path.join(options.dataDir, `ledger-arg-${options.rows}.db`);
    // Alternating runs, medians compared (timings on a shared 2-core machine vary run to run).
    const fileRuns: RunResult[] = [];
    const argRuns: RunResult[] = [];
    for (let i = 0; i < options.runs; i++) {
      for (const db of [fileDb, argDb]) for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
      fileRuns.push(await runChild('import.js', [dir, fileDb]));
      argRuns.push(await runChild('arg-import.js', [server.url, argDb, subscription], { AZURE_ACCESS_TOKEN: BENCH_TOKEN }));
    }
    const file = median(fileRuns);
    const arg = median(argRuns);
    const maxRss = Math.max(...argRuns.map((r) => r.maxRssMB as number));
    const fileMaxRss = Math.max(...fileRuns.map((r) => r.maxRssMB as number));
    const ratio = (arg.ms as number) / (file.ms as number);
    console.log(
      [
        `Resource Graph: ${count.toLocaleString("en-US")} rows in ${server.dataPages / options.runs} pages (+ ${(server.requests - server.dataPages) / options.runs} other requests: subscriptions, cvedetails) a run:`,
        `defender-file import ${((file.ms as number) / 1000).toFixed(2)} s (runs ${runSeconds(fileRuns)}; cpu ${seconds(file.cpuMs)}), ${file.findings as number} findings, peak RSS ${fileMaxRss.toFixed(0)} MB (highest of the runs)`,
        `| azure-resource-graph ${((arg.ms as number) / 1000).toFixed(2)} s (runs ${runSeconds(argRuns)}; cpu ${seconds(arg.cpuMs)}, not counting the server; ${ratio.toFixed(2)}× the file import), ${arg.findings as number} findings, peak RSS ${maxRss.toFixed(0)} MB (highest of the runs), ${String(arg.status)}`,
      ].join(' '),
    );
    if (arg.status !== 'ok') console.log(`  source said: ${String(arg.error)} ${JSON.stringify(arg.notes)}`);
    const checks = [
      ['Resource Graph source read everything (status ok)', argRuns.every((r) => r.status === 'ok' && r.rows === count)],
      ['Resource Graph ≤ 1.5× the defender-file import of the same rows', ratio <= 1.5],
      ['Resource Graph peak RSS ≤ 400 MB (every run)', maxRss <= 400],
    ] as const;
    for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${name}`);
  } finally {
    await server.close();
  }
}
