/**
 * Composition of notifications (issue 5): builds the configured notifiers through their registry,
 * their run planners and `doctor` checks, and the delivery after a run with its summary lines.
 */
import { deliverOutbox, type DeliveryOutcome, type DeliveryReport } from '../app/deliver.js';
import { notificationPlanners } from '../app/notify.js';
import type { OutboxPlanner } from '../app/run.js';
import type { CaseLinkLookup, Notifier } from '../core/notification.js';
import type { DoctorCheck, LedgerStore } from '../core/ports.js';
import type { LoadedConfig } from '../config/load.js';
import { createNotifier, notifierChecks, type NotifierDeps } from '../notifiers/registry.js';
import { redact } from '../util/logger.js';
import { messageOf } from '../util/errors.js';
import type { CliContext } from './context.js';
import { notionPageLinks } from './mirrors.js';
import { messages } from '../core/i18n.js';
import type { Colors } from './text.js';

function depsOf(ctx: CliContext, loaded: LoadedConfig): NotifierDeps {
  return { defaultMinSeverity: loaded.config.minSeverity, log: ctx.log.child('notify') };
}

/** Every configured notifier (nothing is contacted). */
export function buildNotifiers(ctx: CliContext, loaded: LoadedConfig): Notifier[] {
  return loaded.config.notify.map((n) => createNotifier(n, depsOf(ctx, loaded)));
}

/** One outbox planner per configured notifier, for `runLedger`. */
export function notifierPlanners(ctx: CliContext, loaded: LoadedConfig): OutboxPlanner[] {
  const notifiers = buildNotifiers(ctx, loaded);
  return notifiers.length === 0 ? [] : notificationPlanners(notifiers, { messages: messages(loaded.config.language) });
}

/** `doctor` checks of every configured notifier (no message is posted). */
export function notifierDoctorChecks(ctx: CliContext, loaded: LoadedConfig): DoctorCheck[] {
  return loaded.config.notify.flatMap((n) => notifierChecks(n, depsOf(ctx, loaded)));
}

/**
 * Where messages find a case's Notion page: the Notion mirror's stored page links (issue 6,
 * `notionPageLinks` in ./mirrors.ts); none when no Notion mirror is configured.
 */
export function caseLinkLookup(_ctx: CliContext, loaded: LoadedConfig, store: LedgerStore): CaseLinkLookup | undefined {
  return notionPageLinks(loaded, store);
}

/** Delivers the outbox with the configured notifiers. */
export async function deliverNow(ctx: CliContext, loaded: LoadedConfig, store: LedgerStore, options: { force?: boolean; ids?: readonly string[] } = {}): Promise<DeliveryReport> {
  const links = caseLinkLookup(ctx, loaded, store);
  return deliverOutbox(store.outbox, buildNotifiers(ctx, loaded), {
    clock: ctx.clock,
    log: ctx.log,
    messages: messages(loaded.config.language),
    ...(links ? { caseLinks: links } : {}),
    ...options,
  });
}

function short(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The lines `run` (and `report --send`, `outbox --retry`) prints about a delivery. */
export function renderDeliverySummary(report: DeliveryReport, c: Colors): string[] {
  if (report.outcomes.length === 0) return [];
  const byChannel = new Map<string, DeliveryOutcome[]>();
  for (const o of report.outcomes) byChannel.set(o.channel, [...(byChannel.get(o.channel) ?? []), o]);
  const lines: string[] = [];
  const head: string[] = [];
  for (const [channel, list] of byChannel) {
    const delivered = list.filter((o) => o.result === 'delivered').length;
    if (delivered > 0) head.push(`${channel} ${delivered} sent`);
  }
  lines.push(`Notifications: ${head.length > 0 ? head.join(' · ') : 'nothing sent'}`);
  for (const [channel, list] of byChannel) {
    const retrying = list.filter((o) => o.result === 'retrying');
    const waiting = list.filter((o) => o.result === 'waiting');
    const failed = list.filter((o) => o.result === 'failed');
    const unconfigured = list.filter((o) => o.result === 'unconfigured');
    if (retrying.length > 0) {
      const first = retrying[0]!;
      lines.push(`  ${c.yellow(`${channel}: not delivered, retried by the next run after ${first.nextAttemptAt ?? '?'}`)} (${retrying.length + waiting.length} message(s) pending): ${short(first.error ?? '')}`);
    } else if (waiting.length > 0) {
      lines.push(`  ${channel}: ${waiting.length} message(s) pending (${short(waiting[0]!.reason ?? '', 120)})`);
    }
    for (const f of failed) {
      lines.push(
        `  ${c.red(`${channel}: FAILED`)} ${f.id}${f.part !== null ? ` (${f.kind} ${f.part}/${f.parts})` : ''}: ${short(f.error ?? '')}` +
          `\n    fix the cause, then \`vulnledger outbox --retry ${f.id}\`, or drop it with \`vulnledger outbox --drop ${f.id}\``,
      );
    }
    if (unconfigured.length > 0) {
      lines.push(`  ${c.yellow(`${channel}:`)} ${unconfigured.length} message(s) for a notifier no longer in the config; see \`vulnledger outbox\` (--drop <id>)`);
    }
  }
  return lines.map((l) => redact(l));
}

/**
 * After `run` committed: delivers this run's messages and everything earlier that is due, and
 * prints the summary. Never throws: what is not delivered stays in the outbox for the next run.
 */
export async function deliverAfterRun(ctx: CliContext, loaded: LoadedConfig, store: LedgerStore, out: (text: string) => void): Promise<void> {
  try {
    const report = await deliverNow(ctx, loaded, store);
    const lines = renderDeliverySummary(report, ctx.colors);
    if (lines.length > 0) out(`\n${lines.join('\n')}`);
  } catch (error) {
    const message = redact(messageOf(error));
    ctx.log.error('delivery failed; messages stay in the outbox', { error: message });
    out(`\n${ctx.colors.red('Notifications were not delivered:')} ${message}\nThey stay in the outbox and the next run delivers them (\`vulnledger outbox\`).`);
  }
}
