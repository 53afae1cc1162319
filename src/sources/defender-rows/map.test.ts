import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../core/finding.js';
import { fingerprint } from '../../core/identity.js';
import { findingContentHash } from '../../core/lifecycle.js';
import { SEVERITIES } from '../../core/severity.js';
import { cleanText, cut, firstSentence, isoDate, parseImageRef, workloadOf, workloadOfPod } from './common.js';
import { mapDefenderRow, type RowMapping } from './map.js';
import { propertyRuns } from '../../../test/helpers/property.js';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function fixture(name: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

function rowsOf(name: string): Row[] {
  const data = fixture(name);
  return Array.isArray(data) ? data : data.data;
}

const clone = <T>(value: T): T => structuredClone(value);

const individualContainer = rowsOf('individual-container-rows.json');
const individualMachine = rowsOf('individual-machine-rows.json');
const individualSql = rowsOf('individual-sql-rows.json');
const individualSpec = rowsOf('arg-individual-assessment-rows.json');
const groupedContainer = rowsOf('arg-container-rows.json');
const groupedServer = rowsOf('arg-server-rows.json');
const groupedSql = rowsOf('arg-sql-rows.json');
const docs = fixture('docs-mdvm-container-arg-results.json');
const specQualys: Row = fixture('spec-subassessment-get-container-qualys.json').responses['200'].body;
const specSql: Row = fixture('spec-subassessment-list-sql.json').responses['200'].body.value[0];

const ALL_ROWS: Row[] = [
  ...individualContainer,
  ...individualMachine,
  ...individualSql,
  ...individualSpec,
  ...groupedContainer,
  ...groupedServer,
  ...groupedSql,
  ...docs.azureQueryResult,
  ...docs.awsQueryResult,
  ...docs.gcpQueryResult,
  specQualys,
  specSql,
];

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const SUB2 = '7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c';
const ACR_ID = `/subscriptions/${SUB}/resourcegroups/rg-本番-東京/providers/microsoft.containerregistry/registries/contosoprodacr`;
const DIGEST_81 = 'sha256:81c382dc1f407346caec873d415b18440f81bf22dc07fd5bf17bde4f6245045a';
const DIGEST_9C = 'sha256:9c7b3a5e1f2d4c6b8a0e2f4d6c8b0a2e4f6d8c0b2a4e6f8d0c2b4a6e8f0d2c4b';

function findings(raw: unknown): Finding[] {
  const mapped = mapDefenderRow(raw);
  expect(mapped.skipped).toBeNull();
  expect(mapped.findings.length).toBeGreaterThan(0);
  return mapped.findings;
}

function only(raw: unknown): Finding {
  const list = findings(raw);
  expect(list).toHaveLength(1);
  return list[0] as Finding;
}

function byVuln(list: Finding[], vulnId: string): Finding {
  const found = list.find((f) => f.vulnId === vulnId);
  if (found === undefined) throw new Error(`no finding for ${vulnId}`);
  return found;
}

function withStatus(row: Row, code: string): Row {
  const copy = clone(row);
  copy.properties.status = { ...copy.properties.status, code };
  return copy;
}

/** Checks the invariants every mapping keeps, whatever the input. */
function expectWellFormed(mapped: RowMapping): void {
  expect(mapped.findings.length > 0 !== (mapped.skipped !== null)).toBe(true);
  for (const f of mapped.findings) {
    expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(f.fingerprint).toBe(fingerprint(f.kind, f.assetKey, f.vulnId));
    expect(f.vulnId).not.toBe('');
    expect(f.vulnId).toBe(f.vulnId.toUpperCase());
    expect(f.assetKey).not.toBe('');
    expect(f.assetKey).toBe(f.assetKey.toLowerCase());
    expect(SEVERITIES).toContain(f.severity);
    expect(f.description.length).toBeLessThanOrEqual(100_001);
    expect(f.impact.length).toBeLessThanOrEqual(100_001);
    expect(f.remediation.length).toBeLessThanOrEqual(100_001);
    for (const url of f.references) expect(url).toMatch(/^https?:\/\//i);
    if (f.cvss !== null) expect(f.cvss >= 0 && f.cvss <= 10).toBe(true);
  }
  if (mapped.skipped !== null) {
    expect(['healthy', 'not-applicable', 'not-ours', 'unrecognised', 'invalid']).toContain(mapped.skipped.reason);
  }
}

// ------------------------------------------------------------------------------------------------
describe('individual model: registry images', () => {
  const row = individualContainer[0] as Row;
  const cves = JSON.parse(row.properties.additionalData.CvesDetails as string) as Row[];

  it('maps one finding per CVE with every field', () => {
    const list = findings(row);
    expect(list.map((f) => f.vulnId)).toEqual(['CVE-2024-6119', 'CVE-2024-5535', 'CVE-2025-27587']);
    expect(byVuln(list, 'CVE-2024-6119')).toEqual({
      fingerprint: fingerprint('registryImage', 'contosoprodacr.azurecr.io/payments/api', 'CVE-2024-6119'),
      kind: 'registryImage',
      assetKey: 'contosoprodacr.azurecr.io/payments/api',
      vulnId: 'CVE-2024-6119',
      caseKey: 'CVE-2024-6119',
      severity: 'High',
      severitySource: 'cve',
      cvss: 7.5,
      title: 'CVE-2024-6119: Possible denial of service in X.509 name checks',
      description: cves[0]?.Description,
      impact: 'Denial of service',
      remediation: 'Upgrade openssl to 3.0.14-1~deb12u2 or later.',
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2024-6119'],
      publishedAt: '2024-09-03T16:15:06.2570000Z',
      detectedAt: '2026-08-02T04:11:52.5127731Z',
      resource: {
        id: ACR_ID,
        name: 'contosoprodacr',
        subscriptionId: SUB,
        resourceGroup: 'rg-本番-東京',
        type: 'microsoft.containerregistry/registries',
      },
      repository: 'contosoprodacr.azurecr.io/payments/api',
      digests: [DIGEST_81],
      tags: [],
      database: null,
      server: null,
      software: 'openssl',
      installedVersions: ['3.0.13-1~deb12u1'],
      fixedVersion: '3.0.14-1~deb12u2',
      fixAvailable: true,
      exploit: { publicExploit: false, verified: false, inExploitKit: false },
      model: 'individual',
      sourceRecordId: row.id,
    });
  });

  it('uses the first sentence of the description when the summary is empty', () => {
    const f = byVuln(findings(row), 'CVE-2024-5535');
    expect(f.title).toBe('CVE-2024-5535: SSL_select_next_proto buffer overread');
    expect(f.severity).toBe('Critical');
    expect(f.severitySource).toBe('cve');
    expect(f.cvss).toBe(9.1);
    expect(f.references).toEqual([]);
    expect(f.impact).toBe('');
    // No own remediation: the recommendation's (Microsoft's workbook does the same).
    expect(f.remediation).toBe('Update openssl to version 3.0.14-1~deb12u2 or later and rebuild the image.');
    expect(f.exploit).toEqual({ publicExploit: true, verified: false, inExploitKit: false });
  });

  it('falls back to the recommendation severity for an Unknown CVE, and keeps NoFixAvailable', () => {
    const f = byVuln(findings(row), 'CVE-2025-27587');
    expect(f.severity).toBe('High');
    expect(f.severitySource).toBe('recommendation');
    expect(f.cvss).toBeNull();
    expect(f.title).toBe('CVE-2025-27587: Timing side channel (disputed)');
    expect(f.fixedVersion).toBeNull();
    expect(f.fixAvailable).toBe(false);
    expect(f.publishedAt).toBe('2025-04-16T21:15:46.0000000Z');
  });

  it('skips the Healthy registry row', () => {
    const mapped = mapDefenderRow(individualContainer[1]);
    expect(mapped).toEqual({
      findings: [],
      skipped: { reason: 'healthy', id: individualContainer[1]?.id },
      model: 'individual',
      notes: [],
    });
  });

  it('reads a registry row whose id has no securityentitydata segment (spec sample)', () => {
    const f = only(individualSpec[1]);
    expect(f).toMatchObject({
      kind: 'registryImage',
      assetKey: 'contosoprodacr.azurecr.io/payments/api',
      vulnId: 'CVE-2024-6119',
      severity: 'High',
      severitySource: 'cve',
      cvss: 7.5,
      // "..." is an ellipsis, not a sentence end, so the whole (short) description is the title text.
      title: 'CVE-2024-6119: Issue summary: Applications performing certificate name checks ... may attempt to read an invalid memory address ...',
      impact: '',
      digests: [DIGEST_9C],
      detectedAt: null,
      publishedAt: '2024-09-03T00:00:00Z',
      exploit: { publicExploit: false, verified: false, inExploitKit: false },
      resource: {
        id: `/subscriptions/${SUB}/resourcegroups/rg-prod-acr/providers/microsoft.containerregistry/registries/contosoprodacr`,
        name: 'contosoprodacr',
        subscriptionId: SUB,
        resourceGroup: 'rg-prod-acr',
        type: 'microsoft.containerregistry/registries',
      },
    });
  });
});

describe('individual model: running containers', () => {
  it('keys the finding on the workload, not the pod or image', () => {
    const row = individualContainer[2] as Row;
    const f = only(row);
    const cluster = `/subscriptions/${SUB}/resourcegroups/rg-aks-検証/providers/microsoft.containerservice/managedclusters/aks-prod-01`;
    expect(f).toMatchObject({
      kind: 'runningContainer',
      assetKey: `${cluster}/billing/deployment/billing-worker/worker`,
      vulnId: 'CVE-2024-6119',
      caseKey: 'CVE-2024-6119',
      severity: 'Medium',
      severitySource: 'cve',
      cvss: 5.9,
      title: 'CVE-2024-6119: Possible denial of service in X.509 name checks',
      resource: {
        id: cluster,
        name: 'aks-prod-01',
        subscriptionId: SUB,
        resourceGroup: 'rg-aks-検証',
        type: 'microsoft.containerservice/managedclusters',
      },
      repository: 'contosoprodacr.azurecr.io/payments/api',
      digests: [DIGEST_81],
      tags: ['1.4.2'],
      software: 'openssl',
      fixedVersion: '3.0.14-1~deb12u2',
      fixAvailable: true,
      detectedAt: '2026-08-05T12:30:00.0000000Z',
      model: 'individual',
    });
  });

  it('normalises a ReplicaSet controller to its Deployment', () => {
    const row = clone(individualContainer[2] as Row);
    const rad = JSON.parse(row.properties.resourceAdditionalData as string) as Row;
    rad.ControllerKind = 'ReplicaSet';
    rad.ControllerName = 'billing-worker-7d9f8c6b5';
    row.properties.resourceAdditionalData = JSON.stringify(rad);
    expect(only(row).assetKey).toBe(only(individualContainer[2]).assetKey);
  });
});

describe('individual model: machines', () => {
  const vm = `/subscriptions/${SUB}/resourcegroups/rg-本番-東京/providers/microsoft.compute/virtualmachines/vm-web-01`;

  it('takes the recommendation severity when every inline CVE severity is Unknown', () => {
    const list = findings(individualMachine[0]);
    expect(list.map((f) => f.vulnId)).toEqual(['CVE-2026-1234', 'CVE-2026-1235']);
    expect(byVuln(list, 'CVE-2026-1234')).toEqual({
      fingerprint: fingerprint('machine', vm, 'CVE-2026-1234'),
      kind: 'machine',
      assetKey: vm,
      vulnId: 'CVE-2026-1234',
      caseKey: 'machine:CVE-2026-1234',
      severity: 'High',
      severitySource: 'recommendation',
      cvss: null,
      title:
        'CVE-2026-1234: Use after free in Google Chrome V8 that allowed a remote attacker to potentially exploit heap corruption via a crafted HTML page',
      description: (
        JSON.parse(individualMachine[0]?.properties.additionalData.CvesDetails as string) as Row[]
      )[0]?.Description.trim(),
      impact: '',
      remediation: 'Update Google Chrome to version 139.0.7258.66 or later.',
      references: [],
      publishedAt: '2026-07-29T00:00:00.0000000Z',
      detectedAt: '2026-07-30T06:02:17.4410000Z',
      resource: { id: vm, name: 'vm-web-01', subscriptionId: SUB, resourceGroup: 'rg-本番-東京', type: 'microsoft.compute/virtualmachines' },
      repository: null,
      digests: [],
      tags: [],
      database: null,
      server: null,
      software: 'chrome',
      installedVersions: ['138.0.7204.184', '138.0.7204.169'],
      fixedVersion: '139.0.7258.66',
      fixAvailable: true,
      exploit: null,
      model: 'individual',
      sourceRecordId: individualMachine[0]?.id,
    });
    expect(byVuln(list, 'CVE-2026-1235').title).toBe('CVE-2026-1235: Inappropriate implementation in Extensions');
  });

  it('mixes CVE and recommendation severities on an Arc machine', () => {
    const list = findings(individualMachine[1]);
    const arc = `/subscriptions/${SUB}/resourcegroups/rg-オンプレ-大阪/providers/microsoft.hybridcompute/machines/osk-db-02`;
    expect(byVuln(list, 'CVE-2024-6387')).toMatchObject({
      assetKey: arc,
      severity: 'High',
      severitySource: 'cve',
      cvss: 8.1,
      title: "CVE-2024-6387: A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd)",
      fixedVersion: '1:8.9p1-3ubuntu0.10',
      resource: { id: arc, name: 'osk-db-02', subscriptionId: SUB, resourceGroup: 'rg-オンプレ-大阪', type: 'microsoft.hybridcompute/machines' },
      detectedAt: '2026-06-14T11:47:00.0000000Z',
    });
    expect(byVuln(list, 'CVE-2025-26465')).toMatchObject({
      severity: 'Critical',
      severitySource: 'recommendation',
      title: 'CVE-2025-26465 in openssh',
      description: '',
      fixedVersion: '1:8.9p1-3ubuntu0.11',
      fixAvailable: true,
    });
  });

  it('skips the Healthy machine row', () => {
    expect(mapDefenderRow(individualMachine[2]).skipped).toEqual({ reason: 'healthy', id: individualMachine[2]?.id });
  });

  it('reads the lower-cased ResourceType of the spec sample', () => {
    const list = findings(individualSpec[0]);
    expect(list.map((f) => [f.vulnId, f.severity, f.severitySource, f.title])).toEqual([
      ['CVE-2024-5274', 'High', 'cve', 'CVE-2024-5274 in chrome'],
      ['CVE-2024-6100', 'Medium', 'cve', 'CVE-2024-6100 in chrome'],
    ]);
    expect(list[0]?.fixedVersion).toBe('126.0.6478.126');
    expect(list[0]?.fixAvailable).toBe(true);
  });
});

describe('individual model: SQL vulnerability assessment', () => {
  it('maps an Azure SQL database rule (PascalCase keys)', () => {
    const row = individualSql[0] as Row;
    const db = `/subscriptions/${SUB}/resourcegroups/rg-データ-本番/providers/microsoft.sql/servers/sql-prod-01/databases/売上db`;
    expect(only(row)).toEqual({
      fingerprint: fingerprint('sql', db, 'VA2065'),
      kind: 'sql',
      assetKey: db,
      vulnId: 'VA2065',
      caseKey: 'sql:sql-prod-01:VA2065',
      severity: 'High',
      severitySource: 'rule',
      cvss: null,
      title: 'Server-level firewall rules should be tracked and maintained at a strict minimum',
      description: row.properties.metadata.description,
      impact:
        'Firewall rules should be strictly configured to allow access only to client computers that have a valid need to connect to the database.',
      remediation:
        'Evaluate each of the server-level firewall rules. Remove any rules that grant unnecessary access and set the rest as a baseline.',
      references: [],
      publishedAt: null,
      detectedAt: '2026-07-05T02:14:33.0000000Z',
      resource: { id: db, name: '売上DB', subscriptionId: SUB, resourceGroup: 'rg-データ-本番', type: 'microsoft.sql/servers/databases' },
      repository: null,
      digests: [],
      tags: [],
      database: '売上DB',
      server: 'sql-prod-01',
      software: null,
      installedVersions: [],
      fixedVersion: null,
      fixAvailable: null,
      exploit: null,
      model: 'individual',
      sourceRecordId: row.id,
    });
  });

  it('rewrites an on-machine database id (camelCase keys) like Microsoft’s query', () => {
    const machine = `/subscriptions/${SUB}/resourcegroups/rg-オンプレ-大阪/providers/microsoft.hybridcompute/machines/osk-db-02`;
    expect(only(individualSql[1])).toMatchObject({
      kind: 'sql',
      assetKey: `${machine}/servers/mssqlserver/databases/在庫管理`,
      vulnId: 'VA1258',
      caseKey: 'sql:osk-db-02/mssqlserver:VA1258',
      severity: 'Medium',
      severitySource: 'rule',
      title: 'Database owners are as expected',
      description: '',
      impact: 'Database owners can perform all configuration and maintenance activities on the database.',
      remediation: 'Remove members who should not have access to the db_owner role and set a baseline.',
      database: '在庫管理',
      server: 'osk-db-02/MSSQLSERVER',
      resource: {
        id: `${machine}/servers/mssqlserver/databases/在庫管理`,
        name: '在庫管理',
        subscriptionId: SUB,
        resourceGroup: 'rg-オンプレ-大阪',
        type: 'microsoft.hybridcompute/machines/servers/databases',
      },
    });
  });

  it('skips the passed rule', () => {
    expect(mapDefenderRow(individualSql[2]).skipped?.reason).toBe('healthy');
  });

  it('rebuilds a legacy OnPremiseSql database from machineName/serverName/databaseName', () => {
    const row = clone(individualSql[1] as Row);
    row.properties.resourceDetails = { source: 'OnPremiseSql', machineName: 'osk-db-02', serverName: 'MSSQLSERVER', databaseName: '在庫管理' };
    expect(only(row).assetKey).toBe(only(individualSql[1]).assetKey);
  });

  it('falls back to the recommendation severity when the rule has none', () => {
    const row = clone(individualSql[0] as Row);
    delete row.properties.additionalData.Severity;
    expect(only(row)).toMatchObject({ severity: 'High', severitySource: 'recommendation' });
  });
});

// ------------------------------------------------------------------------------------------------
describe('grouped model: container images', () => {
  it('maps an MDVM registry row (c0b7cfc6)', () => {
    const row = groupedContainer[0] as Row;
    const acr = `/subscriptions/${SUB}/resourcegroups/rg-prod-acr/providers/microsoft.containerregistry/registries/contosoprodacr`;
    expect(only(row)).toEqual({
      fingerprint: fingerprint('registryImage', 'contosoprodacr.azurecr.io/payments/api', 'CVE-2024-6119'),
      kind: 'registryImage',
      assetKey: 'contosoprodacr.azurecr.io/payments/api',
      vulnId: 'CVE-2024-6119',
      caseKey: 'CVE-2024-6119',
      severity: 'High',
      severitySource: 'cve',
      cvss: 7.5,
      title: 'CVE-2024-6119 in openssl',
      description:
        'This vulnerability affects the following vendors: Openssl, Debian. To view more details about this vulnerability please visit the vendor website.',
      impact: '',
      remediation: 'Create new image with updated package openssl with version 3.0.14-1~deb12u2 or higher.',
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2024-6119', 'https://security-tracker.debian.org/tracker/DSA-5764-1'],
      publishedAt: '2024-09-03T00:00:00.0000000Z',
      detectedAt: null,
      resource: { id: acr, name: 'contosoprodacr', subscriptionId: SUB, resourceGroup: 'rg-prod-acr', type: 'microsoft.containerregistry/registries' },
      repository: 'contosoprodacr.azurecr.io/payments/api',
      digests: [DIGEST_9C],
      tags: ['1.4.2', 'latest'],
      database: null,
      server: null,
      software: 'openssl',
      installedVersions: ['3.0.13-1~deb12u1'],
      fixedVersion: '3.0.14-1~deb12u2',
      fixAvailable: true,
      exploit: { publicExploit: false, verified: false, inExploitKit: false },
      model: 'grouped',
      sourceRecordId: row.id,
    });
  });

  it('keeps Unicode repositories, NoFixAvailable and published exploits', () => {
    expect(only(groupedContainer[1])).toMatchObject({
      assetKey: 'contosojpeacr.azurecr.io/inventory/集計-worker',
      repository: 'contosojpeacr.azurecr.io/inventory/集計-worker',
      vulnId: 'CVE-2023-45288',
      severity: 'Low',
      cvss: 3.7,
      title: 'CVE-2023-45288 in golang.org/x/net',
      fixedVersion: null,
      fixAvailable: false,
      exploit: { publicExploit: true, verified: false, inExploitKit: false },
      references: [
        'https://nvd.nist.gov/vuln/detail/CVE-2023-45288',
        'https://pkg.go.dev/vuln/GO-2024-2687',
        'https://go.dev/issue/65051',
      ],
      resource: { subscriptionId: SUB2, resourceGroup: 'rg-本番-東京', name: 'contosojpeacr' },
    });
    expect(only(groupedContainer[1]).description).toContain('日本語メモ: 受信側の負荷が増大します（DoS）。');
  });

  it('skips the exempt row as not-applicable', () => {
    expect(mapDefenderRow(groupedContainer[2]).skipped).toEqual({
      reason: 'not-applicable',
      id: groupedContainer[2]?.id,
      detail: 'Exempt',
    });
  });

  it('maps an old MDVM runtime row (c609cf0f) without workload details to the image in the cluster', () => {
    const mapped = mapDefenderRow(groupedContainer[3]);
    const cluster = `/subscriptions/${SUB}/resourcegroups/rg-prod-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01`;
    expect(mapped.findings[0]).toMatchObject({
      kind: 'runningContainer',
      assetKey: `${cluster}/image:contosoprodacr.azurecr.io/payments/api`,
      repository: 'contosoprodacr.azurecr.io/payments/api',
      resource: { id: cluster, name: 'aks-prod-01', type: 'microsoft.containerservice/managedclusters' },
      tags: ['1.4.2'],
    });
    expect(mapped.notes).toEqual(['no workload details; asset key is the image within the cluster']);
  });

  it('maps a Qualys registry row (dbd0cb49) to one finding per CVE, with HTML removed', () => {
    const list = findings(groupedContainer[4]);
    expect(list.map((f) => f.vulnId)).toEqual(['CVE-2023-0464', 'CVE-2023-2650']);
    expect(byVuln(list, 'CVE-2023-2650')).toMatchObject({
      kind: 'registryImage',
      assetKey: 'contosoprodacr.azurecr.io/payments/api',
      title: 'CVE-2023-2650: Debian Security Update for openssl (DSA 5417-1)',
      severity: 'Medium',
      severitySource: 'recommendation',
      cvss: 7.5,
      description: 'Debian has released a security update for openssl to fix the vulnerabilities.',
      impact: 'Successful exploitation of this vulnerability may allow an attacker to cause a denial of service.',
      remediation:
        'Refer to Debian security advisory DSA 5417-1 to address this issue and obtain further details.\n\nPatch:\n\nFollowing are links for downloading patches to fix the vulnerabilities:\n\nDSA 5417-1:Debian',
      references: [
        'https://nvd.nist.gov/vuln/detail/CVE-2023-2650',
        'https://lists.debian.org/debian-security-announce/2023/msg00103.html',
      ],
      publishedAt: '2023-05-31T00:00:00.0000000Z',
      fixAvailable: true,
      digests: [DIGEST_9C],
      software: null,
      exploit: null,
    });
  });

  it('maps a One Queue registry row (33422d8f) to the same asset as the classic key', () => {
    const f = only(groupedContainer[5]);
    expect(f.assetKey).toBe('contosoprodacr.azurecr.io/payments/api');
    expect(f.fingerprint).toBe(only(groupedContainer[0]).fingerprint);
  });

  it('maps a One Queue runtime row (e9acaf48) to the Deployment behind the ReplicaSet', () => {
    const cluster = `/subscriptions/${SUB}/resourcegroups/rg-prod-aks/providers/microsoft.containerservice/managedclusters/aks-prod-01`;
    expect(only(groupedContainer[6])).toMatchObject({
      kind: 'runningContainer',
      assetKey: `${cluster}/payments/deployment/api/api`,
      vulnId: 'CVE-2023-4911',
      title: 'CVE-2023-4911 in glibc',
      exploit: { publicExploit: true, verified: true, inExploitKit: true },
      repository: 'contosoprodacr.azurecr.io/payments/api',
      resource: { id: cluster, name: 'aks-prod-01', resourceGroup: 'rg-prod-aks' },
    });
  });

  it('derives the same workload from the pod path when kubernetesDetails is missing', () => {
    const row = clone(groupedContainer[6] as Row);
    delete row.properties.additionalData.kubernetesDetails;
    expect(only(row).assetKey).toBe(only(groupedContainer[6]).assetKey);
  });

  it('maps the Microsoft docs Azure row once it is Unhealthy; AWS and GCP are not ours', () => {
    expect(mapDefenderRow(docs.azureQueryResult[0]).skipped).toMatchObject({ reason: 'not-applicable', detail: 'Exempt' });
    expect(only(withStatus(docs.azureQueryResult[0], 'Unhealthy'))).toMatchObject({
      assetKey: 'ptebic.azurecr.io/public/azureml/aifx/stable-ubuntu2004-cu117-py39-torch200',
      vulnId: 'CVE-2022-42969',
      severity: 'High',
      cvss: 7.5,
      fixedVersion: null,
      fixAvailable: true,
      tags: ['biweekly.202309.1'],
      detectedAt: null,
      references: [
        'https://nvd.nist.gov/vuln/detail/CVE-2022-42969',
        'https://ftp.suse.com/pub/projects/security/oval/suse.linux.enterprise.server.15.xml.gz',
        'https://raw.githubusercontent.com/microsoft/CBL-MarinerVulnerabilityData/main/cbl-mariner-1.0-oval.xml',
        'https://github.com/advisories/GHSA-w596-4wvx-j9j6',
      ],
    });
    expect(mapDefenderRow(docs.awsQueryResult[0])).toMatchObject({ skipped: { reason: 'not-ours' }, model: 'grouped' });
    expect(mapDefenderRow(docs.gcpQueryResult[0])).toMatchObject({ skipped: { reason: 'not-ours' }, model: 'grouped' });
    const awsWithoutSource = clone(docs.awsQueryResult[0] as Row);
    delete awsWithoutSource.properties.resourceDetails.source;
    expect(mapDefenderRow(awsWithoutSource).skipped).toMatchObject({
      reason: 'not-ours',
      detail: 'assessment c27441ae-775c-45be-8ffa-655de37362ce (AWS registry images)',
    });
  });

  it('maps the REST spec Qualys example (unknown key, recognised assessedResourceType)', () => {
    expect(only(specQualys)).toMatchObject({
      kind: 'registryImage',
      assetKey: 'myregistry.azurecr.io/myrepo',
      repository: 'myregistry.azurecr.io/myRepo',
      vulnId: 'CVE-2019-12345',
      title: "CVE-2019-12345: 'Back Orifice' Backdoor",
      severity: 'High',
      cvss: 10,
      impact: '3',
      references: ['http://contoso.com'],
      digests: ['c186fc44-3154-4ce2-ba18-b719d895c3b0'],
      resource: {
        id: '/subscriptions/20ff7fc3-e762-44dd-bd96-b71116dcdc23/resourcegroups/myrg/providers/microsoft.containerregistry/registries/myregistry',
        name: 'myRegistry',
        subscriptionId: '20ff7fc3-e762-44dd-bd96-b71116dcdc23',
        resourceGroup: 'myRg',
      },
      model: 'grouped',
    });
  });
});

describe('grouped model: machines', () => {
  it('maps an MDVM (ServerVulnerabilityTvm) row to one finding per CVE', () => {
    const row = groupedServer[0] as Row;
    const vm = `/subscriptions/${SUB}/resourcegroups/rg-prod-web/providers/microsoft.compute/virtualmachines/vm-web-01`;
    const list = findings(row);
    expect(list.map((f) => f.vulnId)).toEqual(['CVE-2024-5274', 'CVE-2024-6100']);
    expect(byVuln(list, 'CVE-2024-5274')).toEqual({
      fingerprint: fingerprint('machine', vm, 'CVE-2024-5274'),
      kind: 'machine',
      assetKey: vm,
      vulnId: 'CVE-2024-5274',
      caseKey: 'machine:CVE-2024-5274',
      severity: 'High',
      severitySource: 'cve',
      cvss: 8.8,
      title:
        'CVE-2024-5274: Type Confusion in V8 in Google Chrome prior to 125.0.6422.112 allowed a remote attacker to execute arbitrary code inside a sandbox via a crafted HTML page',
      description:
        'Type Confusion in V8 in Google Chrome prior to 125.0.6422.112 allowed a remote attacker to execute arbitrary code inside a sandbox via a crafted HTML page.',
      impact: '',
      remediation: 'Update Google Chrome to version 126.0.6478.126 or later.',
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2024-5274'],
      publishedAt: '2024-05-28T00:00:00Z',
      detectedAt: null,
      resource: { id: vm, name: 'vm-web-01', subscriptionId: SUB, resourceGroup: 'rg-prod-web', type: 'microsoft.compute/virtualmachines' },
      repository: null,
      digests: [],
      tags: [],
      database: null,
      server: null,
      software: 'chrome',
      installedVersions: ['125.0.6422.142'],
      fixedVersion: '126.0.6478.126',
      fixAvailable: true,
      exploit: { publicExploit: true, verified: true, inExploitKit: false },
      model: 'grouped',
      sourceRecordId: row.id,
    });
    expect(byVuln(list, 'CVE-2024-6100')).toMatchObject({ severity: 'Medium', cvss: 6.5, exploit: { publicExploit: false } });
  });

  it('maps an agentless MDVM row on an Arc machine with a Unicode name', () => {
    expect(only(groupedServer[1])).toMatchObject({
      assetKey: `/subscriptions/${SUB2}/resourcegroups/rg-本番-東京/providers/microsoft.hybridcompute/machines/srv-東京-db02`,
      vulnId: 'CVE-2023-51385',
      severity: 'Low',
      severitySource: 'cve',
      references: [],
      fixedVersion: null,
      fixAvailable: null,
      resource: { name: 'srv-東京-db02', resourceGroup: 'rg-本番-東京', subscriptionId: SUB2 },
    });
  });

  it('maps a Qualys row without CVEs to QID-<id>, using the threat text as description', () => {
    const f = only(groupedServer[2]);
    expect(f).toMatchObject({
      kind: 'machine',
      vulnId: 'QID-90043',
      caseKey: 'machine:QID-90043',
      title: 'SMB Signing Disabled or SMB Signing Not Required',
      severity: 'Medium',
      severitySource: 'recommendation',
      cvss: 7.3,
      fixAvailable: false,
      publishedAt: '1999-01-01T08:00:00.0000000Z',
      detectedAt: null,
      references: [],
      exploit: null,
    });
    expect(f.description.startsWith('This host does not seem to be using SMB (Server Message Block) signing.')).toBe(true);
    expect(f.remediation).toContain("Please refer to Microsoft's article 887429 for information on enabling SMB signing.");
    expect(f.remediation).not.toMatch(/<|&quot;/);
  });

  it('maps a Qualys machine row with CVEs to one finding per CVE', () => {
    const row = clone(groupedServer[2] as Row);
    row.properties.additionalData.cve = [
      { title: 'CVE-2016-2115', link: 'https://nvd.nist.gov/vuln/detail/CVE-2016-2115' },
      { title: 'cve-2016-2115', link: 'https://nvd.nist.gov/vuln/detail/CVE-2016-2115' },
    ];
    const f = only(row);
    expect(f.vulnId).toBe('CVE-2016-2115');
    expect(f.title).toBe('CVE-2016-2115: SMB Signing Disabled or SMB Signing Not Required');
    expect(f.references).toEqual(['https://nvd.nist.gov/vuln/detail/CVE-2016-2115']);
  });
});

describe('grouped model: SQL', () => {
  it('maps an Azure SQL database rule (82e20e14)', () => {
    const row = groupedSql[0] as Row;
    const db = `/subscriptions/${SUB}/resourcegroups/rg-prod-data/providers/microsoft.sql/servers/sql-prod-01/databases/orders`;
    expect(only(row)).toEqual({
      fingerprint: fingerprint('sql', db, 'VA1219'),
      kind: 'sql',
      assetKey: db,
      vulnId: 'VA1219',
      caseKey: 'sql:sql-prod-01:VA1219',
      severity: 'Medium',
      severitySource: 'rule',
      cvss: null,
      title: 'Transparent data encryption should be enabled',
      description: row.properties.description,
      impact: row.properties.impact,
      remediation: row.properties.remediation,
      references: [],
      publishedAt: null,
      detectedAt: null,
      resource: { id: db, name: 'orders', subscriptionId: SUB, resourceGroup: 'rg-prod-data', type: 'microsoft.sql/servers/databases' },
      repository: null,
      digests: [],
      tags: [],
      database: 'orders',
      server: 'sql-prod-01',
      software: null,
      installedVersions: [],
      fixedVersion: null,
      fixAvailable: null,
      exploit: null,
      model: 'grouped',
      sourceRecordId: row.id,
    });
  });

  it('skips the Healthy rule', () => {
    expect(mapDefenderRow(groupedSql[1]).skipped?.reason).toBe('healthy');
    expect(mapDefenderRow(specSql)).toMatchObject({ skipped: { reason: 'healthy' }, model: 'grouped' });
  });

  it('rebuilds a legacy OnPremiseSql database id on the machine (f97aa83c)', () => {
    const machine = `/subscriptions/${SUB2}/resourcegroups/rg-本番-東京/providers/microsoft.hybridcompute/machines/srv-東京-db02`;
    expect(only(groupedSql[2])).toMatchObject({
      assetKey: `${machine}/servers/mssqlserver/databases/売上db`,
      caseKey: 'sql:srv-東京-db02/mssqlserver:VA1258',
      server: 'srv-東京-db02/MSSQLSERVER',
      database: '売上DB',
      severity: 'High',
      severitySource: 'rule',
      resource: { name: '売上DB', resourceGroup: 'rg-本番-東京', subscriptionId: SUB2 },
    });
  });

  it('maps the REST spec SQL example once Unhealthy (no subscription/resourceGroup columns)', () => {
    expect(only(withStatus(specSql, 'Unhealthy'))).toMatchObject({
      assetKey: '/subscriptions/212f9889-769e-45ae-ab43-6da33674bd26/resourcegroups/ascdemorg/providers/microsoft.sql/servers/sqlserver1demo/databases/database1',
      server: 'sqlserver1demo',
      database: 'database1',
      vulnId: 'VA2064',
      severity: 'High',
      resource: { subscriptionId: '212f9889-769e-45ae-ab43-6da33674bd26', resourceGroup: 'ascdemoRG' },
    });
  });
});

// ------------------------------------------------------------------------------------------------
describe('identity', () => {
  it('keeps the fingerprint of a rebuilt image (same repository, new digest)', () => {
    const rebuilt = clone(individualContainer[0] as Row);
    const newDigest = 'sha256:' + 'ab'.repeat(32);
    rebuilt.id = rebuilt.id.replace(DIGEST_81, newDigest).replace('5d2c8b1e', '11111111');
    rebuilt.properties.resourceDetails.Id = rebuilt.properties.resourceDetails.Id.replace(DIGEST_81, newDigest);
    rebuilt.properties.resourceAdditionalData = rebuilt.properties.resourceAdditionalData.replaceAll(DIGEST_81, newDigest);
    const before = findings(individualContainer[0]);
    const after = findings(rebuilt);
    expect(after.map((f) => f.fingerprint)).toEqual(before.map((f) => f.fingerprint));
    expect(after[0]?.digests).toEqual([newDigest]);

    const groupedRebuilt = clone(groupedContainer[0] as Row);
    groupedRebuilt.properties.additionalData.artifactDetails.digest = newDigest;
    groupedRebuilt.properties.resourceDetails.id = `/repositories/payments/api/images/${newDigest}`;
    expect(only(groupedRebuilt).fingerprint).toBe(only(groupedContainer[0]).fingerprint);
  });

  it('reads a grouped row of a later scan (only timeGenerated moved) as the same content', () => {
    // timeGenerated is when the sub-assessment was generated, not when the finding was first
    // detected: it moves with every scan, and must not make every grouped finding read as changed.
    const mapped = [...groupedContainer, ...groupedServer, ...groupedSql].filter((row) => mapDefenderRow(row).findings.length > 0);
    expect(mapped.length).toBeGreaterThanOrEqual(6);
    for (const row of mapped) {
      const later = clone(row);
      later.timeGenerated = '2026-07-29T03:00:00.0000000Z';
      later.properties.timeGenerated = '2026-07-29T03:00:00.0000000Z';
      const before = mapDefenderRow(row).findings;
      const after = mapDefenderRow(later).findings;
      expect(after.map(findingContentHash)).toEqual(before.map(findingContentHash));
      expect(after.every((f) => f.detectedAt === null)).toBe(true);
    }
  });

  it('gives the same fingerprint to the same image CVE in both models', () => {
    expect(only(groupedContainer[0]).fingerprint).toBe(byVuln(findings(individualContainer[0]), 'CVE-2024-6119').fingerprint);
  });

  it('keeps the asset when resourceAdditionalData is malformed (falls back to ResourceName and the registry)', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.resourceAdditionalData = '{"RepositoryDetails": {"RegistryHost": "contosoprodacr.azurecr.io"';
    const mapped = mapDefenderRow(row);
    expect(mapped.findings.map((f) => f.fingerprint)).toEqual(findings(individualContainer[0]).map((f) => f.fingerprint));
    expect(mapped.findings[0]?.digests).toEqual([DIGEST_81]);
    expect(mapped.notes).toEqual(['properties.resourceAdditionalData is not valid JSON; ignored']);
  });

  it('upper-cases and dedupes CVE ids within a row', () => {
    const row = clone(individualMachine[1] as Row);
    const cves = JSON.parse(row.properties.additionalData.CvesDetails as string) as Row[];
    row.properties.additionalData.CvesDetails = JSON.stringify([
      { ...cves[0], CveId: 'cve-2024-6387' },
      { ...cves[0], CveId: ' CVE-2024-6387 ' },
      { CveId: '' },
      { Severity: 'High' },
      7,
    ]);
    expect(findings(row).map((f) => f.vulnId)).toEqual(['CVE-2024-6387']);
  });
});

/** Flips the first letter of every key, deeply, including inside JSON-string fields. */
function recase(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return JSON.stringify(recase(JSON.parse(value)));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(recase);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const first = key.charAt(0);
    const flipped = (first === first.toUpperCase() ? first.toLowerCase() : first.toUpperCase()) + key.slice(1);
    out[flipped] = recase(inner);
  }
  return out;
}

const JSON_FIELDS = ['CvesDetails', 'DetectedSoftwareVersions', 'ScannersDetails', 'Benchmarks', 'benchmarks'];

/** Replaces the JSON-string fields of a row by their parsed values. */
function objectify(row: Row): Row {
  const copy = clone(row);
  const props = copy.properties;
  if (typeof props?.resourceAdditionalData === 'string') props.resourceAdditionalData = JSON.parse(props.resourceAdditionalData);
  for (const key of JSON_FIELDS) {
    const value = props?.additionalData?.[key];
    if (typeof value === 'string') props.additionalData[key] = JSON.parse(value);
  }
  return copy;
}

describe('robustness: key casing and field encodings', () => {
  it.each(ALL_ROWS.map((row, i) => [i, row] as const))('row %i maps the same with every key re-cased', (_i, row) => {
    expect(mapDefenderRow(recase(row))).toEqual(mapDefenderRow(row));
  });

  it('finds keys in any casing (CVESDETAILS, resourceadditionaldata)', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.additionalData.CVESDETAILS = row.properties.additionalData.CvesDetails;
    delete row.properties.additionalData.CvesDetails;
    row.properties.resourceadditionaldata = row.properties.resourceAdditionalData;
    delete row.properties.resourceAdditionalData;
    expect(mapDefenderRow(row)).toEqual(mapDefenderRow(individualContainer[0]));
  });

  it.each(
    [...individualContainer, ...individualMachine, ...individualSql, ...individualSpec].map((row, i) => [i, row] as const),
  )('individual row %i maps the same with JSON-string fields given as objects', (_i, row) => {
    expect(mapDefenderRow(objectify(row))).toEqual(mapDefenderRow(row));
  });

  it('skips a row with a malformed CvesDetails string as invalid, naming the field', () => {
    const row = clone(individualMachine[0] as Row);
    row.properties.additionalData.CvesDetails = '[{"CveId":"CVE-2026-1234","Severity":';
    expect(mapDefenderRow(row)).toEqual({
      findings: [],
      skipped: { reason: 'invalid', id: row.id, detail: 'additionalData.CvesDetails is not valid JSON' },
      model: 'individual',
      notes: ['additionalData.CvesDetails is not valid JSON; ignored'],
    });
  });

  it('reads a single CvesDetails object, numeric strings and "true"/"false" strings', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.additionalData.CvesDetails = {
      CveId: 'CVE-2024-6119',
      Severity: 'high',
      Cvss: [{ Key: 3, Value: { Base: '7.5' } }],
      ExploitabilityDetails: { ExploitStepsPublished: 'TRUE', ExploitStepsVerified: 'false', IsInExploitKit: 'maybe' },
    };
    expect(only(row)).toMatchObject({
      severity: 'High',
      cvss: 7.5,
      exploit: { publicExploit: true, verified: false, inExploitKit: false },
    });
  });

  it('keeps going with safe defaults when optional fields have wrong types', () => {
    const row = clone(individualContainer[0] as Row);
    Object.assign(row.properties.additionalData, {
      SoftwareName: 42,
      DetectedSoftwareVersions: { not: 'a list' },
      FixedVersion: [],
      CvesDetails: [{ CveId: 'CVE-2024-6119', Severity: 'Severe', Cvss: 'high', Description: 7, References: 'x', PublishedDate: 'yesterday' }],
    });
    delete row.properties.additionalData.ScannersDetails; // else it is the installedVersions fallback
    row.properties.metadata.severity = 'Bogus';
    row.properties.status.firstEvaluationDate = 12345;
    row.properties.status.statusChangeDate = 'not a date'; // else it is the detectedAt fallback
    const mapped = mapDefenderRow(row);
    expect(mapped.notes).toEqual(['additionalData.DetectedSoftwareVersions is not valid JSON; ignored']);
    expect(only(row)).toMatchObject({
      severity: 'Unknown',
      severitySource: 'unknown',
      cvss: null,
      software: '42',
      installedVersions: [],
      fixedVersion: null,
      fixAvailable: null,
      references: [],
      publishedAt: null,
      detectedAt: null,
      title: 'CVE-2024-6119 in 42',
    });
  });

  it('falls back to ScannersDetails for installed versions and to statusChangeDate for detection', () => {
    const row = clone(individualMachine[0] as Row);
    delete row.properties.additionalData.DetectedSoftwareVersions;
    delete row.properties.status.firstEvaluationDate;
    expect(findings(row)[0]).toMatchObject({
      installedVersions: ['138.0.7204.184', '138.0.7204.169'],
      detectedAt: '2026-07-30T06:02:17.4410000Z',
    });
  });

  it('keeps only http(s) references, deduplicated', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.additionalData.CvesDetails = [
      {
        CveId: 'CVE-2024-6119',
        References: [
          { Link: 'https://nvd.nist.gov/vuln/detail/CVE-2024-6119' },
          { link: 'https://nvd.nist.gov/vuln/detail/CVE-2024-6119' },
          { Link: 'javascript:alert(1)' },
          { Link: 'ftp://example.com/x' },
          { Link: 'http://example.com/a b' },
          { Title: 'no link' },
          null,
        ],
      },
    ];
    expect(only(row).references).toEqual(['https://nvd.nist.gov/vuln/detail/CVE-2024-6119']);
  });
});

describe('scope: what is skipped and why', () => {
  it('DevOps SoftwareUpdate rows are not ours', () => {
    const row = clone(individualContainer[0] as Row);
    row.id = '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Security/securityConnectors/gh/devops/default/gitHubOwners/o/repos/r/providers/Microsoft.Security/assessments/abc';
    row.properties.resourceDetails = { Source: 'GitHub', Id: '/x', ResourceType: 'repos' };
    expect(mapDefenderRow(row).skipped).toEqual({ reason: 'not-ours', id: row.id, detail: 'DevOps finding' });
  });

  it.each(['AWS', 'GCP', 'aws'])('%s image and machine rows are not ours', (source) => {
    const image = clone(individualContainer[0] as Row);
    image.properties.resourceDetails.Source = source;
    expect(mapDefenderRow(image).skipped).toEqual({
      reason: 'not-ours',
      id: image.id,
      detail: `resourceDetails.Source ${source.toLowerCase()}`,
    });
  });

  it('other resource types and categories are not ours', () => {
    const ec2 = clone(individualMachine[0] as Row);
    ec2.properties.resourceDetails.ResourceType = 'microsoft.security/securityconnectors/ec2instance';
    expect(mapDefenderRow(ec2).skipped).toMatchObject({ reason: 'not-ours', detail: 'resourceDetails.ResourceType microsoft.security/securityconnectors/ec2instance' });
    const nodes = clone(individualMachine[0] as Row);
    nodes.properties.metadata.recommendationCategory = 'ServiceUpgrade';
    expect(mapDefenderRow(nodes).skipped).toMatchObject({ reason: 'not-ours', detail: 'recommendationCategory ServiceUpgrade' });
    const mfa = { id: '/subscriptions/x/providers/Microsoft.Security/assessments/94290b00', type: 'microsoft.security/assessments', properties: { displayName: 'MFA should be enabled', status: { code: 'Unhealthy' } } };
    expect(mapDefenderRow(mfa)).toMatchObject({ skipped: { reason: 'not-ours', detail: 'no recommendationCategory' }, model: 'individual' });
    const cvedetails = { id: '/providers/microsoft.security/cvedetails/cve-2024-6179', type: 'microsoft.security/cvedetails', properties: { cveId: 'CVE-2024-6179' } };
    expect(mapDefenderRow(cvedetails)).toEqual({
      findings: [],
      skipped: { reason: 'not-ours', id: cvedetails.id, detail: 'type microsoft.security/cvedetails' },
      model: null,
      notes: [],
    });
    const aksNodes = clone(groupedServer[0] as Row);
    aksNodes.id = aksNodes.id.replace('1195afff-c881-495e-9bc5-1486211ae03f', '24a15fbd-cfe4-4dff-b2be-1c367a6b2031');
    expect(mapDefenderRow(aksNodes).skipped).toMatchObject({ reason: 'not-ours' });
  });

  it('Healthy, NotApplicable and Exempt rows are skipped with their reason', () => {
    expect(mapDefenderRow(withStatus(individualContainer[0] as Row, 'Healthy')).skipped?.reason).toBe('healthy');
    expect(mapDefenderRow(withStatus(individualContainer[0] as Row, 'NotApplicable')).skipped?.reason).toBe('not-applicable');
    expect(mapDefenderRow(withStatus(groupedServer[0] as Row, 'healthy')).skipped?.reason).toBe('healthy');
    const exempt = clone(individualSql[0] as Row);
    exempt.properties.status = { code: 'NotApplicable', cause: 'Exempt', description: 'Disabled parent assessment' };
    expect(mapDefenderRow(exempt).skipped).toEqual({ reason: 'not-applicable', id: exempt.id, detail: 'Exempt' });
  });

  it('a missing or unknown status code is invalid, naming the field', () => {
    const noStatus = clone(individualMachine[0] as Row);
    delete noStatus.properties.status;
    expect(mapDefenderRow(noStatus).skipped).toEqual({ reason: 'invalid', id: noStatus.id, detail: 'properties.status.code missing' });
    expect(mapDefenderRow(withStatus(individualMachine[0] as Row, 'Weird')).skipped).toEqual({
      reason: 'invalid',
      id: individualMachine[0]?.id,
      detail: 'properties.status.code "Weird" not understood',
    });
  });

  it('a recognised kind without its essentials is invalid, naming the field', () => {
    const noRule = clone(individualSql[0] as Row);
    delete noRule.properties.additionalData.RuleId;
    expect(mapDefenderRow(noRule).skipped).toEqual({ reason: 'invalid', id: noRule.id, detail: 'additionalData.RuleId missing' });
    const noCves = clone(individualMachine[0] as Row);
    delete noCves.properties.additionalData.CvesDetails;
    expect(mapDefenderRow(noCves).skipped).toMatchObject({ reason: 'invalid', detail: 'additionalData.CvesDetails missing or empty' });
    const noRepo = clone(individualContainer[0] as Row);
    noRepo.id = '/repositories-x/providers/Microsoft.Security/assessments/abc';
    noRepo.properties.resourceAdditionalData = null;
    noRepo.properties.resourceDetails = { Source: 'Azure', ResourceType: '.containerimage' };
    expect(mapDefenderRow(noRepo).skipped).toMatchObject({ reason: 'invalid', detail: 'resourceAdditionalData.RepositoryDetails.RepositoryName missing' });
    const nullProps = { id: '/x/providers/Microsoft.Security/assessments/abc', type: 'microsoft.security/assessments', properties: null };
    expect(mapDefenderRow(nullProps)).toEqual({
      findings: [],
      skipped: { reason: 'invalid', id: nullProps.id, detail: 'properties missing' },
      model: 'individual',
      notes: [],
    });
  });

  it('an unrecognisable row is reported with its id, never dropped silently', () => {
    expect(mapDefenderRow({ id: '/x', foo: 'bar' })).toEqual({
      findings: [],
      skipped: { reason: 'unrecognised', id: '/x', detail: 'no type' },
      model: null,
      notes: [],
    });
    expect(mapDefenderRow({ id: '/vm', type: 'microsoft.compute/virtualmachines' }).skipped).toEqual({
      reason: 'unrecognised',
      id: '/vm',
      detail: 'type microsoft.compute/virtualmachines',
    });
    const keyless = { type: 'microsoft.security/assessments/subassessments', properties: { status: { code: 'Unhealthy' } } };
    expect(mapDefenderRow(keyless)).toMatchObject({ skipped: { reason: 'unrecognised', id: null }, model: 'grouped' });
  });

  it('infers the model from the id when the type column is missing', () => {
    const row = clone(groupedServer[0] as Row);
    delete row.type;
    const mapped = mapDefenderRow(row);
    expect(mapped.model).toBe('grouped');
    expect(mapped.findings).toHaveLength(2);
    expect(mapped.notes).toEqual(['type missing; model inferred from the id']);
  });

  it.each([null, undefined, 0, 42, Number.NaN, '', 'row', true, [], [individualMachine[0]], () => 1, Symbol('x')])(
    'garbage input %s becomes an unrecognised skip',
    (raw) => {
      const mapped = mapDefenderRow(raw);
      expect(mapped.findings).toEqual([]);
      expect(mapped.skipped).toMatchObject({ reason: 'unrecognised', id: null });
      expect(mapped.model).toBeNull();
    },
  );

  it('never throws on hostile objects', () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    });
    expect(mapDefenderRow(hostile)).toMatchObject({ findings: [], skipped: { reason: 'invalid', id: null } });
  });
});

describe('text: size, Unicode, control characters, HTML', () => {
  it('caps a 10 MB description at 100 000 characters and keeps the title short', () => {
    const row = clone(individualContainer[0] as Row);
    const huge = 'A'.repeat(10 * 1024 * 1024);
    row.properties.additionalData.CvesDetails = JSON.stringify([{ CveId: 'CVE-2024-6119', Description: huge, Remediation: `<p>${huge}</p>` }]);
    const started = performance.now();
    const f = only(row);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(f.description).toHaveLength(100_001);
    expect(f.description.endsWith('A…')).toBe(true);
    expect(f.remediation).toHaveLength(100_001);
    expect(f.title.length).toBeLessThanOrEqual('CVE-2024-6119: '.length + 200);
    expect(f.title.endsWith('…')).toBe(true);
  });

  it('keeps Japanese and emoji, removes control characters, never splits a surrogate pair', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.additionalData.CvesDetails = [
      {
        CveId: 'CVE-2024-6119\u0000',
        Description: '証明書の名前検証で🔥サービス拒否\u0007が起きる。詳細は後述。\r\n次の行\u202E',
        ExtendedDescription: { Impact: 'サービス停止\u0000😀' },
      },
    ];
    row.properties.additionalData.SoftwareName = 'open\u0000ssl';
    const f = only(row);
    expect(f.vulnId).toBe('CVE-2024-6119');
    expect(f.title).toBe('CVE-2024-6119: 証明書の名前検証で🔥サービス拒否が起きる。詳細は後述。 次の行');
    expect(f.description).toBe('証明書の名前検証で🔥サービス拒否が起きる。詳細は後述。\n次の行');
    expect(f.impact).toBe('サービス停止😀');
    expect(f.software).toBe('openssl');
    expect(f.resource.resourceGroup).toBe('rg-本番-東京');

    const cutRow = clone(individualContainer[0] as Row);
    cutRow.properties.additionalData.CvesDetails = [{ CveId: 'CVE-2024-6119', Description: `${'x'.repeat(99_999)}😀😀` }];
    const cutDescription = only(cutRow).description;
    expect(cutDescription).toBe(`${'x'.repeat(99_999)}…`);
  });

  it('turns HTML-looking text into plain text', () => {
    const row = clone(individualContainer[0] as Row);
    row.properties.additionalData.CvesDetails = [
      { CveId: 'CVE-2024-6119', Description: '<p>Use &amp; abuse</p><script>alert(1)</script>', Remediation: 'versions < 3.0 & > 2.0 are affected' },
    ];
    const f = only(row);
    expect(f.description).toBe('Use & abuse');
    expect(f.title).toBe('CVE-2024-6119: Use & abuse');
    expect(f.remediation).toBe('versions < 3.0 & > 2.0 are affected');
  });
});

describe('text and date helpers', () => {
  it('isoDate keeps valid ISO strings as given and rejects the rest', () => {
    expect(isoDate('2023-09-12T13:36:15.0772799Z')).toBe('2023-09-12T13:36:15.0772799Z');
    expect(isoDate(' 2024-05-28T00:00:00Z ')).toBe('2024-05-28T00:00:00Z');
    expect(isoDate('2024-05-28')).toBe('2024-05-28');
    expect(isoDate('2024-01-01T10:00:00+09:00')).toBe('2024-01-01T10:00:00+09:00');
    for (const bad of ['2024-13-01', '2024-00-10', '2024-01-32', '2024-01-01T25:00:00Z', '2024-01-01T10:60:00Z', 'yesterday', '1', '', 20240101, null]) {
      expect(isoDate(bad)).toBeNull();
    }
  });

  it('firstSentence skips ellipses and common abbreviations', () => {
    expect(firstSentence('Checks (e.g. TLS) may fail. Second.')).toBe('Checks (e.g. TLS) may fail');
    expect(firstSentence('Wait... it crashes. More.')).toBe('Wait... it crashes');
    expect(firstSentence('No period at all')).toBe('No period at all');
    expect(firstSentence('Version 1.2.3 is affected!\nNext')).toBe('Version 1.2.3 is affected!');
    const long = firstSentence(`${'word '.repeat(100)}end.`);
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^word( word)+…$/); // cut at a word boundary
  });

  it('parseImageRef splits host, repository, tag and digest', () => {
    expect(parseImageRef('contosoprodacr.azurecr.io/payments/api:1.4.2')).toEqual({ host: 'contosoprodacr.azurecr.io', repository: 'payments/api', tag: '1.4.2', digest: '' });
    expect(parseImageRef(`localhost:5000/a/b@${DIGEST_9C}`)).toEqual({ host: 'localhost:5000', repository: 'a/b', tag: '', digest: DIGEST_9C });
    expect(parseImageRef('nginx:1.27')).toEqual({ host: '', repository: 'nginx', tag: '1.27', digest: '' });
    expect(parseImageRef('')).toBeNull();
  });

  it('cleanText only parses real markup, and cut never splits a surrogate pair', () => {
    expect(cleanText('a <b>bold</b> move')).toBe('a bold move');
    expect(cleanText('x < y and y > z')).toBe('x < y and y > z');
    expect(cleanText('AT&T — “quoted”')).toBe('AT&T — “quoted”');
    expect(cleanText('  tab\tinside  ')).toBe('tab\tinside');
    expect(cleanText(42)).toBe('');
    expect(cut('ab😀', 3)).toBe('ab');
  });
});

describe('workload helpers', () => {
  it.each([
    ['api-7d9f8c6b5-x2k4p', { kind: 'deployment', name: 'api' }],
    ['billing-worker-5c8d7b9f4d-abcde', { kind: 'statefulset', name: 'billing-worker-5c8d7b9f4d-abcde' }],
    ['redis-0', { kind: 'statefulset', name: 'redis' }],
    ['fluentd-x2k4p', { kind: 'workload', name: 'fluentd' }],
    ['standalone', { kind: 'pod', name: 'standalone' }],
  ])('guesses the workload of pod %s', (pod, expected) => {
    if (pod === 'billing-worker-5c8d7b9f4d-abcde') {
      // "abcde" holds vowels, so it is not a Kubernetes-generated suffix: the pod stays as is.
      expect(workloadOfPod(pod)).toEqual({ kind: 'pod', name: pod });
      return;
    }
    expect(workloadOfPod(pod)).toEqual(expected);
  });

  it('maps ReplicaSets to Deployments only when the suffix is a pod-template-hash', () => {
    expect(workloadOf('ReplicaSet', 'api-7d9f8c6b5')).toEqual({ kind: 'deployment', name: 'api' });
    expect(workloadOf('ReplicaSet', 'my-cache')).toEqual({ kind: 'replicaset', name: 'my-cache' });
    expect(workloadOf('DaemonSet', 'fluentd')).toEqual({ kind: 'daemonset', name: 'fluentd' });
  });
});

// ------------------------------------------------------------------------------------------------
/** Every path (object keys and array indexes) inside a value. */
function pathsOf(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (value === null || typeof value !== 'object') return out;
  for (const [key, inner] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path);
    pathsOf(inner, path, out);
  }
  return out;
}

function setPath(root: unknown, path: Array<string | number>, value: unknown): void {
  let current = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) current = current[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (value === undefined) delete current[last];
  else current[last] = value;
}

const MUTATION_BASES = [...ALL_ROWS, ...ALL_ROWS.map(objectify)];
const BASE_PATHS = MUTATION_BASES.map((row) => pathsOf(row));

describe('property: mapDefenderRow never throws', () => {
  it('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true }), (raw) => {
        expectWellFormed(mapDefenderRow(raw));
      }),
      propertyRuns(500),
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        expectWellFormed(mapDefenderRow(raw));
      }),
      propertyRuns(500),
    );
  });

  it('on Defender-shaped objects with arbitrary fields', () => {
    const type = fc.constantFrom('microsoft.security/assessments', 'microsoft.security/assessments/subassessments', 'Microsoft.Security/assessments/subAssessments');
    fc.assert(
      fc.property(type, fc.string(), fc.jsonValue(), fc.jsonValue(), (t, id, properties, additionalData) => {
        const props = properties !== null && typeof properties === 'object' && !Array.isArray(properties) ? properties : {};
        expectWellFormed(mapDefenderRow({ id, type: t, properties: { ...props, status: { code: 'Unhealthy' }, additionalData } }));
      }),
      propertyRuns(300),
    );
  });

  it('on mutated real rows', () => {
    const replacement = fc.oneof(
      fc.jsonValue(),
      fc.anything(),
      fc.constantFrom(undefined, null, '', '[', '{"CveId":', '[{"CveId":"CVE-2024-0001"}]', 'Unhealthy', 'Healthy', 'NaN', '\u0000', '🔥'),
    );
    const edit = fc.tuple(fc.nat(), replacement);
    fc.assert(
      fc.property(fc.nat({ max: MUTATION_BASES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (index, edits) => {
        const row = clone(MUTATION_BASES[index]);
        const paths = BASE_PATHS[index] ?? [];
        for (const [at, value] of edits) {
          const path = paths[at % paths.length];
          if (path === undefined) continue;
          try {
            setPath(row, path, value);
          } catch {
            // an earlier edit replaced a parent with a primitive: skip this edit
          }
        }
        expectWellFormed(mapDefenderRow(row));
      }),
      propertyRuns(1_000),
    );
  });

  it('on real rows with truncated JSON strings', () => {
    const withJson = ALL_ROWS.filter((row) => typeof row.properties?.additionalData?.CvesDetails === 'string');
    fc.assert(
      fc.property(fc.nat({ max: withJson.length - 1 }), fc.nat(), (index, at) => {
        const row = clone(withJson[index] as Row);
        const text = row.properties.additionalData.CvesDetails as string;
        row.properties.additionalData.CvesDetails = text.slice(0, at % text.length);
        row.properties.resourceAdditionalData = typeof row.properties.resourceAdditionalData === 'string'
          ? row.properties.resourceAdditionalData.slice(0, at % 50)
          : row.properties.resourceAdditionalData;
        expectWellFormed(mapDefenderRow(row));
      }),
      propertyRuns(300),
    );
  });
});
