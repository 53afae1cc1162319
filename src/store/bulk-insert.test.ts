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
