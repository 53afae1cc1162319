/**
 * `npm start`: the real main job on the bundled demo dataset. Each "week" copies that week's
 * Defender export into demo/.run/exports/ and runs `vulnledger run` with the clock set to that
 * week, exactly as a weekly job would. The ledger is demo/.run/vulnledger-demo.db.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/program.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const demoDir = path.join(projectRoot, 'demo');
const runDir = path.join(demoDir, '.run');
const exportsDir = path.join(runDir, 'exports');
/** Offline advisory/KEV/EPSS mirrors (demo/data/enrichment/<week>/), used when the config's feed, kev and epss sources are uncommented. */
const enrichmentDir = path.join(runDir, 'enrichment');
const config = path.join(demoDir, 'vulnledger.yaml');
const rel = (p: string) => path.relative(process.cwd(), p) || '.';

const WEEKS = [
  {
    folder: 'week-0-grouped',
    at: '2026-07-27T06:00:00Z',
    title: 'Starting point — the last grouped-model export (sub-assessments), 27 July 2026',
    story: 'Before Microsoft retired grouped recommendations (31 July 2026), the Logic App read sub-assessments. Importing that last export gives the ledger its history.',
  },
  {
    folder: 'week-1',
    at: '2026-11-16T06:00:00Z',
    title: 'Week 1 — 16 November 2026, individual recommendations (the live model)',
    story:
      'Same findings, new data model: CVE-2024-6119 on payments/api and OpenSSH on osk-db-02 keep their cases. glibc, libexpat and the old Chrome CVE were fixed since July (resolved). New: the openssl CVEs of payments/api, the Go stdlib CVE, Chrome on vm-web-01, a second OpenSSH CVE. Skipped and counted: healthy rows, a DevOps repository row (not ours), and findings below High. July cases past their SLA are overdue.',
  },
  {
    folder: 'week-2',
    at: '2026-11-23T06:00:00Z',
    title: 'Week 2 — 23 November 2026',
    story:
      'payments/api was rebuilt (new digest): CVE-2024-6119 is the same finding and the same case, not new; CVE-2024-5535 went away with the rebuild (resolved). vm-web-01 updated Chrome (2 cases resolved). libexpat came back on web/frontend (reopened: a known problem returning, triage back to triaging). New: curl on vm-batch-03 and rule VA2108 on the orders database.',
  },
];

async function main(): Promise<number> {
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(exportsDir, { recursive: true });
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
  process.stdout.write(`vulnledger demo: three weekly runs of the real main job into ${rel(path.join(runDir, 'vulnledger-demo.db'))}\n`);
  for (const week of WEEKS) {
    for (const f of readdirSync(exportsDir)) rmSync(path.join(exportsDir, f));
    cpSync(path.join(demoDir, 'data', week.folder), exportsDir, { recursive: true });
    const mirrors = path.join(demoDir, 'data', 'enrichment', week.folder);
    if (existsSync(mirrors)) cpSync(mirrors, enrichmentDir, { recursive: true });
    process.stdout.write(`\n${'═'.repeat(100)}\n${week.title}\n${week.story}\n$ vulnledger --config ${rel(config)} --now ${week.at} run\n\n`);
    const code = await runCli(['--config', config, '--now', week.at, 'run'], io);
    if (code !== 0) {
      process.stderr.write(`demo: the run for ${week.folder} exited with ${code}\n`);
      return code;
    }
  }
  const cli = `node ${rel(path.join(projectRoot, 'bin', 'vulnledger.js'))} -c ${rel(config)}`;
  process.stdout.write(
    [
      '',
      '═'.repeat(100),
      'The ledger now holds all three runs. Try:',
      `  ${cli} cases                       # open cases, most severe first`,
      `  ${cli} cases --overdue             # past their SLA due date`,
      `  ${cli} report                      # the weekly list: open cases, resources, status, due date, overdue (--format md)`,
      `  ${cli} cases --kev                 # known exploited (uncomment feed/kev/epss in ${rel(config)} first)`,
      `  ${cli} cases --kind advisory       # MSRC advisories, linked to the cases they concern`,
      `  ${cli} show CVE-2024-6119          # one case: images and the running container, triage, history`,
      `  ${cli} triage CVE-2024-6119 --status in_progress --owner you --evidence "https://example.com/ticket/123"`,
      `  ${cli} history CVE-2024-6119`,
      `  ${cli} run                         # same exports again: nothing changes`,
      `  ${cli} export --format json --out demo/.run/export.json`,
      'Set up your own: `node bin/vulnledger.js init` (README: five-minute tour).',
      '',
    ].join('\n'),
  );
  return 0;
}

process.exitCode = await main();
