/**
 * `vulnledger report`: the weekly list — every open case at or above the threshold with its
 * resources, triage status, due date and overdue flag — on the console (`--format text`), as
 * Markdown (`--format md`), or sent through the configured notifiers (`--send`, via the outbox:
 * one entry per message, so each message of one invocation is delivered at most once).
 */
import { Option, type Command } from 'commander';
import { gatherReport, planReport } from '../../app/notify.js';
import { newRunId } from '../../app/run.js';
import { messages } from '../../core/i18n.js';
import { SEVERITY_THRESHOLDS, type SeverityThreshold } from '../../core/severity.js';
import { redact } from '../../util/logger.js';
import { loadCliConfig, makeContext, openLedger, UserError, type CliIo, type GlobalOptions } from '../context.js';
import { buildNotifiers, deliverNow, renderDeliverySummary } from '../notifications.js';
import { renderReportMarkdown, renderReportText } from '../report-format.js';

interface ReportOptions {
  send?: boolean;
  to?: string;
  format: 'text' | 'md';
  minSeverity?: SeverityThreshold;
}

export function registerReportCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('the weekly list: every open case at or above minSeverity with resources, triage status, due date, overdue flag')
    .addOption(new Option('--format <format>', 'console text or Markdown').choices(['text', 'md']).default('text'))
    .addOption(new Option('--min-severity <severity>', 'threshold (default: minSeverity of the config)').choices(SEVERITY_THRESHOLDS))
    .option('--send', 'send it through the configured notifiers (each with its own minSeverity and kinds) instead of printing it')
    .option('--to <names>', 'with --send: only these notifiers (comma-separated names)')
    .action(async (opts: ReportOptions, cmd: Command) => {
      const ctx = makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
      const out = (text: string) => io.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
      const loaded = loadCliConfig(ctx);
      const m = messages(loaded.config.language);
      const now = ctx.clock.now();
      const id = `report-${newRunId(now)}`;
      if (opts.to !== undefined && !opts.send) throw new UserError('--to needs --send');
      let notifiers = opts.send ? buildNotifiers(ctx, loaded) : [];
      if (opts.send) {
        if (notifiers.length === 0) throw new UserError('no notifiers configured: add a `notify:` list to the config (README: Notifications)');
        if (opts.to !== undefined) {
          const wanted = opts.to.split(',').map((s) => s.trim()).filter(Boolean);
          const unknown = wanted.filter((w) => !notifiers.some((n) => n.name === w));
          if (unknown.length > 0) throw new UserError(`--to: no notifier named ${unknown.join(', ')}; configured: ${notifiers.map((n) => n.name).join(', ')}`);
          notifiers = notifiers.filter((n) => wanted.includes(n.name));
        }
        const reportNotifiers = notifiers.filter((n) => n.routing.report);
        if (reportNotifiers.length === 0) throw new UserError('none of these notifiers takes reports (report: false)');
      }
      const store = await openLedger(ctx, loaded);
      try {
        if (!opts.send) {
          const data = await gatherReport(store, { id, at: now.toISOString(), minSeverity: opts.minSeverity ?? loaded.config.minSeverity });
          out(opts.format === 'md' ? renderReportMarkdown(data, m) : renderReportText(data, { colors: ctx.colors, messages: m }));
          return;
        }
        if (opts.minSeverity) throw new UserError('--min-severity applies to printing; with --send each notifier uses its own minSeverity');
        const entries = await store.transaction(async (tx) => {
          const planned = await planReport(tx, notifiers, { id, at: now.toISOString(), messages: m });
          await tx.enqueueOutbox(planned);
          return planned;
        });
        const perChannel = new Map<string, number>();
        for (const e of entries) perChannel.set(e.channel, (perChannel.get(e.channel) ?? 0) + 1);
        out(`Report ${id}: ${[...perChannel].map(([channel, count]) => `${channel} ${count} message(s)`).join(' · ')}`);
        const report = await deliverNow(ctx, loaded, store);
        out(renderDeliverySummary(report, ctx.colors).join('\n'));
        const mine = new Set(entries.map((e) => e.id));
        setExit(report.outcomes.some((o) => mine.has(o.id) && o.result !== 'delivered') ? 1 : 0);
      } finally {
        await store.close();
      }
    });
}
