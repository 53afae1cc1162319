/**
 * Multi-row INSERTs through Kysely without recompiling the same statement for every chunk: the
 * statement for (table, columns, row count) is compiled once by Kysely's query compiler (so each
 * dialect writes its own SQL and placeholders), then executed with each chunk's parameters.
 * Together with the statement cache of sqlite.ts this keeps a 100k-finding import close to the
 * cost of SQLite itself.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Row = object;

/** Compiled SQL per table, column list and row count. */
export class InsertCache {
  readonly #sql = new Map<string, string>();

  sqlFor(db: Kysely<Database>, table: keyof Database, columns: readonly string[], rows: readonly Row[]): string {
    const key = `${table}|${rows.length}|${columns.join(',')}`;
    let sql = this.#sql.get(key);
    if (sql === undefined) {
      const compiled = db
        .insertInto(table)
        .values(rows as never)
        .compile();
      sql = compiled.sql;
      if (compiled.parameters.length !== rows.length * columns.length) {
        throw new Error(`bulk insert into ${table}: expected ${rows.length * columns.length} parameters, Kysely compiled ${compiled.parameters.length}`);
      }
      this.#sql.set(key, sql);
    }
    return sql;
  }
}

/**
 * Inserts rows (all with the same keys, in the same order) in chunks of `chunkSize`. Values must
 * be primitives or null (JSON columns are strings already).
 */
export async function bulkInsert(
  db: Kysely<Database>,
  cache: InsertCache,
  table: keyof Database,
  rows: readonly Row[],
  chunkSize: number,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  for (let i = 0; i < rows.length; i += chunkSize) {
    const part = rows.slice(i, i + chunkSize);
    const sql = cache.sqlFor(db, table, columns, part);
    const parameters: unknown[] = new Array(part.length * columns.length);
    let p = 0;
    for (const row of part) {
      for (const column of columns) parameters[p++] = (row as Record<string, unknown>)[column] ?? null;
    }
    await db.executeQuery(CompiledQuery.raw(sql, parameters));
  }
}
