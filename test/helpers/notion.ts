/** Test harness for the Notion mirror: a fake Notion, an in-memory ledger of synthetic cases, the real mirror. */
import { syncMirror, type MirrorSyncOptions, type MirrorSyncReport } from '../../src/app/mirror.js';
import { seedLedger } from '../../src/bench/notion-seed.js';
import type { Mirror } from '../../src/core/mirror.js';
import type { LedgerStore } from '../../src/core/ports.js';
import { openSqliteLedger } from '../../src/store/sqlite.js';
import { memoryLogger } from '../../src/util/logger.js';
import { startFakeNotion, type FakeNotion, type FakeNotionOptions, type RecordedRequest } from '../fakes/notion/index.js';
import { NotionMirrorConfig } from '../../src/mirrors/notion/config.js';
import { createNotionMirror, notionSetup, type NotionDeps } from '../../src/mirrors/notion/index.js';

export const TOKEN = 'secret_notion_token_for_tests_0001';

/** A clock tests move by hand. */
export interface TestClock {
  now(): Date;
  set(iso: string): void;
  advance(ms: number): void;
}

export function testClock(start: string): TestClock {
  let at = new Date(start).getTime();
  return { now: () => new Date(at), set: (iso) => (at = new Date(iso).getTime()), advance: (ms) => (at += ms) };
}

export interface Harness {
  fake: FakeNotion;
  clock: TestClock;
  store: LedgerStore;
  ids: { databaseId: string; dataSourceId: string };
  config: NotionMirrorConfig;
  deps: NotionDeps;
  mirror: Mirror;
  log: ReturnType<typeof memoryLogger>;
  sync(options?: Partial<MirrorSyncOptions>): Promise<MirrorSyncReport>;
  /** Requests since the last `reset()`. */
  writes(): RecordedRequest[];
  reads(): RecordedRequest[];
  reset(): void;
  /** Pages in the data source, in creation order (trashed ones excluded). */
  pages(): Array<Record<string, unknown> & { id: string; properties: Record<string, Record<string, unknown>> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  cases?: number;
  fake?: Partial<FakeNotionOptions>;
  /** Extra config keys (propertyNames, minSeverity, …). */
  config?: Record<string, unknown>;
  /** Schema of the database before setup (default: only a `CVE ID` title). */
  schema?: Record<string, unknown>;
  /** Run `notion setup` first (default true). */
  setup?: boolean;
  start?: string;
}

const isWrite = (r: RecordedRequest): boolean => r.method !== 'GET' && !/\/query$/.test(r.path);

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = testClock(options.start ?? '2026-11-30T10:00:00.000Z');
  const fake = await startFakeNotion({ token: TOKEN, clock, ...options.fake });
  const ids = fake.createDatabase({ title: 'Vulns', properties: options.schema ?? { 'CVE ID': { title: {} } } });
  const log = memoryLogger('debug');
  const { store } = await openSqliteLedger(':memory:', { clock, log });
  if ((options.cases ?? 6) > 0) await seedLedger(store, options.cases ?? 6, { clock, log });
  const config = NotionMirrorConfig.parse({ type: 'notion', token: TOKEN, database: ids.databaseId, baseUrl: fake.url, requestsPerSecond: 50, ...options.config });
  const deps: NotionDeps = {
    log,
    clock,
    client: { sdkRetry: { maxRetries: 2, initialRetryDelayMs: 5, maxRetryDelayMs: 30 }, retries: 2, backoffMs: 5 },
    createBackoffMs: 5,
  };
  if (options.setup ?? true) await notionSetup(config, deps);
  fake.requests.length = 0;
  const mirror = createNotionMirror(config, deps);
  return {
    fake, clock, store, ids, config, deps, mirror, log,
    sync: (extra = {}) => syncMirror(store, mirror, { clock, log, minSeverity: 'High', ...extra }),
    writes: () => fake.requests.filter(isWrite),
    reads: () => fake.requests.filter((r) => !isWrite(r)),
    reset: () => {
      fake.requests.length = 0;
    },
    pages: () => fake.pages(ids.dataSourceId).filter((p) => p.in_trash !== true) as ReturnType<Harness['pages']>,
    async close() {
      await store.close();
      await fake.close();
    },
  };
}

/** Plain text of a title / rich_text / select / date page property (response shape). */
export function prop(page: { properties: Record<string, Record<string, unknown>> }, name: string): string {
  const p = page.properties[name];
  if (!p) return '<missing>';
  const v = p[p.type as string];
  if (Array.isArray(v)) return v.map((x: { plain_text?: string; name?: string }) => x.plain_text ?? x.name ?? '').join(p.type === 'multi_select' ? '|' : '');
  if (v && typeof v === 'object') return String((v as { name?: string; start?: string }).name ?? (v as { start?: string }).start ?? '');
  return v === null || v === undefined ? '' : String(v);
}

/** The page whose title is `key`. */
export function pageOf(h: Harness, key: string): ReturnType<Harness['pages']>[number] {
  const page = h.pages().find((p) => prop(p, Object.keys(p.properties).find((n) => p.properties[n]!.type === 'title')!) === key);
  if (!page) throw new Error(`no page for ${key}`);
  return page;
}
