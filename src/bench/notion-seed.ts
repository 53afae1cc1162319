/**
 * A ledger of N synthetic cases, written by the real run use case from an in-memory source: the
 * Notion benchmark syncs it, and the mirror tests build their ledgers with it.
 */
import { runLedger, type RunReport } from '../app/run.js';
import type { Clock } from '../core/clock.js';
import { FINDING_KINDS, type Finding, type FindingKind } from '../core/finding.js';
import { caseKeyFor, fingerprint } from '../core/identity.js';
import type { FindingSource, LedgerStore, Logger } from '../core/ports.js';
import type { Severity } from '../core/severity.js';

/** One synthetic finding: case `i` (a container CVE, a machine vulnerability or a SQL rule). */
export function syntheticFinding(i: number, overrides: Partial<Finding> = {}): Finding {
  const kind: FindingKind = overrides.kind ?? (i % 5 === 3 ? 'machine' : i % 5 === 4 ? 'sql' : 'registryImage');
  const vulnId = overrides.vulnId ?? (kind === 'sql' ? `VA${2000 + i}` : `CVE-2026-${String(10000 + i)}`);
  const server = kind === 'sql' ? 'sql-prod-01' : null;
  const assetKey = overrides.assetKey ?? (kind === 'machine' ? `/subscriptions/s1/resourcegroups/rg-vm/providers/microsoft.compute/virtualmachines/vm-${i % 7}` : kind === 'sql' ? `sql-prod-01/orders` : `contosoacr.azurecr.io/app-${i % 11}`);
  const severity: Severity = overrides.severity ?? (i % 4 === 0 ? 'Critical' : 'High');
  const resourceName = kind === 'machine' ? `vm-${i % 7}` : kind === 'sql' ? 'orders' : 'contosoacr';
  return {
    fingerprint: fingerprint(kind, assetKey, vulnId),
    kind,
    assetKey,
    vulnId,
    caseKey: caseKeyFor(kind, vulnId, server),
    severity,
    severitySource: 'cve',
    cvss: severity === 'Critical' ? 9.8 : 7.5,
    title: `${vulnId}: synthetic vulnerability ${i}`,
    description: `Synthetic finding ${i} for the Notion mirror benchmark and tests.`,
    impact: 'An attacker could do something bad.',
    remediation: 'Update the package.',
    references: [],
    publishedAt: null,
    detectedAt: '2026-11-01T00:00:00Z',
    resource: {
      id: kind === 'machine' ? assetKey : `/subscriptions/s1/resourcegroups/rg-${kind}/providers/microsoft.containerregistry/registries/${resourceName}`,
      name: resourceName,
      subscriptionId: 's1',
      resourceGroup: kind === 'machine' ? 'rg-vm' : `rg-${kind}`,
      type: kind === 'machine' ? 'microsoft.compute/virtualmachines' : 'microsoft.containerregistry/registries',
    },
    repository: kind === 'registryImage' ? assetKey : null,
    digests: kind === 'registryImage' ? [`sha256:${String(i).padStart(12, '0')}`] : [],
    tags: [],
    database: kind === 'sql' ? 'orders' : null,
    server,
    software: kind === 'sql' ? null : 'openssl',
    installedVersions: kind === 'sql' ? [] : ['3.0.13'],
    fixedVersion: kind === 'sql' ? null : '3.0.14',
    fixAvailable: kind === 'sql' ? null : true,
    exploit: null,
    model: 'individual',
    sourceRecordId: `row-${i}`,
    ...overrides,
  };
}

/** An in-memory source that reports exactly `findings` (a complete read). */
export function syntheticSource(findings: readonly Finding[], name = 'synthetic'): FindingSource {
  return {
    name,
    type: 'synthetic',
    kinds: FINDING_KINDS,
    async *collect() {
      yield { findings: [...findings], skipped: [] };
      return { coverage: { complete: true }, notes: [] };
    },
  };
}

/** Runs the ledger once with `findings` (as `vulnledger run` would). */
export function runWith(store: LedgerStore, findings: readonly Finding[], options: { clock: Clock; log: Logger }): Promise<RunReport> {
  return runLedger(store, [syntheticSource(findings)], {
    minSeverity: 'High',
    sla: { days: { Critical: 7, High: 30, Medium: 90, Low: 180 }, dueSoonDays: 3, restartOnReopen: false },
    clock: options.clock,
    log: options.log,
  });
}

/** Seeds a ledger with `n` cases (one finding each). */
export function seedLedger(store: LedgerStore, n: number, options: { clock: Clock; log: Logger }): Promise<RunReport> {
  return runWith(store, Array.from({ length: n }, (_, i) => syntheticFinding(i)), options);
}
