/** The embedded default: SQLite through better-sqlite3 and Kysely's SQLite dialect (sqlite-dialect.ts), in WAL mode. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { LedgerStore, Logger } from '../core/ports.js';
import { messageOf } from '../util/errors.js';
import type { StatementRunner } from './bulk-insert.js';
import type { Database } from './database.js';
import { createLedgerStore, type StoreTuning } from './ledger-store.js';
import { migrateToLatest, type MigrationStep } from './migrate.js';
import { LedgerSqliteDialect } from './sqlite-dialect.js';

/**
 * better-sqlite3 prepares a statement for every query Kysely runs; multi-row INSERTs of a run
 * repeat the same SQL hundreds of times. This wrapper keeps the most recent statements by SQL text.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, size = 64): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
      return (sql: string) => {
        const hit = cache.get(sql);
        if (hit) {
          cache.delete(sql);
          cache.set(sql, hit);
          return hit;
        }
        const stmt = prepare(sql);
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
        return stmt;
      };
    },
  });
}

/** A store that could not be opened: names the file and what to do. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

export interface OpenedLedger {
  store: LedgerStore;
  db: Kysely<Database>;
  migrations: MigrationStep[];
}

/**
 * Opens (creating if needed) the SQLite ledger at `file`, applies pending migrations (each step
 * reported through `log`), and returns the store. `:memory:` is accepted for tests.
 */
export async function openSqliteLedger(file: string, options: { clock: Clock; log: Logger; tuning?: StoreTuning }): Promise<OpenedLedger> {
  let sqlite: BetterSqlite3.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    sqlite = new BetterSqlite3(file);
    // A new ledger gets 16 KB pages (finding rows are ~1 KB: with 4 KB pages a raw insert and commit
    // of 100k finding rows took ~20 % longer). An existing ledger keeps the page size it was made with.
    sqlite.pragma('page_size = 16384');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    // A run is one transaction touching many pages: a 32 MB page cache keeps index inserts in
    // memory (64 MB measured no faster on 100k and 300k findings, and 40 MB more peak RSS).
    sqlite.pragma('cache_size = -32768');
    // Temporary data in files: each source runs in a savepoint, and a savepoint keeps the original
    // of every page it changes in a sub-journal. In memory that was the whole findings table when a
    // run rewrote every finding (+80 MB peak RSS at 100k, growing with the ledger). SQLite keeps
    // sub-journals under 64 KB in memory anyway; larger ones go to SQLITE_TMPDIR or TMPDIR (/tmp).
    sqlite.pragma('temp_store = FILE');
    // Not a database at all fails above ("file is not a database"); a full integrity check reads
    // every page (0.1–0.2 s on a 110 MB ledger with the file in the OS cache, 1.4 s the first time),
    // so it is `vulnledger doctor`'s job, not every open's.
  } catch (error) {
    const reason = messageOf(error);
    throw new StoreOpenError(
      `Could not open the ledger database ${file}: ${reason}. Check the "database" path in your config, that the folder is writable, and that the file is a vulnledger SQLite database.`,
    );
  }
  const cached = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new LedgerSqliteDialect({ database: cached }) });
  const migrations = await migrateToLatest(db, options.log);
  // Bulk inserts: one prepared statement run per row on Kysely's own connection (same transaction).
  const runner: StatementRunner = {
    runMany(sql, parameterLists) {
      const statement = cached.prepare(sql);
      for (const parameters of parameterLists) statement.run(parameters as unknown[]);
    },
  };
  const store = createLedgerStore(
    db,
    options.clock,
    async () => {
      await db.destroy();
    },
    runner,
    options.tuning,
  );
  return { store, db, migrations };
}
