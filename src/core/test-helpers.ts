/** Builders for core tests (not exported from the package). */
import type { Finding, StoredFinding } from './finding.js';
import { caseKeyFor, fingerprint } from './identity.js';

/** A realistic registry-image finding; override any field. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  const kind = overrides.kind ?? 'registryImage';
  const assetKey = overrides.assetKey ?? 'contosoprodacr.azurecr.io/payments/api';
  const vulnId = overrides.vulnId ?? 'CVE-2024-6119';
  const server = overrides.server ?? null;
  return {
    fingerprint: fingerprint(kind, assetKey, vulnId),
    kind,
    assetKey,
    vulnId,
    caseKey: caseKeyFor(kind, vulnId, server),
    severity: 'High',
    severitySource: 'cve',
    cvss: 7.5,
    title: `${vulnId}: Possible denial of service`,
    description: 'desc',
    impact: '',
    remediation: '',
    references: [],
    publishedAt: null,
    detectedAt: '2026-08-02T04:11:52Z',
    resource: { id: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerregistry/registries/acr', name: 'acr', subscriptionId: 's1', resourceGroup: 'rg', type: 'microsoft.containerregistry/registries' },
    repository: assetKey,
    digests: ['sha256:aaa'],
    tags: [],
    database: null,
    server,
    software: 'openssl',
    installedVersions: ['3.0.13'],
    fixedVersion: '3.0.14',
    fixAvailable: true,
    exploit: null,
    model: 'individual',
    sourceRecordId: 'row-1',
    ...overrides,
  };
}

export function stored(f: Finding, overrides: Partial<StoredFinding> = {}): StoredFinding {
  return { ...f, source: 'src', state: 'open', firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-01T00:00:00.000Z', resolvedAt: null, reopenedAt: null, contentHash: 'h', ...overrides };
}
