import { describe, expect, it } from 'vitest';
import type { Finding } from './finding.js';
import { fingerprint } from './identity.js';
import { findingContentHash } from './lifecycle.js';

// Ledgers keep these values: a new formula would make every finding of an upgraded ledger look new
// or changed on the next run. Values pinned from the released formulas, on literal inputs (not a
// test builder whose defaults may change).
const FINDING: Finding = {
  fingerprint: '0f',
  kind: 'registryImage',
  assetKey: 'contosoprodacr.azurecr.io/payments/api',
  vulnId: 'CVE-2024-6119',
  caseKey: 'CVE-2024-6119',
  severity: 'High',
  severitySource: 'cve',
  cvss: 7.5,
  title: 'CVE-2024-6119: Possible denial of service',
  description: 'desc',
  impact: '',
  remediation: '',
  references: [],
  publishedAt: null,
  detectedAt: '2026-08-02T04:11:52Z',
  resource: { id: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr', name: 'acr', subscriptionId: 's1', resourceGroup: 'rg', type: 'microsoft.containerregistry/registries' },
  repository: 'contosoprodacr.azurecr.io/payments/api',
  digests: ['sha256:aaa'],
  tags: [],
  database: null,
  server: null,
  software: 'openssl',
  installedVersions: ['3.0.13'],
  fixedVersion: '3.0.14',
  fixAvailable: true,
  exploit: null,
  model: 'individual',
  sourceRecordId: 'row-1',
};

describe('stored identities never change between versions', () => {
  it('fingerprint', () => {
    expect(fingerprint('machine', '/subs/x/vm1', 'CVE-2024-1')).toBe('12c564c2bf41671df1837ee843b0b357');
  });

  it('content hash', () => {
    expect(findingContentHash(FINDING)).toBe('a4ac46412c2f465039a0b5f112ff42d1');
  });
});
