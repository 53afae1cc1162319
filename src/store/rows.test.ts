import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { makeFinding } from '../core/test-helpers.js';
import { nullLogger } from '../util/logger.js';
import { openSqliteLedger } from './sqlite.js';

const AT = '2026-11-30T06:00:00.000Z';

describe('findings round-trip through the store', () => {
  it('every field of a new finding (and an update of it) reads back as written', async () => {
    const { store } = await openSqliteLedger(':memory:', { clock: fixedClock(AT), log: nullLogger });
    try {
      // Distinct values everywhere, so a column written in the wrong place cannot go unnoticed.
      const finding = makeFinding({
        kind: 'sql',
        assetKey: '/subscriptions/s9/resourcegroups/rg-データ/providers/microsoft.sql/servers/sql-1/databases/orders',
        vulnId: 'VA2065',
        severity: 'Critical',
        severitySource: 'rule',
        cvss: 9.1,
        title: 'Server-level firewall rules should be tracked',
        description: 'A description 😀',
        impact: 'An impact',
        remediation: 'A remediation',
        references: ['https://example.test/a', 'https://example.test/b'],
        publishedAt: '2024-01-02T00:00:00Z',
        detectedAt: '2026-08-02T04:11:52Z',
        resource: { id: '/subscriptions/s9/rg/x', name: 'sql-1', subscriptionId: 's9', resourceGroup: 'rg-データ', type: 'microsoft.sql/servers' },
        repository: 'registry.example/app',
        digests: ['sha256:d1'],
        tags: ['t1'],
        database: 'orders',
        server: 'sql-srv-9',
        software: 'SQL Server',
        installedVersions: ['16.0'],
        fixedVersion: '16.0.4',
        fixAvailable: false,
        exploit: { publicExploit: true, verified: false, inExploitKit: true },
        model: 'grouped',
        sourceRecordId: '/subscriptions/s9/providers/microsoft.security/assessments/a/subassessments/b',
      });
      const read = await store.transaction(async (tx) => {
        await tx.insertNewFindings('defender', AT, [{ finding, contentHash: 'hash-1' }]);
        return tx.getFindings('defender', [finding.fingerprint]);
      });
      expect(read.get(finding.fingerprint)).toEqual({
        ...finding,
        source: 'defender',
        state: 'open',
        firstSeen: AT,
        lastSeen: AT,
        resolvedAt: null,
        reopenedAt: null,
        contentHash: 'hash-1',
      });

      const changed = {
        ...read.get(finding.fingerprint)!,
        description: 'Changed',
        state: 'resolved' as const,
        lastSeen: '2026-12-07T06:00:00.000Z',
        resolvedAt: '2026-12-14T06:00:00.000Z',
        reopenedAt: '2026-12-01T06:00:00.000Z',
        contentHash: 'hash-2',
      };
      const { source: _source, state, firstSeen, lastSeen, resolvedAt, reopenedAt, contentHash, ...attributes } = changed;
      const after = await store.transaction(async (tx) => {
        await tx.updateFindings('defender', [{ finding: attributes, lifecycle: { state, firstSeen, lastSeen, resolvedAt, reopenedAt, contentHash }, previousCaseKey: finding.caseKey }]);
        return tx.getFindings('defender', [finding.fingerprint]);
      });
      expect(after.get(finding.fingerprint)).toEqual(changed);
    } finally {
      await store.close();
    }
  });
});
