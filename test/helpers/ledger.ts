/** A scratch SQLite ledger driven through the real run use case (for source and ledger tests). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runLedger, type RunOptions, type RunReport } from '../../src/app/run.js';
import { fixedClock } from '../../src/core/clock.js';
import type { FindingSource, LedgerStore } from '../../src/core/ports.js';
import { DEFAULT_SLA } from '../../src/core/sla.js';
import type { StoreTuning } from '../../src/store/ledger-store.js';
import { openSqliteLedger } from '../../src/store/sqlite.js';
import { nullLogger } from '../../src/util/logger.js';

export interface LedgerHarness {
  dir: string;
  file: string;
  /** One run of `sources` with the clock at `at`. */
  run(sources: readonly FindingSource[], at: string, options?: Partial<RunOptions>): Promise<RunReport>;
  /** Opens the store for reads (closed afterwards). */
  read<T>(fn: (store: LedgerStore) => Promise<T>): Promise<T>;
  /** A raw read-only SQL query. */
  sql<T>(query: string, ...params: unknown[]): T[];
  /** Row counts of the given tables. */
  counts(tables: readonly string[]): Record<string, number>;
}

/** `tuning` forces the store's internal choices (thresholds, query paths) for every run and read. */
export function ledgerHarness(tuning?: StoreTuning): LedgerHarness {
  const dir = mkdtempSync(path.join(tmpdir(), 'vl-ledger-'));
  const file = path.join(dir, 'ledger.db');
  const sql = <T>(query: string, ...params: unknown[]): T[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(query).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  return {
    dir,
    file,
    async run(sources, at, options = {}) {
      const { store } = await openSqliteLedger(file, { clock: fixedClock(at), log: nullLogger, ...(tuning ? { tuning } : {}) });
      try {
        return await runLedger(store, sources, { minSeverity: 'High', sla: DEFAULT_SLA, clock: fixedClock(at), log: nullLogger, ...options });
      } finally {
        await store.close();
      }
    },
    async read(fn) {
      const { store } = await openSqliteLedger(file, { clock: fixedClock('2026-01-01T00:00:00Z'), log: nullLogger, ...(tuning ? { tuning } : {}) });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
    sql,
    counts(tables) {
      return Object.fromEntries(tables.map((t) => [t, sql<{ n: number }>(`select count(*) n from ${t}`)[0]!.n]));
    },
  };
}
