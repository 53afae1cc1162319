import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEMO_DATA, workspace } from '../helpers/cli.js';

const WEEK1 = '2026-11-16T06:00:00Z';
const LATER = '2026-11-23T06:00:00Z';

function openFindings(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare("select count(*) n from findings where state = 'open'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function week1() {
  const ws = workspace();
  ws.useWeek('week-1');
  const r = await ws.run(['--now', WEEK1, 'run']);
  expect(r.code, r.stderr).toBe(0);
  return ws;
}

describe('bad input: a clear error or a counted skip, nothing lost', () => {
  it('a truncated export fails the source with file and position, and resolves nothing', async () => {
    const ws = await week1();
    const db = path.join(ws.dir, 'ledger.db');
    const open = openFindings(db);
    const content = readFileSync(path.join(DEMO_DATA, 'week-2', 'machines.json'), 'utf8');
    ws.useWeek('week-2');
    ws.writeExport('machines.json', content.slice(0, Math.floor(content.length / 2)));
    const r = await ws.run(['--now', LATER, 'run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/machines\.json: the file ends before the JSON document is complete \(truncated\?\) at byte \d+ \(line \d+, column \d+\)/);
    expect(r.stdout).toContain('were NOT resolved');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(openFindings(db)).toBe(open); // not one finding resolved, not one new finding written
  });

  it('a glob that matches nothing fails the source instead of resolving everything', async () => {
    const ws = await week1();
    ws.writeConfig('database: ./ledger.db\nsources:\n  - type: defender-file\n    name: defender-export\n    path: ./exports/does-not-exist-*.json\n');
    const before = openFindings(path.join(ws.dir, 'ledger.db'));
    const r = await ws.run(['--now', LATER, 'run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no export files match "./exports/does-not-exist-*.json"');
    expect(openFindings(path.join(ws.dir, 'ledger.db'))).toBe(before);
  });

  it('one failed source of two is a partial run (exit 2); the other source still applies', async () => {
    const ws = workspace(
      'database: ./ledger.db\nsources:\n  - type: defender-file\n    name: good\n    path: ./exports/*.json\n  - type: defender-file\n    name: broken\n    path: ./broken.json\n',
    );
    ws.useWeek('week-1');
    writeFileSync(path.join(ws.dir, 'broken.json'), '{"data": [ {"id": 1}, {"id": ');
    const r = await ws.run(['--now', WEEK1, 'run']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/good {2}ok {2}rows 11 /);
    expect(r.stdout).toMatch(/broken {2}FAILED/);
    expect(openFindings(path.join(ws.dir, 'ledger.db'))).toBeGreaterThan(0);
  });

  it('hostile rows are counted, not fatal: nulls, duplicates, garbage, 10 MB text, emoji, control characters, unknown severity', async () => {
    const ws = workspace();
    const week = JSON.parse(readFileSync(path.join(DEMO_DATA, 'week-1', 'machines.json'), 'utf8'));
    const row = week.data[0];
    const huge = structuredClone(row);
    huge.id = huge.id.replace('vm-web-01', 'vm-huge-01');
    huge.properties.resourceDetails.Id = huge.properties.resourceDetails.Id.replace('vm-web-01', 'vm-huge-01');
    huge.properties.resourceDetails.ResourceName = 'vm-😀-\u0007-東京';
    huge.properties.metadata.severity = 'Apocalyptic';
    huge.properties.metadata.description = 'x'.repeat(10 * 1024 * 1024);
    const rows = [row, row, null, 42, 'text', {}, { id: '/weird', type: 'microsoft.security/assessments', properties: null }, huge];
    ws.writeExport('hostile.json', JSON.stringify(rows));
    const r = await ws.run(['--now', WEEK1, 'run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rows 8/);
    expect(r.stdout).toMatch(/unrecognised|invalid/);
    const cases = JSON.parse((await ws.run(['cases', '--json'])).stdout);
    expect(cases.map((c: { key: string }) => c.key).sort()).toEqual(['machine:CVE-2026-1234', 'machine:CVE-2026-1235']);
    const show = JSON.parse((await ws.run(['show', 'machine:CVE-2026-1234', '--json'])).stdout);
    // The duplicate row merged into one finding. The huge row's CVEs have an Unknown inline severity
    // and an unknown recommendation severity ("Apocalyptic"), so they are Unknown: below the threshold, counted, not recorded.
    expect(show.findings).toHaveLength(1);
    expect(r.stdout).toMatch(/skipped 7 \(unrecognised 4, invalid 1, below-threshold 2\)/);
  });

  it('config errors name file, key and line, and write nothing', async () => {
    const ws = workspace('database: ./ledger.db\nminSeverty: High\nsources:\n  - type: defender-file\n    path: ${MISSING_DIR}/x.json\n');
    const r = await ws.run(['run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('vulnledger.yaml:5 sources[0].path: environment variable MISSING_DIR is not set');
    const r2 = await ws.run(['run'], { MISSING_DIR: '/tmp' });
    expect(r2.stderr).toContain('vulnledger.yaml:2 minSeverty: unknown key "minSeverty". Did you mean "minSeverity"?');
    expect(existsSync(path.join(ws.dir, 'ledger.db'))).toBe(false);
  });

  it('triage refuses invalid input with every reason, and changes nothing', async () => {
    const ws = await week1();
    const r = await ws.run(['triage', 'machine:CVE-2026-1234', '--status', 'risk_accepted', '--due', '2026-13-01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'triage refused: dueDate must be a date written YYYY-MM-DD, got "2026-13-01"; status risk_accepted needs an acceptance expiry (--accept-until YYYY-MM-DD)\n',
    );
    const unknown = await ws.run(['show', 'CVE-1999-0001']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no case "CVE-1999-0001" in the ledger');
    const history = await ws.run(['history', 'machine:CVE-2026-1234']);
    expect(history.stdout).not.toContain('triage.');
  });

  it('a bare vulnerability id finds its case when unambiguous', async () => {
    const ws = await week1();
    const r = await ws.run(['show', 'cve-2026-1234']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^machine:CVE-2026-1234/);
  });
});

describe('migrations', () => {
  it('reports each applied migration step once, on the first open', async () => {
    const w = workspace();
    w.useWeek('week-1');
    const first = await w.run(['--now', '2026-11-16T06:00:00Z', 'run']);
    expect(first.stderr).toMatch(/applied migration 0001-ledger/);
    const second = await w.run(['cases']);
    expect(second.stderr).not.toMatch(/applied migration/);
  });
});

describe('a damaged database', () => {
  it('doctor runs the integrity check and says what to do', async () => {
    const ws = await week1();
    const file = path.join(ws.dir, 'ledger.db');
    const ok = await ws.run(['doctor']);
    expect(ok.stdout).toMatch(/database.*integrity check ok/);
    // Scribble over the findings table's root page (all but its type byte), in the file (WAL checkpointed first).
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const root = (db.prepare("select rootpage from sqlite_master where name = 'findings'").get() as { rootpage: number }).rootpage;
    db.close();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    const page = root - 1;
    bytes.fill(0x5a, page * pageSize + 1, (page + 1) * pageSize);
    writeFileSync(file, bytes);
    const damaged = await ws.run(['doctor']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/FAIL\s+database: .*(integrity check found \d+ problem|database disk image is malformed)/);
    expect(damaged.stdout).toMatch(/fix: The file is damaged: restore it from a backup/);
  });
});

describe('digest wording', () => {
  it('a run that only resolves cases does not claim "no changes"', async () => {
    const w = workspace();
    w.useWeek('week-1');
    expect((await w.run(['--now', '2026-11-16T06:00:00Z', 'run'])).code).toBe(0);
    rmSync(path.join(w.exportsDir, 'sql.json'));
    const r = await w.run(['--now', '2026-11-16T07:00:00Z', 'run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Resolved +0 +1 +0 +0 +0 +1$/m);
    expect(r.stdout).not.toContain('No changes since the last run.');
    expect(r.stdout).toContain('No new or reopened cases.');
  });

  it('a first run in which every source failed says nothing was recorded, not "no changes since the last run"', async () => {
    const w = workspace();
    const r = await w.run(['--now', '2026-11-16T06:00:00Z', 'run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Nothing was recorded: every source failed (see above), and the ledger is as it was.');
    expect(r.stdout).not.toContain('No changes since the last run.');
  });
});
