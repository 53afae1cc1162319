import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Logger } from '../core/ports.js';
import { messageOf } from '../util/errors.js';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** One migration step and how it went (Kysely's result set, reported per step). */
export interface MigrationStep {
  name: string;
  status: 'Success' | 'Error' | 'NotExecuted';
}

/** A migration that failed: names the step; the database is left as it was before the run of migrations. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Applies every pending migration, all in one transaction (see sqlite-dialect.ts); logs each step;
 * throws `MigrationError` naming the failed step, with the ledger left as it was.
 */
export async function migrateToLatest(db: Kysely<Database>, log: Logger, migrations: Record<string, Migration> = MIGRATIONS): Promise<MigrationStep[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const steps: MigrationStep[] = (results ?? []).map((r) => ({ name: r.migrationName, status: r.status }));
  if (error) {
    const failed = steps.find((s) => s.status === 'Error')?.name ?? 'unknown step';
    log.error('migration failed; no step was applied', { migration: failed });
    const reason = messageOf(error);
    throw new MigrationError(`Database migration ${failed} failed: ${reason}. No migration step was applied; the ledger is as it was before.`);
  }
  for (const step of steps) log.info('migration applied', { migration: step.name });
  return steps;
}
