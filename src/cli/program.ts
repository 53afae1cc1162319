/**
 * The CLI: thin commands that parse, call a use case, and format. `runCli` is the whole program
 * with injected I/O, so tests run it in-process exactly as users do.
 */
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CaseLookupError, listCases, showCase, today, triageCase, TriageValidationError } from '../app/cases.js';
import { exportCsv, exportJson } from '../app/export.js';
import { runLedger } from '../app/run.js';
import { CASE_STATES, type CaseState } from '../core/case.js';
import { CASE_KINDS, type CaseKind } from '../core/identity.js';
import type { CaseFilter } from '../core/ports.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { RESPONSE_REQUIRED, TRIAGE_STATUSES, type ResponseRequired, type TriageEdit, type TriageStatus } from '../core/triage.js';
import { ConfigError } from '../config/load.js';
import { MigrationError } from '../store/migrate.js';
import { StoreOpenError } from '../store/sqlite.js';
import { createHeapTrimmer } from '../util/heap.js';
import { redact } from '../util/logger.js';
import { messageOf } from '../util/errors.js';
import {
  actorName,
  buildOutboxPlanners,
  buildSources,
  loadCliConfig,
  makeContext,
  messagesFor,
  openLedger,
  UserError,
  type CliContext,
  type CliIo,
  type GlobalOptions,
} from './context.js';
import { renderCase, renderCaseTable, renderDigest, renderHistory } from './format.js';
import { STARTER_CONFIG } from './init-template.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerNotifyCommands } from './commands/notify.js';
import { deliverAfterRun } from './notifications.js';
import { registerNotionCommands } from './commands/notion.js';
import { syncMirrorsAfterRun } from './mirrors.js';
import { createProgress } from './progress.js';
import { enrichmentPolicy, parseEpssMin } from './enrichment-options.js';

function list<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string, previous: T[] | undefined): T[] => {
    const out = [...(previous ?? [])];
    for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const match = allowed.find((a) => a.toLowerCase() === part.toLowerCase());
      if (!match) throw new UserError(`--${name} "${part}" is not one of: ${allowed.join(', ')}`);
      out.push(match);
    }
    return out;
  };
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--severity <list>', `severities (${SEVERITIES.join(', ')}), comma-separated`, list('severity', SEVERITIES))
    .option('--state <list>', `case states (${CASE_STATES.join(', ')})`, list('state', CASE_STATES))
    .option('--status <list>', `triage statuses (${TRIAGE_STATUSES.join(', ')})`, list('status', TRIAGE_STATUSES))
    .option('--kind <list>', `case kinds (${CASE_KINDS.join(', ')})`, list('kind', CASE_KINDS))
    .option('--overdue', 'only open cases past their due date')
    .option('--kev', 'only cases whose CVE is in CISA KEV (known exploited)')
    .option('--epss-min <score>', 'only cases with an EPSS score of at least this (0..1)', parseEpssMin);
}

interface FilterFlags {
  severity?: Severity[];
  state?: CaseState[];
  status?: TriageStatus[];
  kind?: CaseKind[];
  overdue?: boolean;
  kev?: boolean;
  epssMin?: number;
  all?: boolean;
}

function toFilter(flags: FilterFlags, todayDate: string, defaultOpen: boolean): CaseFilter {
  const filter: CaseFilter = {};
  if (flags.severity?.length) filter.severity = flags.severity;
  if (flags.state?.length) filter.state = flags.state;
  else if (defaultOpen && !flags.all) filter.state = ['open', 'reopened'];
  if (flags.status?.length) filter.status = flags.status;
  if (flags.kind?.length) filter.kind = flags.kind;
  if (flags.overdue) filter.overdueOn = todayDate;
  if (flags.kev) filter.kev = true;
  if (flags.epssMin !== undefined) filter.epssMin = flags.epssMin;
  return filter;
}

async function withLedger<T>(ctx: CliContext, fn: (deps: { store: Awaited<ReturnType<typeof openLedger>>; loaded: ReturnType<typeof loadCliConfig> }) => Promise<T>): Promise<T> {
  const loaded = loadCliConfig(ctx);
  const store = await openLedger(ctx, loaded);
  try {
    return await fn({ store, loaded });
  } finally {
    await store.close();
  }
}

/** Builds the commander program. `setExit` receives each command's exit code. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command();
  const ctxOf = (cmd: Command): CliContext => makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

  program
    .name('vulnledger')
    .description('The ledger of your vulnerability response: Defender for Cloud findings and advisories, tracked from first sighting to closure.')
    .version('0.1.0', '-V, --version')
    .option('-c, --config <file>', 'config file (default: $VULNLEDGER_CONFIG, then ./vulnledger.yaml)')
    .option('--database <file>', 'ledger database, overriding the config (also $VULNLEDGER_DATABASE)')
    .addOption(new Option('--now <iso-time>', 'pretend the current time is this (demos and tests; also $VULNLEDGER_NOW)'))
    .option('-v, --verbose', 'debug logging on stderr')
    .option('-q, --quiet', 'only errors on stderr')
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']))
    .option('--no-color', 'no colour, even on a terminal')
    .showHelpAfterError('(run `vulnledger --help` for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('init')
    .description('write a commented starter config (vulnledger.yaml) in the working directory')
    .option('--path <file>', 'where to write it', 'vulnledger.yaml')
    .option('--force', 'overwrite an existing file')
    .action((opts: { path: string; force?: boolean }) => {
      const file = path.resolve(io.cwd, opts.path);
      if (existsSync(file) && !opts.force) throw new UserError(`${file} already exists; use --force to overwrite it`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, STARTER_CONFIG);
      out(`Wrote ${file}.\nNext: put Defender exports in ./exports/ (or edit "sources"), then run \`vulnledger run\`.`);
    });

  program
    .command('run')
    .description('collect every source, update the ledger, print what changed (exit 0 ok, 1 failed, 2 partial)')
    .action(async (_opts, cmd: Command) => {
      const ctx = ctxOf(cmd);
      await withLedger(ctx, async ({ store, loaded }) => {
        const m = messagesFor(loaded);
        const sources = buildSources(ctx, loaded);
        const progress = createProgress(io, ctx.errColors);
        let report;
        try {
          report = await runLedger(store, sources, {
            minSeverity: loaded.config.minSeverity,
            sla: {
              days: { Critical: loaded.config.sla.Critical, High: loaded.config.sla.High, Medium: loaded.config.sla.Medium, Low: loaded.config.sla.Low },
              dueSoonDays: loaded.config.sla.dueSoonDays,
              restartOnReopen: loaded.config.sla.restartOnReopen,
              kevDays: loaded.config.sla.kev,
            },
            enrichment: enrichmentPolicy(loaded.config),
            clock: ctx.clock,
            log: ctx.log,
            progress: progress.update,
            outboxPlanners: buildOutboxPlanners(ctx, loaded),
            afterBatch: createHeapTrimmer(),
          });
        } finally {
          progress.done();
        }
        const todayDate = today(ctx.clock);
        const overdue = await listCases(store, { overdueOn: todayDate });
        const overdueBySeverity: Record<Severity, number> = { Critical: 0, High: 0, Medium: 0, Low: 0, Unknown: 0 };
        for (const c of overdue) overdueBySeverity[c.severity]++;
        out(renderDigest(report, { colors: ctx.colors, messages: m, today: todayDate, overdueBySeverity }));
        const failed = report.sources.filter((s) => s.status !== 'ok');
        if (failed.length > 0) {
          out(`\n${ctx.colors.red(`${failed.length} source(s) did not complete:`)} ${failed.map((s) => `${s.source} (${s.status}: ${s.error ?? ''})`).join('; ')}`);
          out('Findings of a failed or partly read source were NOT resolved: silence is not a fix.');
        }
        // Mirrors first, so that notifications can link the Notion page of a case created in this run.
        const exitCode = await syncMirrorsAfterRun(ctx, loaded, store, out, report.exitCode);
        await deliverAfterRun(ctx, loaded, store, out);
        out(`\n${m.digest.next}: vulnledger cases · vulnledger show <case> · vulnledger triage <case> --status in_progress --owner <you> · vulnledger export --format json`);
        setExit(exitCode);
      });
    });

  filterOptions(program.command('cases').description('list cases (default: open and reopened; --all for every case)'))
    .option('--all', 'include resolved cases')
    .option('--json', 'JSON output')
    .action(async (opts: FilterFlags & { json?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      await withLedger(ctx, async ({ store, loaded }) => {
        const todayDate = today(ctx.clock);
        const cases = await listCases(store, toFilter(opts, todayDate, true));
        if (opts.json) out(JSON.stringify(cases, null, 2));
        else out(renderCaseTable(cases, { colors: ctx.colors, messages: messagesFor(loaded), today: todayDate }));
      });
    });

  program
    .command('show')
    .description('one case: findings per resource, triage, evidence, related cases, history')
    .argument('<case>', 'case key (CVE-2024-6119, machine:CVE-…, sql:<server>:VA…) or a vulnerability id')
    .option('--json', 'JSON output')
    .action(async (key: string, opts: { json?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      await withLedger(ctx, async ({ store, loaded }) => {
        const detail = await showCase(store, key);
        if (opts.json) out(JSON.stringify(detail, null, 2));
        else out(renderCase(detail, { colors: ctx.colors, messages: messagesFor(loaded), today: today(ctx.clock) }));
      });
    });

  program
    .command('triage')
    .description('record the response to a case (validated; every change goes to history with the actor)')
    .argument('<case>', 'case key or vulnerability id')
    .addOption(new Option('--status <status>', 'triage status').choices(TRIAGE_STATUSES))
    .addOption(new Option('--response-required <value>', 'is a response required (対応要否)').choices(RESPONSE_REQUIRED))
    .option('--owner <name>', 'who is responding ("" clears)')
    .option('--due <YYYY-MM-DD>', 'due date, overriding the SLA ("" returns to the SLA date)')
    .option('--responded-on <YYYY-MM-DD>', 'response date (対応日)')
    .option('--justification <text>', 'why (e.g. for not_affected or risk_accepted)')
    .option('--evidence <text-or-url>', 'evidence note or link (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--accept-until <YYYY-MM-DD>', 'risk acceptance expiry (required for risk_accepted)')
    .option('--actor <name>', 'who is making the change (default: the OS user)')
    .action(
      async (
        key: string,
        opts: { status?: TriageStatus; responseRequired?: ResponseRequired; owner?: string; due?: string; respondedOn?: string; justification?: string; evidence?: string[]; acceptUntil?: string; actor?: string },
        cmd: Command,
      ) => {
        const ctx = ctxOf(cmd);
        const edit: TriageEdit = {};
        if (opts.status) edit.status = opts.status;
        if (opts.responseRequired) edit.responseRequired = opts.responseRequired;
        if (opts.owner !== undefined) edit.owner = opts.owner === '' ? null : opts.owner;
        if (opts.due !== undefined) edit.dueDate = opts.due === '' ? null : opts.due;
        if (opts.respondedOn !== undefined) edit.respondedAt = opts.respondedOn === '' ? null : opts.respondedOn;
        if (opts.justification !== undefined) edit.justification = opts.justification === '' ? null : opts.justification;
        if (opts.acceptUntil !== undefined) edit.acceptedUntil = opts.acceptUntil === '' ? null : opts.acceptUntil;
        if (opts.evidence) edit.evidence = opts.evidence;
        if (Object.keys(edit).length === 0) throw new UserError('nothing to change: give at least one of --status, --response-required, --owner, --due, --responded-on, --justification, --evidence, --accept-until');
        await withLedger(ctx, async ({ store }) => {
          const actor = actorName(opts.actor, io.env);
          const result = await triageCase(store, key, edit, { actor, clock: ctx.clock });
          if (result.changes.length === 0) {
            out(`${result.record.key}: nothing changed.`);
            return;
          }
          out(`${result.record.key}: ${result.changes.length} change(s) recorded by ${actor}:`);
          for (const c of result.changes) out(`  ${c.field}: ${c.oldValue ?? '∅'} → ${c.newValue ?? '∅'}`);
        });
      },
    );

  program
    .command('history')
    .description("a case's audit log: who changed what, when, old → new")
    .argument('<case>', 'case key or vulnerability id')
    .option('--json', 'JSON output')
    .action(async (key: string, opts: { json?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      await withLedger(ctx, async ({ store }) => {
        const detail = await showCase(store, key);
        if (opts.json) out(JSON.stringify(detail.history, null, 2));
        else out(`${detail.record.key}\n${renderHistory(detail.history)}`);
      });
    });

  filterOptions(
    program
      .command('export')
      .description('export cases with triage, findings and history (JSON per schemas/export-v1.schema.json, or CSV)')
      .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
      .option('--out <file>', 'write to a file instead of stdout'),
  ).action(async (opts: FilterFlags & { format: 'json' | 'csv'; out?: string }, cmd: Command) => {
    const ctx = ctxOf(cmd);
    await withLedger(ctx, async ({ store }) => {
      const now = ctx.clock.now();
      const chunks = opts.format === 'csv' ? exportCsv(store, toFilter(opts, today(ctx.clock), false), now) : exportJson(store, toFilter(opts, today(ctx.clock), false), now);
      if (!opts.out) {
        for await (const chunk of chunks) io.stdout.write(chunk);
        return;
      }
      const file = path.resolve(io.cwd, opts.out);
      mkdirSync(path.dirname(file), { recursive: true });
      const stream = createWriteStream(file);
      for await (const chunk of chunks) if (!stream.write(chunk)) await new Promise<void>((r) => stream.once('drain', () => r()));
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      io.stderr.write(`Wrote ${file}\n`);
    });
  });

  program
    .command('runs')
    .description('recent runs with the outcome of each source')
    .option('--limit <n>', 'how many', '10')
    .option('--json', 'JSON output')
    .action(async (opts: { limit: string; json?: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      await withLedger(ctx, async ({ store }) => {
        const runs = await store.lastRuns(Math.max(1, Number.parseInt(opts.limit, 10) || 10));
        if (opts.json) {
          out(JSON.stringify(runs, null, 2));
          return;
        }
        if (runs.length === 0) out('No runs yet. Run `vulnledger run`.');
        for (const r of runs) {
          out(`${r.id}  ${r.status}  ${r.startedAt}${r.error ? `  ${r.error}` : ''}`);
          for (const s of r.sources) out(`  ${s.source} (${s.type})  ${s.status}  rows ${s.counts.rows}  new ${s.counts.new}  resolved ${s.counts.resolved}${s.error ? `  ${s.error}` : ''}`);
        }
      });
    });

  registerDoctorCommand(program, io, setExit);
  registerNotifyCommands(program, io, setExit);
  registerNotionCommands(program, io, setExit);
  return program;
}

/** Runs the CLI with injected I/O and returns the exit code. User errors never print a stack trace. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 1;
    }
    const known =
      error instanceof UserError ||
      error instanceof ConfigError ||
      error instanceof CaseLookupError ||
      error instanceof TriageValidationError ||
      error instanceof StoreOpenError ||
      error instanceof MigrationError;
    const message = messageOf(error);
    if (known) {
      const prefix = error instanceof ConfigError ? 'config error:\n' : error instanceof TriageValidationError ? 'triage refused: ' : 'error: ';
      io.stderr.write(`${redact(`${prefix}${message}`)}\n`);
      return error instanceof UserError ? error.exitCode : 1;
    }
    io.stderr.write(`${redact(`error: ${message}`)}\n`);
    if (io.env.VULNLEDGER_DEBUG || argv.includes('--verbose') || argv.includes('-v')) {
      io.stderr.write(`${redact(error instanceof Error ? (error.stack ?? '') : '')}\n`);
    } else {
      io.stderr.write('This looks like a bug in vulnledger; run again with --verbose for details and report it.\n');
    }
    return 1;
  }
}
