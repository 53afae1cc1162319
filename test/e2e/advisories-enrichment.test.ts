/**
 * Issue 4's "Done when": a user uncomments the MSRC feed and KEV/EPSS in the demo config, runs the
 * demo weeks and runs again, and sees advisories linked to findings, KEV/EPSS on cases, nothing
 * duplicated, and the KEV addition flagged as worsened. Runs the CLI in-process, as users do.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEMO_DATA, REPO_ROOT, workspace, type Workspace } from '../helpers/cli.js';

const WEEKS = [
  ['week-0-grouped', '2026-07-27T06:00:00Z'],
  ['week-1', '2026-11-16T06:00:00Z'],
  ['week-2', '2026-11-23T06:00:00Z'],
] as const;

/** The demo config with its commented advisory/enrichment block switched on, as the README tells users to. */
function uncommentedDemoConfig(): string {
  const text = readFileSync(path.join(REPO_ROOT, 'demo', 'vulnledger.yaml'), 'utf8');
  const on = text.replace(/^ {2}# - type:/gm, '  - type:').replace(/^ {2}# {3}/gm, '    ');
  expect(on).not.toBe(text);
  return on;
}

/** What `npm start` does for a week: that week's exports and offline mirrors into ./.run/. */
function useDemoWeek(ws: Workspace, week: string): void {
  for (const [from, to] of [
    [path.join(DEMO_DATA, week), path.join(ws.dir, '.run', 'exports')],
    [path.join(DEMO_DATA, 'enrichment', week), path.join(ws.dir, '.run', 'enrichment')],
  ] as const) {
    rmSync(to, { recursive: true, force: true });
    mkdirSync(to, { recursive: true });
    cpSync(from, to, { recursive: true });
  }
}

function counts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = ['findings', 'cases', 'triage', 'evidence', 'history', 'events', 'runs', 'run_sources', 'advisories', 'advisory_cves', 'advisory_links', 'case_enrichment', 'cache'];
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`select count(*) n from ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

async function demo(upTo = 3): Promise<{ ws: Workspace; outputs: string[] }> {
  const ws = workspace(uncommentedDemoConfig());
  const outputs: string[] = [];
  for (const [week, at] of WEEKS.slice(0, upTo)) {
    useDemoWeek(ws, week);
    const r = await ws.run(['--now', at, 'run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    outputs.push(r.stdout);
  }
  return { ws, outputs };
}

const json = <T>(text: string): T => JSON.parse(text) as T;

describe('advisories and enrichment on the demo (the issue\'s "Done when")', () => {
  it('advisories become cases linked to the findings; KEV/EPSS on cases; the KEV addition is worsened; a rerun duplicates nothing', async () => {
    const { ws, outputs } = await demo();
    const week2 = outputs[2]!;
    // The Defender side of week 2 is exactly as without enrichment.
    expect(week2).toMatch(/defender-export {2}ok {2}rows 10 {2}findings 10 {2}new 2 {2}changed 2 {2}reopened 1 {2}resolved 3/);
    expect(week2).toMatch(/^Worsened +0 +2 +0 +0 +0 +2$/m);
    expect(week2).toMatch(/^ {2}Worsened {2}machine:CVE-2024-6387 {2}added to CISA KEV 2026-11-20 \(CISA due 2026-12-11, ransomware unknown\)/m);
    expect(week2).toMatch(/^ {2}Worsened {2}CVE-2023-45288 {2}EPSS 0\.22517 → 0\.35206 \(percentile 0\.97012\)/m);
    expect(week2).toMatch(/^New advisory \(1\):\n {2}advisory:msrc:[0-9a-f]{12} {2}2026-11-20 {2}協調的な脆弱性開示: libexpat の負の長さの処理 \(CVE-2024-45490\) {2}concerns CVE-2024-45490$/m);
    expect(outputs[0]).toContain('first KEV catalog in this ledger: cases in it are marked, not flagged as worsened');

    // Advisories: 5 kept by the MSRC keywords (the researcher-awards post is filtered out); the one that rolled off stays.
    const advisories = json<Array<{ key: string; title: string }>>((await ws.run(['cases', '--kind', 'advisory', '--json'])).stdout);
    expect(advisories.map((a) => a.title).sort()).toEqual([
      'Coordinated Vulnerability Disclosure: OpenSSL X.509 name checks and NPN buffer overread',
      'Coordinated Vulnerability Disclosure: heap overflow in curl SOCKS5 proxy handshake',
      'Coordinated Vulnerability Disclosure: signal handler race in OpenSSH server',
      "Microsoft's approach to Coordinated Vulnerability Disclosure for AI systems",
      '協調的な脆弱性開示: libexpat の負の長さの処理 (CVE-2024-45490)',
    ]);
    const curl = advisories.find((a) => a.title.includes('curl'))!;

    // Linked both ways; the curl advisory (week 1) was linked when the curl finding appeared (week 2).
    const advisoryShow = await ws.run(['show', curl.key]);
    expect(advisoryShow.stdout).toContain('concerns CVE-2026-2001 open on 1 machine  machine:CVE-2026-2001');
    expect(advisoryShow.stdout).toMatch(/advisory\.concerns: ∅ → machine:CVE-2026-2001 \(CVE-2026-2001\) {2}\(run 20261123T060000Z-/);
    const caseShow = await ws.run(['show', 'machine:CVE-2024-6387']);
    expect(caseShow.stdout).toContain('KEV   known exploited (CISA KEV) — added 2026-11-20, CISA due 2026-12-11, ransomware use unknown; marked here since 2026-11-23');
    expect(caseShow.stdout).toContain('EPSS  0.44872 (percentile 0.97611) on 2026-11-22');
    expect(caseShow.stdout).toMatch(/Advisories \(1\)\n {2}advisory:msrc:[0-9a-f]{12} {2}2026-07-14 {2}Coordinated Vulnerability Disclosure: signal handler race in OpenSSH …/);
    const openssl = await ws.run(['show', advisories.find((a) => a.title.includes('OpenSSL'))!.key]);
    expect(openssl.stdout).toContain('concerns CVE-2024-5535 (resolved)  CVE-2024-5535');
    expect(openssl.stdout).toContain('concerns CVE-2024-6119 open in 1 image and 1 running container  CVE-2024-6119');

    // Filters.
    const kev = json<Array<{ key: string }>>((await ws.run(['cases', '--kev', '--json'])).stdout);
    expect(kev.map((c) => c.key)).toEqual(['machine:CVE-2024-6387']);
    const kevAll = json<Array<{ key: string }>>((await ws.run(['cases', '--kev', '--all', '--json'])).stdout);
    expect(kevAll.map((c) => c.key).sort()).toEqual(['CVE-2023-4911', 'machine:CVE-2024-5274', 'machine:CVE-2024-6387']);
    const hot = json<Array<{ key: string; epss: { score: number } }>>((await ws.run(['cases', '--epss-min', '0.3', '--json'])).stdout);
    expect(hot.map((c) => [c.key, c.epss.score])).toEqual([
      ['CVE-2023-45288', 0.35206],
      ['machine:CVE-2024-6387', 0.44872],
    ]);
    const table = (await ws.run(['cases', '--kev'])).stdout;
    expect(table).toMatch(/^High +machine:CVE-2024-6387 +machine +open +new +2026-08-26! +1\/1 +KEV +0\.449 /m);
    const bad = await ws.run(['cases', '--epss-min', '2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--epss-min must be a number between 0 and 1 (an EPSS probability), got "2"');

    // Run again on the same data: nothing new, nothing duplicated, nothing written but the run record.
    const db = path.join(ws.dir, '.run', 'vulnledger-demo.db');
    const before = counts(db);
    const again = await ws.run(['--now', '2026-11-23T07:00:00Z', 'run']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes since the last run.');
    expect(counts(db)).toEqual({ ...before, runs: before.runs! + 1, run_sources: before.run_sources! + 4 });
  });

  it('export carries KEV, EPSS (numbers) and the links, and validates against the JSON Schema', async () => {
    const { ws } = await demo();
    const out = await ws.run(['export', '--format', 'json']);
    expect(out.code).toBe(0);
    const doc = json<{ cases: Array<Record<string, unknown> & { key: string; kind: string }> }>(out.stdout);
    const schema = json<object>(readFileSync(path.join(REPO_ROOT, 'schemas', 'export-v1.schema.json'), 'utf8'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);

    const ssh = doc.cases.find((c) => c.key === 'machine:CVE-2024-6387')!;
    expect(ssh.kev).toEqual({ dateAdded: '2026-11-20', dueDate: '2026-12-11', knownRansomware: null });
    expect(ssh.epss).toEqual({ score: 0.44872, percentile: 0.97611, date: '2026-11-22' });
    expect(ssh.advisories).toEqual([expect.stringMatching(/^advisory:msrc:[0-9a-f]{12}$/)]);
    expect(ssh.advisory).toBeNull();
    const advisory = doc.cases.find((c) => c.key === (ssh.advisories as string[])[0])!;
    expect(advisory).toMatchObject({
      kind: 'advisory',
      kev: null,
      epss: null,
      findings: [],
      advisory: {
        source: 'msrc',
        link: 'https://msrc.microsoft.com/blog/2026/07/cvd-openssh-signal-handler-race/',
        publishedAt: '2026-07-14T17:00:00.000Z',
        categories: ['Coordinated Vulnerability Disclosure', 'MSRC'],
        cveIds: ['CVE-2024-6387', 'CVE-2006-5051'],
        concerns: [{ key: 'machine:CVE-2024-6387', cveId: 'CVE-2024-6387', state: 'open', openFindings: 1 }],
      },
    });
    expect((advisory.advisory as { summary: string }).summary).not.toMatch(/<|trackView/);
    // A number written as a string must fail validation (the test can fail).
    (ssh.epss as { score: unknown }).score = '0.44872';
    expect(validate(doc)).toBe(false);

    const filtered = json<{ cases: Array<{ key: string }> }>((await ws.run(['export', '--kev', '--state', 'open'])).stdout);
    expect(filtered.cases.map((c) => c.key)).toEqual(['machine:CVE-2024-6387']);
    const csv = (await ws.run(['export', '--format', 'csv', '--kev'])).stdout.trim().split('\r\n');
    expect(csv[0]).toMatch(/,kev_date_added,kev_due_date,kev_known_ransomware,epss_score,epss_percentile,advisories$/);
    expect(csv.find((l) => l.startsWith('machine:CVE-2024-6387,'))).toMatch(/,2026-11-20,2026-12-11,,0\.44872,0\.97611,advisory:msrc:[0-9a-f]{12}$/);
  });

  it('a malformed KEV catalog fails only that source (exit 2) and leaves KEV marks and advisories as they were', async () => {
    const { ws } = await demo(2);
    const db = path.join(ws.dir, '.run', 'vulnledger-demo.db');
    useDemoWeek(ws, 'week-2');
    const good = readFileSync(path.join(ws.dir, '.run', 'enrichment', 'kev.json'), 'utf8');
    writeFileSync(path.join(ws.dir, '.run', 'enrichment', 'kev.json'), good.slice(0, Math.floor(good.length / 2)));
    const before = new Database(db, { readonly: true });
    const cache = before.prepare("select * from cache where namespace like 'kev%' order by namespace, key").all();
    before.close();
    const r = await ws.run(['--now', WEEKS[2][1], 'run']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/kev \(failed: \/.*\/\.run\/enrichment\/kev\.json: not valid JSON at line \d+, column \d+: /);
    expect(r.stdout).toMatch(/^Worsened +0 +1 +0 +0 +0 +1$/m); // only the EPSS rise: the KEV addition was not applied
    const after = new Database(db, { readonly: true });
    expect(after.prepare("select * from cache where namespace like 'kev%' order by namespace, key").all()).toEqual(cache);
    after.close();
    expect(json<unknown[]>((await ws.run(['cases', '--kev', '--json'])).stdout)).toEqual([]);
    expect(json<unknown[]>((await ws.run(['cases', '--kind', 'advisory', '--json'])).stdout)).toHaveLength(5);
  });
});
