/**
 * Composition root for the CLI: the only place that wires config, concrete sources, outbox
 * planners, the database dialect, the clock and the logger together.
 */
import os from 'node:os';
import type { OutboxPlanner } from '../app/run.js';
import { fixedClock, systemClock, type Clock } from '../core/clock.js';
import { messages, type Messages } from '../core/i18n.js';
import type { DoctorCheck, FindingSource, LedgerStore, Logger } from '../core/ports.js';
import { findConfigFile, loadConfig, resolveConfigPath, type LoadedConfig } from '../config/load.js';
import { createSource, sourceChecks } from '../sources/registry.js';
import { notifierDoctorChecks, notifierPlanners } from './notifications.js';
import { mirrorChecks } from '../mirrors/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { colors, type Colors } from './text.js';

/** Where the CLI reads and writes; injected so tests run the CLI in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  database?: string;
  now?: string;
  verbose?: boolean;
  quiet?: boolean;
  logFormat?: 'text' | 'json';
  color?: boolean;
}

/** A user error: printed as a message (no stack trace), exit code 1 unless given. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  io: CliIo;
  opts: GlobalOptions;
  clock: Clock;
  log: Logger;
  colors: Colors;
  /** Colours for stderr (progress lines). */
  errColors: Colors;
}

export function makeContext(io: CliIo, opts: GlobalOptions): CliContext {
  const level: LogLevel = opts.verbose ? 'debug' : opts.quiet ? 'error' : (io.env.VULNLEDGER_LOG_LEVEL as LogLevel | undefined) ?? 'warn';
  const log = createLogger({ level, format: opts.logFormat ?? (io.env.VULNLEDGER_LOG_FORMAT === 'json' ? 'json' : 'text'), sink: (line) => io.stderr.write(`${line}\n`) });
  const nowText = opts.now ?? io.env.VULNLEDGER_NOW;
  let clock = systemClock;
  if (nowText) {
    const at = new Date(nowText);
    if (Number.isNaN(at.getTime())) throw new UserError(`--now / VULNLEDGER_NOW must be an ISO date or time, got "${nowText}"`);
    clock = fixedClock(at);
  }
  const colorOk = opts.color !== false && !io.env.NO_COLOR;
  return {
    io,
    opts,
    clock,
    log,
    colors: colors(colorOk && (io.stdoutIsTTY || Boolean(io.env.FORCE_COLOR))),
    errColors: colors(colorOk && (io.stderrIsTTY || Boolean(io.env.FORCE_COLOR))),
  };
}

/** Loads the config (file < env < flags for the database path). */
export function loadCliConfig(ctx: CliContext): LoadedConfig {
  const file = findConfigFile({ explicit: ctx.opts.config, env: ctx.io.env, cwd: ctx.io.cwd });
  const loaded = loadConfig(file, ctx.io.env);
  const database = ctx.opts.database ?? ctx.io.env.VULNLEDGER_DATABASE;
  if (database) loaded.config.database = resolveConfigPath({ dir: ctx.io.cwd }, database);
  return loaded;
}

export function messagesFor(loaded: LoadedConfig): Messages {
  return messages(loaded.config.language);
}

/** Opens the ledger named by the config (migrations applied and reported). */
export async function openLedger(ctx: CliContext, loaded: LoadedConfig): Promise<LedgerStore> {
  const file = resolveConfigPath(loaded, loaded.config.database);
  const { store, migrations } = await openSqliteLedger(file, { clock: ctx.clock, log: ctx.log.child('store') });
  // Each applied migration step is reported (once, when it is applied).
  if (!ctx.opts.quiet) {
    for (const step of migrations) if (step.status === 'Success') ctx.io.stderr.write(`database ${file}: applied migration ${step.name}\n`);
  }
  return store;
}

/** Builds every configured source through the explicit registry. */
export function buildSources(ctx: CliContext, loaded: LoadedConfig): FindingSource[] {
  return loaded.config.sources.map((s) => createSource(s, { baseDir: loaded.dir, env: ctx.io.env }));
}

/** Every `doctor` check of the configured sources, notifiers and mirrors. */
export function buildDoctorChecks(ctx: CliContext, loaded: LoadedConfig): DoctorCheck[] {
  return [
    ...loaded.config.sources.flatMap((s) => sourceChecks(s, { baseDir: loaded.dir, env: ctx.io.env })),
    ...loaded.config.mirrors.flatMap((m) => mirrorChecks(m, { log: ctx.log, clock: ctx.clock })),
    ...notifierDoctorChecks(ctx, loaded),
  ];
}

/** Outbox planners of the configured notifiers (mirrors sync after the run instead, see mirrors.ts). */
export function buildOutboxPlanners(ctx: CliContext, loaded: LoadedConfig): OutboxPlanner[] {
  return [...notifierPlanners(ctx, loaded)];
}

/** Who is making a change: `--actor`, else the OS user. */
export function actorName(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit && explicit.trim() !== '') return explicit.trim();
  try {
    return os.userInfo().username || env.USER || 'unknown';
  } catch {
    return env.USER ?? 'unknown';
  }
}
