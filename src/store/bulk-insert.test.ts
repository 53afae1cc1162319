import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runLedger } from '../app/run.js';
import { fixedClock } from '../core/clock.js';
import type { LedgerStore } from '../core/ports.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { createDefenderFileSource } from '../sources/defender-file/index.js';
import { nullLogger } from '../util/logger.js';
import type { Database } from './database.js';
import { InsertCache, insertTuples, updateTuples } from './bulk-insert.js';
import { createLedgerStore } from './ledger-store.js';
import { migrateToLatest } from './migrate.js';
import { openSqliteLedger } from './sqlite.js';

const DEMO = path.resolve(import.meta.dirname, '../../demo/data');
const WEEKS = [
  ['week-0-grouped', '2026-07-27T06:00:00Z'],
  ['week-1', '2026-11-16T06:00:00Z'],
  ['week-2', '2026-11-23T06:00:00Z'],
] as const;

/** A store without a StatementRunner: every bulk insert goes through Kysely's multi-row statements (what another dialect gets). */
async function openWithoutRunner(file: string, at: string): Promise<LedgerStore> {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  await migrateToLatest(db, nullLogger);
  return createLedgerStore(db, fixedClock(at), () => db.destroy());
}

function dump(file: string): string {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const tables = ['findings', 'finding_texts', 'cases', 'triage', 'evidence', 'history', 'events'];
    const out = Object.fromEntries(tables.map((t) => [t, db.prepare(`select * from ${t} order by 1, 2`).all()]));
    return JSON.stringify(out).replace(/\d{8}T\d{6}Z-[0-9a-f]{4}/g, 'RUN');
  } finally {
    db.close();
  }
}

describe('bulk inserts', () => {
  it('with and without the SQLite statement runner, three demo weeks leave the same ledger', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vl-bulk-'));
    const withRunner = path.join(dir, 'runner.db');
    const without = path.join(dir, 'plain.db');
    for (const [week, at] of WEEKS) {
      const source = () => createDefenderFileSource(DefenderFileConfig.parse({ type: 'defender-file', name: 'defender', path: path.join(DEMO, week, '*.json') }), '/');
      const options = { minSeverity: 'High' as const, sla: DEFAULT_SLA, clock: fixedClock(at), log: nullLogger, batchSize: 7 };
      const a = (await openSqliteLedger(withRunner, { clock: fixedClock(at), log: nullLogger })).store;
      await runLedger(a, [source()], options);
      await a.close();
      const b = await openWithoutRunner(without, at);
      await runLedger(b, [source()], options);
      await b.close();
    }
    const expected = dump(withRunner);
    expect(expected.length).toBeGreaterThan(10_000);
    expect(dump(without)).toBe(expected);
  });
});

describe('bulk updates', () => {
  async function twoRuns(withRunner: boolean): Promise<Array<Record<string, unknown>>> {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-update-')), 'l.db');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    await migrateToLatest(db, nullLogger);
    const raw = new BetterSqlite3(file);
    const runner = withRunner ? { runMany: (sql: string, lists: readonly (readonly unknown[])[]) => lists.forEach((p) => raw.prepare(sql).run(...p)) } : undefined;
    const target = { db, cache: new InsertCache(), runner };
    await insertTuples(target, 'source_state', ['source', 'key', 'value', 'updated_at'], [['a', 'k1', 'v1', 't0'], ['a', 'k2', 'v2', 't0'], ['b', 'k1', 'v3', 't0']], 10);
    // Set columns first, then the key columns, in the order given.
    await updateTuples(target, 'source_state', ['value', 'updated_at'], ['source', 'key'], [['new-a1', 't1', 'a', 'k1'], ['new-b1', 't2', 'b', 'k1'], ['none', 't3', 'c', 'k1']]);
    const rows = await db.selectFrom('source_state').select(['source', 'key', 'value', 'updated_at']).orderBy('source').orderBy('key').execute();
    raw.close();
    await db.destroy();
    return rows;
  }

  it('updates exactly the rows whose keys match, with and without the statement runner', async () => {
    const expected = [
      { source: 'a', key: 'k1', value: 'new-a1', updated_at: 't1' },
      { source: 'a', key: 'k2', value: 'v2', updated_at: 't0' },
      { source: 'b', key: 'k1', value: 'new-b1', updated_at: 't2' },
    ];
    expect(await twoRuns(true)).toEqual(expected);
    expect(await twoRuns(false)).toEqual(expected);
  });
});
