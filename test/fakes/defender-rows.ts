/**
 * Builders of Resource Graph rows for tests that talk to the fake Resource Graph: individual
 * recommendations (images, running containers, machines, SQL VA), a grouped sub-assessment, the
 * subscription rows of `resourcecontainers` and tenant-level `cvedetails` rows. Shapes follow the
 * fixtures in `src/sources/defender-rows/__fixtures__` (themselves from the Azure reference).
 */
import type { FakeRow } from './resource-graph.js';

export const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';

/** A CVE inside a row's CvesDetails. `severity` defaults to `Unknown` (as Defender leaves most machine CVEs). */
export interface CveSpec {
  id: string;
  severity?: string;
  cvss?: number;
}

function cvesDetails(cves: readonly CveSpec[]): string {
  return JSON.stringify(
    cves.map((c) => ({
      CveId: c.id,
      Severity: c.severity ?? 'Unknown',
      Cvss: c.cvss === undefined ? [] : [{ Key: '3', Value: { Base: c.cvss, CvssVectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
      Description: `${c.id} description`,
      FixStatus: 'FixAvailable',
      FixedVersion: '2.0.0',
      PublishedDate: '2026-01-15T00:00:00.0000000Z',
    })),
  );
}

function guidOf(text: string): string {
  let h = 2166136261;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${round}:${text}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const a = hex.join('');
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-8${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

interface Common {
  subscriptionId: string;
  resourceGroup?: string;
  status?: 'Unhealthy' | 'Healthy' | 'NotApplicable';
  /** The recommendation's metadata.severity (default High). */
  severity?: string;
}

/** An individual recommendation on an Azure VM: one vulnerable package, its CVEs. */
export function machineRow(o: Common & { vm: string; software?: string; cves: readonly CveSpec[] }): FakeRow {
  const rg = o.resourceGroup ?? 'rg-本番-東京';
  const machine = `/subscriptions/${o.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${o.vm}`;
  const name = guidOf(`${machine}|${o.software ?? 'openssl'}`);
  return {
    id: `${machine}/providers/Microsoft.Security/assessments/${name}`,
    name,
    type: 'microsoft.security/assessments',
    tenantId: TENANT,
    subscriptionId: o.subscriptionId,
    resourceGroup: rg,
    properties: {
      displayName: `Update ${o.software ?? 'openssl'}`,
      status: { code: o.status ?? 'Unhealthy', firstEvaluationDate: '2026-10-01T06:00:00.0000000Z' },
      metadata: { displayName: `Update ${o.software ?? 'openssl'}`, severity: o.severity ?? 'High', recommendationCategory: 'SoftwareUpdate' },
      resourceDetails: { Source: 'Azure', Id: machine, ResourceName: o.vm, ResourceType: 'Microsoft.Compute/virtualMachines' },
      additionalData: {
        SoftwareName: o.software ?? 'openssl',
        SoftwareVendor: 'vendor',
        PackageType: 'OS',
        DetectedSoftwareVersions: '["1.0.0"]',
        FixedVersion: '2.0.0',
        ...(o.status === 'Healthy' ? {} : { CvesDetails: cvesDetails(o.cves) }),
      },
    },
  };
}

/** An individual recommendation on a registry image (`.containerimage`). */
export function imageRow(o: Common & { registry: string; repository: string; digest: string; software?: string; cves: readonly CveSpec[] }): FakeRow {
  const rg = o.resourceGroup ?? 'rg-acr';
  const registryId = `/subscriptions/${o.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${o.registry}`;
  const entity = `${registryId}/securityentitydata/repositories-${o.repository.replace(/\//g, '-')}-images-${o.digest}`;
  const name = guidOf(`${entity}|${o.software ?? 'libssl'}`);
  return {
    id: `${entity}/providers/Microsoft.Security/assessments/${name}`,
    name,
    type: 'microsoft.security/assessments',
    tenantId: TENANT,
    subscriptionId: o.subscriptionId,
    resourceGroup: rg,
    properties: {
      displayName: `Update ${o.software ?? 'libssl'}`,
      status: { code: o.status ?? 'Unhealthy', firstEvaluationDate: '2026-10-01T06:00:00.0000000Z' },
      metadata: { displayName: `Update ${o.software ?? 'libssl'}`, severity: o.severity ?? 'High', recommendationCategory: 'SoftwareUpdate' },
      resourceDetails: { Source: 'Azure', Id: entity, ResourceName: o.repository, ResourceType: '.containerimage' },
      additionalData: {
        SoftwareName: o.software ?? 'libssl',
        PackageType: 'OS',
        DetectedSoftwareVersions: '["1.0.0"]',
        FixedVersion: '2.0.0',
        CvesDetails: cvesDetails(o.cves),
      },
      resourceAdditionalData: JSON.stringify({
        RepositoryDetails: { RegistryHost: `${o.registry}.azurecr.io`, RepositoryName: o.repository },
        Digest: o.digest,
        Tags: [],
      }),
    },
  };
}

/** A SQL vulnerability-assessment rule failing on an Azure SQL database. */
export function sqlRow(o: Common & { server: string; database: string; rule: string; ruleSeverity: string }): FakeRow {
  const rg = o.resourceGroup ?? 'rg-データ-本番';
  const server = `/subscriptions/${o.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Sql/servers/${o.server}`;
  const database = `${server}/databases/${o.database}`;
  const name = guidOf(`${database}|${o.rule}`);
  return {
    id: `${database}/providers/Microsoft.Security/assessments/${name}`,
    name,
    type: 'microsoft.security/assessments',
    tenantId: TENANT,
    subscriptionId: o.subscriptionId,
    resourceGroup: rg,
    properties: {
      displayName: `Rule ${o.rule}`,
      status: { code: o.status ?? 'Unhealthy', firstEvaluationDate: '2026-10-01T06:00:00.0000000Z' },
      metadata: { displayName: `Rule ${o.rule}`, severity: o.severity ?? o.ruleSeverity },
      resourceDetails: { Source: 'Azure', Id: database, ResourceName: o.database, ResourceType: 'Microsoft.Sql/servers/databases' },
      additionalData: { Scanner: 'SQL Vulnerability Assessment', RuleId: o.rule, Severity: o.ruleSeverity, Category: 'SurfaceAreaReduction', ParentResource: server },
    },
  };
}

/** A grouped-model (sub-assessment) MDVM row for a VM, as tenants that still have the old model return. */
export function groupedMachineRow(o: Common & { vm: string; software?: string; cves: readonly CveSpec[] }): FakeRow {
  const rg = o.resourceGroup ?? 'rg-legacy';
  const machine = `/subscriptions/${o.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${o.vm}`;
  const name = guidOf(`${machine}|grouped|${o.software ?? 'chrome'}`);
  return {
    id: `${machine}/providers/Microsoft.Security/assessments/1195afff-c881-495e-9bc5-1486211ae03f/subassessments/${name}`,
    name,
    type: 'microsoft.security/assessments/subassessments',
    tenantId: TENANT,
    subscriptionId: o.subscriptionId,
    resourceGroup: rg,
    properties: {
      id: `va-_-google-_-${o.software ?? 'chrome'}`,
      displayName: `Update ${o.software ?? 'chrome'}`,
      description: 'Update to mitigate known vulnerabilities.',
      remediation: 'Update to the latest version.',
      category: 'Application',
      status: { code: o.status ?? 'Unhealthy', severity: o.severity ?? 'High' },
      timeGenerated: '2026-06-10T02:31:55.0000000Z',
      resourceDetails: { id: machine, source: 'Azure' },
      additionalData: {
        assessedResourceType: 'ServerVulnerabilityTvm',
        source: 'Microsoft Defender vulnerability management',
        softwareVendor: 'google',
        softwareName: o.software ?? 'chrome',
        softwareVersion: '1.0.0',
        recommendedVersion: '2.0.0',
        cve: o.cves.map((c) => ({ title: c.id, severity: c.severity ?? 'High', cvssScore: c.cvss ?? 7.5, description: `${c.id} description`, publishedDate: '2026-01-15T00:00:00Z' })),
      },
    },
  };
}

/** A `resourcecontainers` subscription row: what the identity can see. */
export function subscriptionRow(subscriptionId: string, name: string): FakeRow {
  return { id: `/subscriptions/${subscriptionId}`, name, type: 'microsoft.resources/subscriptions', tenantId: TENANT, subscriptionId, properties: { state: 'Enabled' } };
}

/** A tenant-level `microsoft.security/cvedetails` row (no subscriptionId, as in Azure). */
export function cveDetailsRow(cve: string, severity: string, cvss3?: number): FakeRow {
  const id = cve.toLowerCase();
  return {
    id: `/providers/microsoft.security/cvedetails/${id}`,
    name: id,
    type: 'microsoft.security/cvedetails',
    tenantId: TENANT,
    properties: {
      cveId: cve.toUpperCase(),
      severity,
      status: '',
      publishedDate: '2026-01-15T00:00:00Z',
      cvss: { '4.0': null, '3.0': cvss3 === undefined ? null : { base: cvss3, cvssVectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }, '2.0': null },
      exploitabilityDetails: { Epss: { Score: 0.1, Percentile: 0.9 } },
    },
  };
}
