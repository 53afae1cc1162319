import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, type Migration } from 'kysely';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../util/logger.js';
import type { Database } from './database.js';
import { migrateToLatest, MigrationError } from './migrate.js';
import { LedgerSqliteDialect } from './sqlite-dialect.js';

const tables = (file: string): string[] => {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare("select name from sqlite_master where type = 'table' and name glob 't_*' order by name").all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('migrateToLatest', () => {
  it('a migration that fails half-way leaves the database as it was (pending steps run in one transaction), and a later run applies them', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-migrate-')), 'ledger.db');
    const open = () => new Kysely<Database>({ dialect: new LedgerSqliteDialect({ database: new BetterSqlite3(file) }) });
    const first: Migration = { up: async (db) => void (await sql`create table t_first (x integer)`.execute(db)) };
    let failing = true;
    const second: Migration = {
      up: async (db) => {
        await sql`create table t_second (x integer)`.execute(db);
        await sql`insert into t_second values (1)`.execute(db);
        if (failing) throw new Error('disk full');
      },
    };

    const db = open();
    await expect(migrateToLatest(db, nullLogger, { '0001-first': first, '0002-second': second })).rejects.toThrow(MigrationError);
    await db.destroy();
    expect(tables(file)).toEqual([]);

    failing = false;
    const again = open();
    const steps = await migrateToLatest(again, nullLogger, { '0001-first': first, '0002-second': second });
    await again.destroy();
    expect(steps.map((s) => s.status)).toEqual(['Success', 'Success']);
    expect(tables(file)).toEqual(['t_first', 't_second']);
  });
});
