/**
 * `vulnledger notion setup` (create or extend the database schema, deleting nothing) and
 * `vulnledger notion sync` (pull Notion edits into the ledger, then push the ledger to Notion,
 * without collecting sources — `run` does the same sync after collecting).
 */
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/load.js';
import type { NotionMirrorConfig } from '../../mirrors/notion/config.js';
import { notionSetup } from '../../mirrors/notion/index.js';
import type { SetupReport } from '../../mirrors/notion/setup.js';
import { redact } from '../../util/logger.js';
import { loadCliConfig, makeContext, openLedger, UserError, type CliContext, type CliIo, type GlobalOptions } from '../context.js';
import { syncMirrors } from '../mirrors.js';
import { messageOf } from '../../util/errors.js';

function notionConfigs(loaded: LoadedConfig, only: string | undefined): NotionMirrorConfig[] {
  const all = loaded.config.mirrors.filter((m): m is NotionMirrorConfig => m.type === 'notion');
  const chosen = only === undefined ? all : all.filter((m) => (m.name ?? m.type) === only);
  if (chosen.length === 0) {
    const names = all.map((m) => m.name ?? m.type);
    throw new UserError(
      only !== undefined && names.length > 0
        ? `no Notion mirror named "${only}" in ${loaded.file}; configured: ${names.join(', ')}`
        : `no Notion mirror in ${loaded.file}: add one under "mirrors:" (type: notion, token: \${NOTION_TOKEN}, database: <id or URL>); see the README section "Notion mirror"`,
    );
  }
  return chosen;
}

function renderSetup(name: string, r: SetupReport & { requests: { reads: number; writes: number } }, ctx: CliContext): string {
  const c = ctx.colors;
  const p = r.plan;
  const lines = [`${c.bold(`Notion mirror "${name}"`)}: database "${r.target.title}" (data source ${r.target.dataSourceId})`];
  lines.push(p.titleName ? `  title property "${p.titleName}" holds the case key (CVE ID for CVE cases)` : `  ${c.red('the data source has no title property')}`);
  if (p.add.length > 0) lines.push(`  added ${p.add.length} propert${p.add.length === 1 ? 'y' : 'ies'}: ${p.add.map((a) => `${a.name} (${a.type})`).join(', ')}`);
  for (const e of p.extend) lines.push(`  added options to ${e.name}: ${e.added.join(', ')} (existing options kept)`);
  if (p.matched.length > 0) lines.push(`  kept ${p.matched.length} existing propert${p.matched.length === 1 ? 'y' : 'ies'}: ${p.matched.map((m) => m.name).join(', ')}`);
  for (const m of p.mistyped) {
    lines.push(`  ${c.red('not usable')}: "${m.name}" is ${m.actual}, vulnledger writes ${m.expected.join(' or ')} — rename or retype it in Notion, or map "${m.field}" to another name under propertyNames`);
  }
  for (const g of p.statusGaps) {
    lines.push(`  ${c.yellow('add by hand')}: status property "${g.name}" has no option for ${g.missing.join(', ')} (Notion's API cannot add status options); until then those values are not written`);
  }
  lines.push(r.changed ? '  Nothing was deleted.' : '  The schema already has everything vulnledger writes; nothing was changed.');
  lines.push(`  ${r.requests.reads + r.requests.writes} request(s).`);
  return redact(lines.join('\n'));
}

export function registerNotionCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const notion = program.command('notion').description('the two-way Notion mirror: set up the database, sync without a run');

  notion
    .command('setup')
    .description('create or extend the Notion database schema (adds properties and select options; deletes nothing)')
    .option('--mirror <name>', 'only this mirror (default: every Notion mirror)')
    .action(async (opts: { mirror?: string }, cmd: Command) => {
      const ctx = makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
      const loaded = loadCliConfig(ctx);
      let failed = false;
      for (const config of notionConfigs(loaded, opts.mirror)) {
        const name = config.name ?? config.type;
        try {
          const report = await notionSetup(config, { log: ctx.log, clock: ctx.clock });
          out(renderSetup(name, report, ctx));
          if (report.plan.mistyped.length > 0 || report.plan.titleName === null) failed = true;
        } catch (error) {
          out(redact(`${ctx.colors.bold(`Notion mirror "${name}"`)}: ${ctx.colors.red('setup failed')}: ${messageOf(error)}`));
          failed = true;
        }
      }
      setExit(failed ? 1 : 0);
    });

  notion
    .command('sync')
    .description('pull edits made in Notion into the ledger, then push the ledger to Notion (what `run` does after collecting)')
    .option('--mirror <name>', 'only this mirror (default: every mirror)')
    .option('--recreate-deleted', 'create pages again for cases whose page was deleted in Notion')
    .action(async (opts: { mirror?: string; recreateDeleted?: boolean }, cmd: Command) => {
      const ctx = makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
      const loaded = loadCliConfig(ctx);
      notionConfigs(loaded, opts.mirror);
      const store = await openLedger(ctx, loaded);
      try {
        const ok = await syncMirrors(ctx, loaded, store, out, { only: opts.mirror, recreateDeleted: opts.recreateDeleted === true });
        setExit(ok ? 0 : 1);
      } finally {
        await store.close();
      }
    });
}
