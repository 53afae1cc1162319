/**
 * What a benchmark run wrote: every table's row count and a digest of its rows, read before and
 * after the run by the parent process (so reading them never counts in the run's time or peak RSS).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export type TableSnapshot = Record<string, { rows: number; digest: string }>;

/** Every table of the ledger file (none when the file does not exist yet). */
export function snapshotTables(dbFile: string): TableSnapshot {
  if (!existsSync(dbFile)) return {};
  const db = new Database(dbFile, { readonly: true });
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

/** Rows gained by each table whose contents changed at all (a table whose rows were only updated shows +0). */
export function writtenTables(before: TableSnapshot, after: TableSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([t, now]) => now.digest !== before[t]?.digest)
      .map(([t, now]) => [t, now.rows - (before[t]?.rows ?? 0)]),
  );
}
