/**
 * Notion mirror benchmark (issue 6 "Performance"): 500 cases synced to the fake Notion server
 * enforcing 3 requests per rolling second with 429 + Retry-After, with the production client
 * settings (limiter at 3 req/s, SDK retries honouring Retry-After).
 *   first sync — target: ≤ 500 + schema requests, ≥ 2.5 accepted requests/s sustained;
 *   rerun      — target: 0 writes, ≤ 5 reads.
 * The fake lives in test/fakes/notion (TypeScript, not part of the build): it is transpiled into
 * bench-data/ with the TypeScript compiler first. Options: --cases 500   Run: node dist/bench/notion.js
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syncMirror } from '../app/mirror.js';
import { systemClock } from '../core/clock.js';
import { NotionMirrorConfig } from '../mirrors/notion/config.js';
import { createNotionMirror, notionSetup } from '../mirrors/notion/index.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { nullLogger } from '../util/logger.js';
import { seedLedger } from './notion-seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dataDir = path.join(root, 'bench-data');

interface FakeModule {
  startFakeNotion(options: Record<string, unknown>): Promise<{
    url: string;
    close(): Promise<void>;
    createDatabase(input: { title: string; properties: Record<string, unknown> }): { databaseId: string; dataSourceId: string };
    pages(dataSourceId: string): unknown[];
    requests: Array<{ method: string; path: string; status: number }>;
    stats: { requests: number; rateLimited: number };
  }>;
}

/** Transpiles the fake server (test code) into bench-data/notion-fake and imports it. */
async function loadFake(): Promise<FakeModule> {
  const ts = (await import('typescript')).default;
  const src = path.join(root, 'test', 'fakes', 'notion');
  const out = path.join(dataDir, 'notion-fake');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const js = ts.transpileModule(readFileSync(path.join(src, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), js);
  }
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  return (await import(pathToFileURL(path.join(out, 'index.js')).href)) as FakeModule;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cases = Number(arg('--cases') ?? 500);
const TOKEN = 'secret_bench_token_0000000000';
const { startFakeNotion } = await loadFake();
const fake = await startFakeNotion({ token: TOKEN, rateLimit: { perSecond: 3 } });
const ids = fake.createDatabase({ title: 'Vulns', properties: { 'CVE ID': { title: {} } } });
mkdirSync(dataDir, { recursive: true });
const dbFile = path.join(dataDir, 'notion-bench.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
const { store } = await openSqliteLedger(dbFile, { clock: systemClock, log: nullLogger });
await seedLedger(store, cases, { clock: systemClock, log: nullLogger });
const config = NotionMirrorConfig.parse({ type: 'notion', token: TOKEN, database: ids.databaseId, baseUrl: fake.url });
const deps = { log: nullLogger, clock: systemClock };

const counted = (): { received: number; refused: number } => ({ received: fake.stats.requests, refused: fake.stats.rateLimited });
const setup = await notionSetup(config, deps);
const schemaCalls = setup.requests.reads + setup.requests.writes;
await new Promise((resolve) => setTimeout(resolve, 1100));

const mirror = createNotionMirror(config, deps);
const before = counted();
fake.requests.length = 0;
const started = performance.now();
const first = await syncMirror(store, mirror, { clock: systemClock, log: nullLogger, minSeverity: 'High' });
const seconds = (performance.now() - started) / 1000;
const after = counted();
const accepted = after.received - before.received - (after.refused - before.refused);
const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pages' && r.status === 200).length;
const otherCalls = accepted - creates;

fake.requests.length = 0;
const rerunStarted = performance.now();
const rerun = await syncMirror(store, mirror, { clock: systemClock, log: nullLogger, minSeverity: 'High' });
const rerunSeconds = (performance.now() - rerunStarted) / 1000;
const rerunWrites = fake.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/query')).length;
const rerunReads = fake.requests.length - rerunWrites;
const pages = fake.pages(ids.dataSourceId).length;
await store.close();
await fake.close();

const rate = accepted / seconds;
console.log(
  `notion: ${cases} cases → ${pages} pages. setup ${schemaCalls} requests. first sync ${accepted} accepted requests (${creates} page creates + ${otherCalls} other: database, schema, pull) ` +
    `in ${seconds.toFixed(1)} s = ${rate.toFixed(2)} req/s sustained; ${after.refused - before.refused} refused with 429 by the fake` +
    `${first.error ? `; ERROR ${first.error}` : ''}. rerun: ${rerunWrites} writes, ${rerunReads} reads in ${rerunSeconds.toFixed(1)} s${rerun.error ? `; ERROR ${rerun.error}` : ''}`,
);
const checks = [
  [`one page per case (${pages} = ${cases})`, pages === cases && first.error === null],
  [`first sync ≤ ${cases} + schema calls (${accepted} = ${creates} creates + ${otherCalls})`, creates === cases && otherCalls <= 5],
  [`≥ 2.5 requests/s sustained (${rate.toFixed(2)})`, rate >= 2.5],
  [`rerun: 0 writes (${rerunWrites}) and ≤ 5 reads (${rerunReads})`, rerunWrites === 0 && rerunReads <= 5 && rerun.error === null],
] as const;
for (const [name, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${name}`);
console.log(JSON.stringify({ cases, pages, setupRequests: schemaCalls, accepted, creates, otherCalls, seconds, rate, refused: after.refused - before.refused, rerunWrites, rerunReads, rerunSeconds }));
