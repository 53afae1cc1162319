/**
 * Kysely's SQLite dialect, with one correction: SQLite's DDL is transactional, but Kysely's
 * SqliteAdapter says it is not, so its Migrator would run migrations outside a transaction and a
 * failure half-way (or a killed process) would leave a half-migrated ledger that the next start
 * cannot migrate. Saying so makes the Migrator run all pending migrations in one transaction.
 */
import { SqliteAdapter, SqliteDialect } from 'kysely';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class LedgerSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
