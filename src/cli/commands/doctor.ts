/** `vulnledger doctor`: validates the setup without writing anything and without printing secrets. */
import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import { runDoctor, type CheckResult, type DoctorCheck } from '../../app/doctor.js';
import { resolveConfigPath, type LoadedConfig } from '../../config/load.js';
import { redact } from '../../util/logger.js';
import { buildDoctorChecks, loadCliConfig, makeContext, type CliIo, type GlobalOptions } from '../context.js';
import { messageOf } from '../../util/errors.js';

const DAMAGED_HINT = 'The file is damaged: restore it from a backup, or move it aside and rebuild the ledger with `vulnledger run` (triage records and history would be lost).';

function databaseCheck(loaded: LoadedConfig): DoctorCheck {
  const file = resolveConfigPath(loaded, loaded.config.database);
  return {
    name: 'database',
    async run() {
      if (!existsSync(file)) return { name: 'database', status: 'warn', detail: `${file} does not exist yet`, hint: 'It is created by the first `vulnledger run`.' };
      try {
        const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare("select count(*) n from sqlite_master where name = 'kysely_migration'").get() as { n: number };
          const runs = row.n > 0 ? (db.prepare('select count(*) n from runs').get() as { n: number }).n : 0;
          const problems = (db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok');
          if (problems.length > 0) {
            return {
              name: 'database',
              status: 'fail',
              detail: `${file}: the integrity check found ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`,
              hint: DAMAGED_HINT,
            };
          }
          return { name: 'database', status: 'ok', detail: `${file} (${runs} run(s) recorded, integrity check ok)` };
        } finally {
          db.close();
        }
      } catch (error) {
        const message = messageOf(error);
        const damaged = /malformed|not a database|corrupt/i.test(message);
        return { name: 'database', status: 'fail', detail: `${file}: ${message}`, hint: damaged ? DAMAGED_HINT : 'Check the "database" path and permissions.' };
      }
    },
  };
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function registerDoctorCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check the config, the database, credentials and every configured source, notifier and mirror (writes nothing)')
    .action(async (_opts, cmd: Command) => {
      const ctx = makeContext(io, cmd.optsWithGlobals<GlobalOptions>());
      const c = ctx.colors;
      const print = (r: CheckResult): void => {
        const mark = r.status === 'ok' ? c.green(MARK.ok) : r.status === 'warn' ? c.yellow(MARK.warn) : r.status === 'fail' ? c.red(MARK.fail) : c.dim(MARK.skip);
        io.stdout.write(redact(`${mark}  ${r.name}: ${r.detail}${r.hint && r.status !== 'ok' ? `\n      fix: ${r.hint}` : ''}`) + '\n');
      };
      let loaded: LoadedConfig;
      try {
        loaded = loadCliConfig(ctx);
      } catch (error) {
        print({ name: 'config', status: 'fail', detail: messageOf(error), hint: 'Fix the config file (or run `vulnledger init`).' });
        setExit(1);
        return;
      }
      const { sources, notify, mirrors } = loaded.config;
      print({ name: 'config', status: 'ok', detail: `${loaded.file} (${sources.length} source(s), ${notify.length} notifier(s), ${mirrors.length} mirror(s))` });
      const report = await runDoctor([databaseCheck(loaded), ...buildDoctorChecks(ctx, loaded)], { onResult: print });
      const failed = report.results.filter((r) => r.status === 'fail').length;
      io.stdout.write(failed === 0 ? `\n${c.green('All checks passed.')}\n` : `\n${c.red(`${failed} check(s) failed.`)}\n`);
      setExit(failed === 0 ? 0 : 1);
    });
}
