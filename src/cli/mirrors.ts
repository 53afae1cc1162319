/**
 * Composition of mirrors for the CLI (issue 6): builds the configured mirrors, syncs them (after
 * `run`, and for `vulnledger notion sync`) and prints what each sync did. Their `doctor` checks are
 * composed in cli/context.ts. A mirror that fails never undoes the ledger run: it is reported and
 * retried next time.
 */
import os from 'node:os';
import { syncMirror, type LockHolder, type MirrorSyncReport } from '../app/mirror.js';
import type { Mirror } from '../core/mirror.js';
import type { LedgerStore } from '../core/ports.js';
import type { LoadedConfig } from '../config/load.js';
import { createMirror } from '../mirrors/registry.js';
import { redact } from '../util/logger.js';
import { messageOf } from '../util/errors.js';
import type { CliContext } from './context.js';
import { createProgress } from './progress.js';
import type { Colors } from './text.js';

/** Every configured mirror (optionally only the one named `only`). */
export function buildMirrors(ctx: CliContext, loaded: LoadedConfig, only?: string): Mirror[] {
  const configs = loaded.config.mirrors.filter((m) => only === undefined || (m.name ?? m.type) === only);
  return configs.map((m) => createMirror(m, { log: ctx.log, clock: ctx.clock }));
}

const HOST = os.hostname();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock is stale when its process is gone (same host), is this process, or is over an hour old. */
export function lockIsStale(holder: LockHolder, now: Date): boolean {
  const [host, pidText] = holder.owner.split(':pid ');
  const pid = Number(pidText);
  if (host === HOST && Number.isInteger(pid)) return pid === process.pid || !alive(pid);
  return now.getTime() - Date.parse(holder.at) > 60 * 60_000;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What one sync did, for the console. */
export function renderMirrorReport(r: MirrorSyncReport, c: Colors): string {
  const casesChanged = new Set(r.applied.map((a) => a.caseKey)).size;
  const changes = r.applied.reduce((n, a) => n + a.changes.length, 0);
  const head = [
    `pulled ${plural(r.pulled, 'page')}`,
    `applied ${plural(changes, 'change')} to ${plural(casesChanged, 'case')}`,
    `created ${r.created}`,
    ...(r.adopted > 0 ? [`adopted ${r.adopted}`] : []),
    `updated ${r.updated}`,
    `unchanged ${r.unchanged}`,
    `${plural(r.requests.reads + r.requests.writes, 'request')} (${r.requests.reads} read, ${r.requests.writes} write${r.requests.rateLimited > 0 ? `, ${r.requests.rateLimited} rate-limited` : ''}) in ${(r.durationMs / 1000).toFixed(1)} s`,
  ].join(' · ');
  const lines = [`${c.bold(`Notion mirror "${r.mirror}"`)}: ${head}`];
  for (const a of r.applied) for (const ch of a.changes) lines.push(`  ${a.caseKey}  ${ch.field}: ${ch.oldValue ?? '∅'} → ${ch.newValue ?? '∅'}  (${a.actor})`);
  for (const k of r.conflicts) {
    lines.push(`  ${c.yellow('conflict')} ${k.caseKey}  ${k.field}: ledger "${k.ledger}" and Notion "${k.remote}" (${k.actor}) both changed → kept ${k.kept === 'ledger' ? "the ledger's (newer)" : "Notion's (newer)"}`);
  }
  for (const x of r.rejected) lines.push(`  ${c.red('not applied')} ${x.caseKey}  ${x.field} = "${x.value}" (${x.actor}): ${x.reason}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  if (r.duplicates.length > 0) {
    const shown = r.duplicates.slice(0, 5).map((d) => `${d.caseKey} (${d.pageIds.length})`).join(', ');
    lines.push(`  ${plural(r.duplicates.length, 'case')} also have other pages with the same key in Notion, left alone: ${shown}${r.duplicates.length > 5 ? ', …' : ''}`);
  }
  if (r.gone.length > 0) {
    lines.push(`  ${plural(r.gone.length, 'case')} not mirrored: the page was deleted in Notion (\`vulnledger notion sync --recreate-deleted\` creates it again)`);
  }
  if (r.error) lines.push(`  ${c.red('stopped')}: ${r.error}`);
  return redact(lines.join('\n'));
}

/**
 * Syncs every configured mirror (pull, then push) and prints each report. Returns false when a
 * mirror sync stopped on an error (the ledger itself is unaffected).
 */
export async function syncMirrors(
  ctx: CliContext,
  loaded: LoadedConfig,
  store: LedgerStore,
  out: (text: string) => void,
  options: { only?: string; recreateDeleted?: boolean } = {},
): Promise<boolean> {
  const mirrors = buildMirrors(ctx, loaded, options.only);
  let ok = true;
  for (const mirror of mirrors) {
    const progress = createProgress(ctx.io, ctx.errColors);
    let report: MirrorSyncReport;
    try {
      report = await syncMirror(store, mirror, {
        clock: ctx.clock,
        log: ctx.log,
        minSeverity: loaded.config.minSeverity,
        progress: progress.update,
        lockOwner: `${HOST}:pid ${process.pid}`,
        lockIsStale: (holder) => lockIsStale(holder, new Date()),
        recreateDeleted: options.recreateDeleted,
      });
    } catch (error) {
      progress.done();
      out(redact(`${ctx.colors.bold(`Notion mirror "${mirror.name}"`)}: ${ctx.colors.red('not synced')}: ${messageOf(error)}`));
      ok = false;
      continue;
    }
    progress.done();
    out(`\n${renderMirrorReport(report, ctx.colors)}`);
    if (report.error) ok = false;
  }
  return ok;
}

/** After `vulnledger run`: sync the mirrors; a failure turns an ok run's exit code into 2 (partial). */
export async function syncMirrorsAfterRun(ctx: CliContext, loaded: LoadedConfig, store: LedgerStore, out: (text: string) => void, runExitCode: number): Promise<number> {
  if (loaded.config.mirrors.length === 0) return runExitCode;
  const ok = await syncMirrors(ctx, loaded, store, out);
  return runExitCode === 0 && !ok ? 2 : runExitCode;
}

/**
 * Notion page URLs of cases, for notifications that link to the page: the first Notion mirror's
 * pages (deleted ones left out). Undefined when no Notion mirror is configured. Reads only.
 */
export function notionPageLinks(loaded: LoadedConfig, store: LedgerStore): ((caseKeys: readonly string[]) => Promise<ReadonlyMap<string, string>>) | undefined {
  const notion = loaded.config.mirrors.find((m) => m.type === 'notion');
  if (!notion) return undefined;
  const name = notion.name ?? notion.type;
  return (caseKeys) => store.transaction((tx) => tx.mirror(name).pageUrls(caseKeys));
}
