import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { nullLogger } from '../../util/logger.js';
import { openSqliteLedger } from '../sqlite.js';
import { MIGRATIONS } from './index.js';

/** A findings row as migration 0001 created them (text inline). */
function oldRow(fingerprint: string, title: string, description: string) {
  return {
    source: 'defender',
    fingerprint,
    case_key: 'CVE-2024-6119',
    kind: 'registryImage',
    asset_key: `acr.azurecr.io/app-${fingerprint}`,
    vuln_id: 'CVE-2024-6119',
    severity: 'High',
    severity_source: 'cve',
    cvss: 7.5,
    title,
    description,
    impact: '',
    remediation: 'Upgrade openssl.',
    references_json: '["https://nvd.nist.gov/vuln/detail/CVE-2024-6119"]',
    published_at: '2024-09-03T00:00:00Z',
    detected_at: null,
    resource_id: '/subscriptions/s/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr',
    resource_name: 'acr',
    subscription_id: 's',
    resource_group: 'rg',
    resource_type: 'microsoft.containerregistry/registries',
    repository: `acr.azurecr.io/app-${fingerprint}`,
    digests_json: '[]',
    tags_json: '[]',
    database_name: null,
    server: null,
    software: 'openssl',
    installed_versions_json: '["3.0.13"]',
    fixed_version: '3.0.15',
    fix_available: 1,
    exploit_json: null,
    model: 'individual',
    source_record_id: `row-${fingerprint}`,
    state: 'open',
    first_seen: '2026-07-27T06:00:00.000Z',
    last_seen: '2026-07-27T06:00:00.000Z',
    resolved_at: null,
    reopened_at: null,
    content_hash: `hash-${fingerprint}`,
  };
}

describe('migration 0006-finding-texts', () => {
  it('moves each distinct text of existing findings into finding_texts once and keeps every finding readable', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vl-m6-')), 'ledger.db');
    // A ledger as the previous release left it: migrations up to 0005, findings with inline text.
    const old = new Kysely<{ findings: ReturnType<typeof oldRow> }>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0006'));
    const result = await new Migrator({ db: old as unknown as Kysely<unknown>, provider: { getMigrations: async () => before } }).migrateToLatest();
    expect(result.error).toBeUndefined();
    const shared = 'CVE-2024-6119: openssl: Possible denial of service in X.509 name checks';
    for (const row of [oldRow('a', shared, 'Same text'), oldRow('b', shared, 'Same text'), oldRow('c', 'Another title 本番', 'Different text 😀')]) {
      await old.insertInto('findings').values(row).execute();
    }
    await old.destroy();

    const { store, migrations } = await openSqliteLedger(file, { clock: fixedClock('2026-11-30T00:00:00Z'), log: nullLogger });
    try {
      expect(migrations.map((m) => [m.name, m.status])).toEqual([
        ['0006-finding-texts', 'Success'],
        ['0007-findings-open-index', 'Success'],
      ]);
      const findings = await store.findingsOfCase('CVE-2024-6119');
      expect(findings.map((f) => [f.fingerprint, f.title, f.description, f.remediation, f.references, f.publishedAt, f.contentHash])).toEqual([
        ['a', shared, 'Same text', 'Upgrade openssl.', ['https://nvd.nist.gov/vuln/detail/CVE-2024-6119'], '2024-09-03T00:00:00Z', 'hash-a'],
        ['b', shared, 'Same text', 'Upgrade openssl.', ['https://nvd.nist.gov/vuln/detail/CVE-2024-6119'], '2024-09-03T00:00:00Z', 'hash-b'],
        ['c', 'Another title 本番', 'Different text 😀', 'Upgrade openssl.', ['https://nvd.nist.gov/vuln/detail/CVE-2024-6119'], '2024-09-03T00:00:00Z', 'hash-c'],
      ]);
    } finally {
      await store.close();
    }
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      expect(db.prepare('select count(*) n from finding_texts').get()).toEqual({ n: 2 });
      const columns = (db.prepare('pragma table_info(findings)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toContain('text_id');
      expect(columns).not.toContain('description');
    } finally {
      db.close();
    }
  });
});
