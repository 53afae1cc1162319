import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { nullLogger } from '../util/logger.js';
import { openSqliteLedger } from './sqlite.js';

const AT = '2026-11-30T06:00:00Z';

function pragmas(file: string): { pageSize: number; journal: string } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return { pageSize: db.pragma('page_size', { simple: true }) as number, journal: db.pragma('journal_mode', { simple: true }) as string };
  } finally {
    db.close();
  }
}

async function runOnce(file: string): Promise<string[]> {
  const { store } = await openSqliteLedger(file, { clock: fixedClock(AT), log: nullLogger });
  try {
    await store.startRun({ id: 'r1', startedAt: AT, finishedAt: null, status: 'running', error: null });
    await store.transaction((tx) => tx.finishRun({ id: 'r1', startedAt: AT, finishedAt: AT, status: 'ok', error: null }));
    return (await store.lastRuns(5)).map((r) => `${r.id}:${r.status}`);
  } finally {
    await store.close();
  }
}

describe('openSqliteLedger', () => {
  it('makes a new ledger with 16 KB pages in WAL mode', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-sqlite-')), 'new.db');
    expect(await runOnce(file)).toEqual(['r1:ok']);
    expect(pragmas(file)).toEqual({ pageSize: 16384, journal: 'wal' });
  });

  it('opens an existing ledger with the page size it was made with, and works on it', async () => {
    for (const journal of ['wal', 'delete']) {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-sqlite-')), `old-${journal}.db`);
      const old = new BetterSqlite3(file);
      old.pragma('page_size = 8192');
      old.pragma(`journal_mode = ${journal}`);
      old.exec('create table earlier (x integer)');
      old.close();
      // Switching a rollback-journal file to WAL must not apply the pending 16 KB either.
      expect(await runOnce(file)).toEqual(['r1:ok']);
      expect(pragmas(file)).toEqual({ pageSize: 8192, journal: 'wal' });
    }
  });

  it('keeps temporary data (savepoint sub-journals) in files, not in memory', async () => {
    // With temp_store = MEMORY a run that rewrote every finding held the original of every page of
    // the findings table in memory (+80 MB peak RSS at 100k findings; see the README's bench).
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-sqlite-')), 'temp.db');
    const { db, store } = await openSqliteLedger(file, { clock: fixedClock(AT), log: nullLogger });
    try {
      const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(db);
      expect(rows[0]?.temp_store).toBe(1); // FILE, whatever the build's default
    } finally {
      await store.close();
    }
  });

  it("counts and walks a source's open findings through the (source, state) index", async () => {
    const { db, store } = await openSqliteLedger(':memory:', { clock: fixedClock(AT), log: nullLogger });
    try {
      const plan = async (query: ReturnType<typeof sql>): Promise<string> =>
        (await sql<{ detail: string }>`explain query plan ${query}`.execute(db)).rows.map((r) => r.detail).join('; ');
      expect(await plan(sql`select count(*) from findings where source = ${'a'} and state = ${'open'}`)).toContain('COVERING INDEX findings_source_state');
      expect(await plan(sql`select fingerprint, kind from findings where source = ${'a'} and state = ${'open'}`)).toContain('findings_source_state');
      // Look-ups by fingerprint still take the primary key.
      expect(await plan(sql`select state from findings where source = ${'a'} and fingerprint in (${'x'}, ${'y'})`)).toContain('sqlite_autoindex_findings_1');
    } finally {
      await store.close();
    }
  });
});
