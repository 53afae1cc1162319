/**
 * `vulnledger outbox`: the messages waiting to be delivered (status, channel, attempts, last error —
 * never a webhook URL or token), `--retry [id]` to deliver now ignoring backoff (failed ones too),
 * and `--drop <id>` to give a message (and the replies that follow it) up.
 */
import type { Command } from 'commander';
import { withFollowers } from '../../app/deliver.js';
import { OPEN_OUTBOX_STATUSES, OUTBOX_STATUSES, type OutboxRecord } from '../../core/outbox.js';
import { redact } from '../../util/logger.js';
import { loadCliConfig, makeContext, openLedger, UserError, type CliIo, type GlobalOptions } from '../context.js';
import { deliverNow, renderDeliverySummary } from '../notifications.js';
import { table, truncate } from '../text.js';

interface OutboxOptions {
  all?: boolean;
  json?: boolean;
  retry?: string | boolean;
  drop?: string;
}

function describePayload(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return '?';
  const p = payload as { kind?: unknown; part?: unknown; parts?: unknown; cases?: unknown };
  const cases = Array.isArray(p.cases) ? p.cases.length : 0;
  return `${String(p.kind ?? '?')} ${String(p.part ?? '?')}/${String(p.parts ?? '?')}${cases > 0 ? ` (${cases} case(s))` : ''}`;
}

function minute(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-';
}

/** What `outbox --json` prints per entry (the payload is summarised, never a URL or a secret). */
function jsonOf(e: OutboxRecord): Record<string, unknown> {
  return {
    id: e.id,
    status: e.status,
    channel: e.channel,
    message: describePayload(e.payload),
    idempotencyKey: e.idempotencyKey,
    runId: e.runId,
    createdAt: e.createdAt,
    attempts: e.attempts,
    lastAttemptAt: e.lastAttemptAt,
    nextAttemptAt: e.nextAttemptAt,
    lastError: e.lastError,
    deliveredAt: e.deliveredAt,
    dependsOn: e.dependsOn,
  };
}

export function registerOutboxCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('outbox')
    .description('messages waiting to be delivered (pending, retrying, failed); --retry delivers now, --drop gives one up')
    .option('--all', `also delivered and dropped entries (the latest 100); statuses: ${OUTBOX_STATUSES.join(', ')}`)
    .option('--json', 'JSON output')
    .option('--retry [id]', 'deliver now, ignoring backoff, failed entries included (one entry and its replies, or all)')
    .option('--drop <id>', 'never deliver this entry (nor the replies that follow it)')
    .action(async (opts: OutboxOptions, cmd: Command) => {
      const ctx = makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
      const out = (text: string) => io.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
      const loaded = loadCliConfig(ctx);
      const store = await openLedger(ctx, loaded);
      try {
        if (opts.drop !== undefined) {
          const { entry, ids } = await withFollowers(store.outbox, opts.drop);
          if (!entry) throw new UserError(`no outbox entry "${opts.drop}"; list them with \`vulnledger outbox\``);
          if (entry.status === 'delivered' || entry.status === 'dropped') throw new UserError(`outbox entry ${entry.id} is already ${entry.status}`);
          const dropped = await store.outbox.drop(ids);
          out(`Dropped ${entry.id}${dropped > 1 ? ` and ${dropped - 1} message(s) that follow it` : ''}: it will not be delivered.`);
          return;
        }
        if (opts.retry !== undefined) {
          let ids: string[] | undefined;
          if (typeof opts.retry === 'string') {
            const { entry, ids: found } = await withFollowers(store.outbox, opts.retry);
            if (!entry) throw new UserError(`no outbox entry "${opts.retry}"; list them with \`vulnledger outbox\``);
            ids = found;
          }
          const report = await deliverNow(ctx, loaded, store, { force: true, ...(ids ? { ids } : {}) });
          const lines = renderDeliverySummary(report, ctx.colors);
          out(lines.length > 0 ? lines.join('\n') : 'Nothing to deliver.');
          setExit(report.counts.failed + report.counts.retrying > 0 ? 1 : 0);
          return;
        }
        const entries = opts.all ? await store.outbox.list({ limit: 100 }) : await store.outbox.list({ statuses: OPEN_OUTBOX_STATUSES });
        if (opts.json) {
          out(JSON.stringify(entries.map(jsonOf), null, 2));
          return;
        }
        if (entries.length === 0) {
          out(opts.all ? 'The outbox is empty.' : 'Nothing waiting: every message was delivered (`--all` lists them).');
          return;
        }
        const configured = new Set(loaded.config.notify.map((n) => `notify:${n.name ?? n.type}`));
        const c = ctx.colors;
        const rows = entries.map((e) => [
          e.id,
          e.status === 'failed' ? c.red(e.status) : e.status === 'retrying' ? c.yellow(e.status) : e.status,
          e.channel.startsWith('notify:') && !configured.has(e.channel) ? `${e.channel} ${c.yellow('(not configured)')}` : e.channel,
          describePayload(e.payload),
          String(e.attempts),
          minute(e.createdAt),
          e.status === 'retrying' ? minute(e.nextAttemptAt) : e.dependsOn && e.status === 'pending' ? `after ${e.dependsOn}` : '-',
          truncate(e.lastError ?? '', 100),
        ]);
        out(table(['id', 'status', 'channel', 'message', 'attempts', 'created', 'next', 'last error'], rows, new Set([4])));
        const failed = entries.filter((e) => e.status === 'failed').length;
        out(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${failed > 0 ? `, ${failed} failed` : ''}. Deliver now: vulnledger outbox --retry [id] · give up: vulnledger outbox --drop <id>`);
      } finally {
        await store.close();
      }
    });
}
