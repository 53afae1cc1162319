import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import type { Logger } from '../core/ports.js';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

/** One migration step and how it went (Kysely's result set, reported per step). */
export interface MigrationStep {
  name: string;
  status: 'Success' | 'Error' | 'NotExecuted';
}

/** A migration that failed: names the step; the database is left at the previous step. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const provider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Applies every pending migration; logs each step; throws `MigrationError` naming the failed step. */
export async function migrateToLatest(db: Kysely<Database>, log: Logger): Promise<MigrationStep[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const steps: MigrationStep[] = (results ?? []).map((r) => ({ name: r.migrationName, status: r.status }));
  for (const step of steps) {
    if (step.status === 'Success') log.info('migration applied', { migration: step.name });
    else if (step.status === 'Error') log.error('migration failed', { migration: step.name });
  }
  if (error) {
    const failed = steps.find((s) => s.status === 'Error')?.name ?? 'unknown step';
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Database migration ${failed} failed: ${reason}. The ledger was left at the previous step; nothing else was written.`);
  }
  return steps;
}
