import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workspace } from '../helpers/cli.js';

const WEEK0 = '2026-07-27T06:00:00Z';
const WEEK1 = '2026-11-16T06:00:00Z';
const WEEK2 = '2026-11-23T06:00:00Z';

function tableCounts(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const out: Record<string, number> = {};
    for (const t of ['findings', 'cases', 'triage', 'evidence', 'history', 'events', 'runs', 'run_sources', 'outbox']) {
      out[t] = (db.prepare(`select count(*) n from ${t}`).get() as { n: number }).n;
    }
    return out;
  } finally {
    db.close();
  }
}

async function demoLedger() {
  const ws = workspace();
  for (const [week, at] of [['week-0-grouped', WEEK0], ['week-1', WEEK1], ['week-2', WEEK2]] as const) {
    ws.useWeek(week);
    const r = await ws.run(['--now', at, 'run']);
    expect(r.code, r.stderr).toBe(0);
  }
  return ws;
}

describe('the ledger end to end (demo dataset)', () => {
  it('week 2 counts: 2 new, 1 reopened, 3 resolved, the rebuilt image is not new', async () => {
    const ws = workspace();
    ws.useWeek('week-0-grouped');
    expect((await ws.run(['--now', WEEK0, 'run'])).code).toBe(0);
    ws.useWeek('week-1');
    expect((await ws.run(['--now', WEEK1, 'run'])).code).toBe(0);
    ws.useWeek('week-2');
    const week2 = await ws.run(['--now', WEEK2, 'run']);
    expect(week2.code).toBe(0);
    expect(week2.stdout).toMatch(/new 2 {2}changed 2 {2}reopened 1 {2}resolved 3/);
    expect(week2.stdout).toMatch(/^New +0 +2 +0 +0 +0 +2$/m);
    expect(week2.stdout).toMatch(/^Reopened +1 +0 +0 +0 +0 +1$/m);
    expect(week2.stdout).toMatch(/^Resolved +1 +2 +0 +0 +0 +3$/m);
    expect(week2.stdout).toContain('CVE-2024-45490');
    expect(week2.stdout).toContain('machine:CVE-2026-2001');
    expect(week2.stdout).toContain('sql:sql-prod-01:VA2108');

    const show = await ws.run(['show', 'CVE-2024-6119', '--json']);
    const detail = JSON.parse(show.stdout);
    const image = detail.findings.find((f: { kind: string }) => f.kind === 'registryImage');
    expect(image.digests).toHaveLength(1);
    expect(image.firstSeen).toBe('2026-07-27T06:00:00.000Z'); // same finding since July, across models and a rebuild
    expect(detail.record.state).toBe('open');

    const reopened = JSON.parse((await ws.run(['show', 'CVE-2024-45490', '--json'])).stdout);
    expect(reopened.record.state).toBe('reopened');
    expect(reopened.record.triage.status).toBe('triaging');
    const fixed = JSON.parse((await ws.run(['show', 'CVE-2024-5535', '--json'])).stdout);
    expect(fixed.record.state).toBe('resolved');
    expect(fixed.record.triage.status).toBe('fixed');
    expect(fixed.record.triage.evidence[0].text).toBe('No longer reported by defender-export as of 2026-11-23 (run ' + fixed.history.at(-1).runId + ').');
  });

  it('a second run on the same exports changes nothing but its run record', async () => {
    const ws = await demoLedger();
    const db = path.join(ws.dir, 'ledger.db');
    const before = tableCounts(db);
    const again = await ws.run(['--now', WEEK2, 'run']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes since the last run.');
    const after = tableCounts(db);
    expect(after).toEqual({ ...before, runs: before.runs! + 1, run_sources: before.run_sources! + 1 });
  });

  it('a triage edit survives later runs and shows in history', async () => {
    const ws = await demoLedger();
    const t = await ws.run(['triage', 'CVE-2024-6119', '--status', 'in_progress', '--owner', 'sato', '--responded-on', '2026-11-24', '--evidence', 'https://tickets.example/SEC-42', '--actor', 'sato']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('triage.status: new → in_progress');
    ws.useWeek('week-2');
    expect((await ws.run(['--now', '2026-11-30T06:00:00Z', 'run'])).code).toBe(0);
    const detail = JSON.parse((await ws.run(['show', 'CVE-2024-6119', '--json'])).stdout);
    expect(detail.record.triage).toMatchObject({ status: 'in_progress', owner: 'sato', respondedAt: '2026-11-24' });
    expect(detail.record.triage.evidence.map((e: { text: string }) => e.text)).toContain('https://tickets.example/SEC-42');
    const history = await ws.run(['history', 'CVE-2024-6119']);
    expect(history.stdout).toMatch(/sato +triage\.status: new → in_progress/);
    expect(history.stdout).toMatch(/sato +triage\.respondedAt: ∅ → 2026-11-24/);
  });

  it('export --format json validates against its JSON Schema; CSV has one row per finding', async () => {
    const ws = await demoLedger();
    const json = await ws.run(['export', '--format', 'json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', 'export-v1.schema.json'), 'utf8'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(doc.cases.length).toBeGreaterThan(10);
    const sample = doc.cases.find((c: { key: string }) => c.key === 'CVE-2024-6119');
    expect(sample.related).toEqual([]);
    // Breaking the document must fail validation (the test can fail).
    delete sample.triage.status;
    expect(validate(doc)).toBe(false);

    const csv = await ws.run(['export', '--format', 'csv', '--state', 'open,reopened']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^case_key,case_kind,title,/);
    const findingsOpen = doc.cases.filter((c: { state: string }) => c.state !== 'resolved').reduce((n: number, c: { findings: unknown[] }) => n + c.findings.length, 0);
    expect(lines.length - 1).toBe(findingsOpen);
  });
});
