/**
 * Bulk INSERTs through Kysely without recompiling the same statement for every chunk: the
 * statement for (table, columns, row count) is compiled once by Kysely's query compiler (so each
 * dialect writes its own SQL and placeholders), then executed with each chunk's parameters.
 *
 * How a compiled statement is executed many times is a dialect role (`StatementRunner`): SQLite
 * runs one prepared single-row statement in a loop, which costs about half of multi-row VALUES
 * there; without a runner, rows go in multi-row statements of `chunkSize` through Kysely.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { chunks } from './chunks.js';
import type { Database } from './database.js';

type Row = object;

/**
 * Executes one compiled statement once per parameter list, on the connection (and so inside the
 * transaction) Kysely is using. Provided by the dialect wiring (sqlite.ts).
 */
export interface StatementRunner {
  runMany(sql: string, parameterLists: readonly (readonly unknown[])[]): void;
}

/** Compiled SQL per table, column list and row count (inserts) or per table, set and key columns (updates). */
export class InsertCache {
  readonly #sql = new Map<string, string>();

  /** `UPDATE table SET c1 = ?, … WHERE k1 = ? AND …`: parameters are the set values, then the key values. */
  updateSqlFor(db: Kysely<Database>, table: keyof Database, setColumns: readonly string[], keyColumns: readonly string[]): string {
    const key = `update|${table}|${setColumns.join(',')}|${keyColumns.join(',')}`;
    let sql = this.#sql.get(key);
    if (sql === undefined) {
      // A placeholder value per column: Kysely binds each one as a parameter, in this order.
      let update = db.updateTable(table).set(Object.fromEntries(setColumns.map((c) => [c, 'set'])) as never);
      for (const k of keyColumns) update = update.where(k as never, '=', 'key' as never);
      const compiled = update.compile();
      if (compiled.parameters.length !== setColumns.length + keyColumns.length || compiled.parameters.some((p, i) => p !== (i < setColumns.length ? 'set' : 'key'))) {
        throw new Error(`bulk update of ${table}: Kysely compiled parameters in an unexpected order`);
      }
      sql = compiled.sql;
      this.#sql.set(key, sql);
    }
    return sql;
  }

  sqlFor(db: Kysely<Database>, table: keyof Database, columns: readonly string[], rowCount: number, ignoreConflictOn?: string): string {
    const key = `${table}|${rowCount}|${columns.join(',')}|${ignoreConflictOn ?? ''}`;
    let sql = this.#sql.get(key);
    if (sql === undefined) {
      const row = Object.fromEntries(columns.map((c) => [c, null]));
      const insert = db.insertInto(table).values(Array.from({ length: rowCount }, () => row) as never);
      const compiled = (ignoreConflictOn === undefined ? insert : insert.onConflict((oc) => oc.column(ignoreConflictOn as never).doNothing())).compile();
      sql = compiled.sql;
      if (compiled.parameters.length !== rowCount * columns.length) {
        throw new Error(`bulk insert into ${table}: expected ${rowCount * columns.length} parameters, Kysely compiled ${compiled.parameters.length}`);
      }
      this.#sql.set(key, sql);
    }
    return sql;
  }
}

/** Where bulk inserts go: the Kysely handle (transaction), its compiled-SQL cache and the dialect's runner, if any. */
export interface BulkTarget {
  db: Kysely<Database>;
  cache: InsertCache;
  runner?: StatementRunner | undefined;
}

/**
 * Inserts parameter lists (each in `columns` order; values primitives or null, JSON columns
 * already strings): through the runner when the dialect has one, else in multi-row chunks.
 * `ignoreConflictOn` skips rows whose value in that unique column is already stored.
 */
export async function insertTuples(
  target: BulkTarget,
  table: keyof Database,
  columns: readonly string[],
  tuples: readonly (readonly unknown[])[],
  chunkSize: number,
  options: { ignoreConflictOn?: string } = {},
): Promise<void> {
  if (tuples.length === 0) return;
  if (target.runner) {
    target.runner.runMany(target.cache.sqlFor(target.db, table, columns, 1, options.ignoreConflictOn), tuples);
    return;
  }
  for (const part of chunks(tuples, chunkSize)) {
    const sql = target.cache.sqlFor(target.db, table, columns, part.length, options.ignoreConflictOn);
    await target.db.executeQuery(CompiledQuery.raw(sql, part.flat()));
  }
}

/**
 * Updates rows by key: each tuple is the `setColumns` values followed by the `keyColumns` values.
 * One compiled statement, run once per tuple (through the runner when the dialect has one).
 */
export async function updateTuples(
  target: BulkTarget,
  table: keyof Database,
  setColumns: readonly string[],
  keyColumns: readonly string[],
  tuples: readonly (readonly unknown[])[],
): Promise<void> {
  if (tuples.length === 0) return;
  const sql = target.cache.updateSqlFor(target.db, table, setColumns, keyColumns);
  if (target.runner) {
    target.runner.runMany(sql, tuples);
    return;
  }
  for (const tuple of tuples) await target.db.executeQuery(CompiledQuery.raw(sql, [...tuple]));
}

/** Inserts rows (all with the same keys, in the same order); see `insertTuples`. */
export async function bulkInsert(target: BulkTarget, table: keyof Database, rows: readonly Row[], chunkSize: number): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const tuples = rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column] ?? null));
  await insertTuples(target, table, columns, tuples, chunkSize);
}
