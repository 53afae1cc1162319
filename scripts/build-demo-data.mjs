#!/usr/bin/env node
// Builds the demo dataset in demo/data/ (committed; rerun this script to regenerate it).
// The rows follow the documented shapes of Defender for Cloud data in Azure Resource Graph:
//   week-0-grouped/  the last grouped-model export (sub-assessments), July 2026, before Microsoft
//                    retired grouped recommendations — the ledger's starting point;
//   week-1/, week-2/ individual recommendations (microsoft.security/assessments), the live model.
// Week 2 fixes some findings, adds new ones, brings one back, and rebuilds an image (new digest,
// same CVE: same case). Japanese resource-group and database names are deliberate.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'data');
const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const PROD = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const TEST = '7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c';
const ACR_RG = 'rg-本番-東京';
const ACR = `/subscriptions/${PROD}/resourceGroups/${ACR_RG}/providers/Microsoft.ContainerRegistry/registries/contosoprodacr`;
const AKS = `/subscriptions/${PROD}/resourceGroups/rg-aks-本番/providers/Microsoft.ContainerService/managedClusters/aks-prod-01`;
const VM_WEB = `/subscriptions/${PROD}/resourceGroups/rg-本番-東京/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const VM_BATCH = `/subscriptions/${TEST}/resourceGroups/rg-検証-バッチ/providers/Microsoft.Compute/virtualMachines/vm-batch-03`;
const ARC_DB = `/subscriptions/${PROD}/resourceGroups/rg-オンプレ-大阪/providers/Microsoft.HybridCompute/machines/osk-db-02`;
const SQL_SERVER = `/subscriptions/${PROD}/resourceGroups/rg-データ-本番/providers/Microsoft.Sql/servers/sql-prod-01`;

/** Deterministic GUID-looking ids: the same seed gives the same id in every week (like Defender's assessment names). */
function guid(seed) {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  const hex = (n) => (n >>> 0).toString(16).padStart(8, '0');
  const a = hex(h), b = hex(Math.imul(h, 2654435761)), c = hex(Math.imul(h ^ 0x9e3779b9, 40503)), d = hex(h ^ 0xdeadbeef);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`.slice(0, 36);
}
const digest = (seed) => `sha256:${Array.from({ length: 8 }, (_, i) => guid(`${seed}${i}`).replace(/-/g, '').slice(0, 8)).join('')}`;

const envelope = (rows) => ({ totalRecords: rows.length, count: rows.length, resultTruncated: 'false', facets: [], data: rows });
const base = (id, name, type, sub, rg) => ({ id, name, type, tenantId: TENANT, kind: '', location: 'global', resourceGroup: rg, subscriptionId: sub, managedBy: '', sku: null, plan: null });
const tail = { tags: null, identity: null, zones: null, extendedLocation: null };

// ---------------------------------------------------------------- CVE catalogue
const CVES = {
  'CVE-2024-6119': { sev: 'High', cvss: 7.5, summary: 'Possible denial of service in X.509 name checks', desc: 'Applications performing certificate name checks may attempt to read an invalid memory address, causing abnormal termination.', pkg: 'openssl', fixed: '3.0.14-1~deb12u2', installed: '3.0.13-1~deb12u1' },
  'CVE-2024-5535': { sev: 'Critical', cvss: 9.1, summary: 'SSL_select_next_proto buffer overread', desc: 'Calling SSL_select_next_proto with an empty supported client protocols buffer may cause a crash or memory contents to be sent to the peer.', pkg: 'openssl', fixed: '3.0.14-1~deb12u2', installed: '3.0.13-1~deb12u1' },
  'CVE-2023-4911': { sev: 'High', cvss: 7.8, summary: 'Looney Tunables: buffer overflow in glibc ld.so', desc: 'A buffer overflow was discovered in the GNU C Library dynamic loader while processing the GLIBC_TUNABLES environment variable.', pkg: 'glibc', fixed: '2.36-9+deb12u3', installed: '2.36-9+deb12u1' },
  'CVE-2024-45490': { sev: 'Critical', cvss: 9.8, summary: 'libexpat XML_ParseBuffer negative length', desc: 'An issue was discovered in libexpat before 2.6.3. xmlparse.c does not reject a negative length for XML_ParseBuffer.', pkg: 'expat', fixed: '2.6.3-r0', installed: '2.6.2-r0' },
  'CVE-2023-45288': { sev: 'High', cvss: 7.5, summary: 'HTTP/2 CONTINUATION flood in Go net/http', desc: 'An attacker may cause an HTTP/2 endpoint to read arbitrary amounts of header data by sending an excessive number of CONTINUATION frames. 日本語メモ: 受信側の負荷が増大します（DoS）。', pkg: 'stdlib', fixed: '1.22.2', installed: '1.21.5' },
  'CVE-2025-27587': { sev: 'Unknown', cvss: null, summary: '', desc: 'Timing side channel (disputed).', pkg: 'openssl', fixed: '', installed: '3.0.13-1~deb12u1' },
  'CVE-2024-6387': { sev: 'High', cvss: 8.1, summary: 'regreSSHion: signal handler race in sshd', desc: "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd): a race condition in a signal handler.", pkg: 'openssh', fixed: '1:8.9p1-3ubuntu0.10', installed: '1:8.9p1-3ubuntu0.6' },
  'CVE-2025-26465': { sev: 'Unknown', cvss: null, summary: '', desc: 'Machine-in-the-middle attack when VerifyHostKeyDNS is enabled.', pkg: 'openssh', fixed: '1:8.9p1-3ubuntu0.11', installed: '1:8.9p1-3ubuntu0.6' },
  'CVE-2024-5274': { sev: 'High', cvss: 8.8, summary: 'Type Confusion in V8', desc: 'Type Confusion in V8 in Google Chrome prior to 125.0.6422.112 allowed a remote attacker to execute arbitrary code inside a sandbox via a crafted HTML page.', pkg: 'chrome', fixed: '126.0.6478.126', installed: '125.0.6422.142' },
  'CVE-2026-1234': { sev: 'Unknown', cvss: null, summary: '', desc: 'Use after free in Google Chrome V8 that allowed a remote attacker to potentially exploit heap corruption via a crafted HTML page.', pkg: 'chrome', fixed: '139.0.7258.66', installed: '138.0.7204.184' },
  'CVE-2026-1235': { sev: 'Unknown', cvss: null, summary: '', desc: 'Inappropriate implementation in Extensions.', pkg: 'chrome', fixed: '139.0.7258.66', installed: '138.0.7204.184' },
  'CVE-2026-2001': { sev: 'High', cvss: 8.6, summary: 'curl: heap overflow in SOCKS5 proxy handshake', desc: 'A heap buffer overflow in the SOCKS5 proxy handshake lets a malicious proxy crash curl or run code.', pkg: 'curl', fixed: '8.11.1-1', installed: '8.5.0-2ubuntu10.4' },
};

// ---------------------------------------------------------------- grouped model (sub-assessments)
function groupedImageRow(repo, dig, cveId, code = 'Unhealthy') {
  const c = CVES[cveId];
  const name = guid(`g-img-${repo}-${cveId}`);
  return {
    ...base(`${ACR}/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subassessments/${name}`, name, 'microsoft.security/assessments/subassessments', PROD, ACR_RG),
    properties: {
      id: cveId,
      displayName: cveId,
      description: `This vulnerability affects the following vendors: ${c.pkg}. ${c.desc}`,
      remediation: c.fixed ? `Create new image with updated package ${c.pkg} with version ${c.fixed} or higher.` : 'No remediation exists',
      status: { severity: c.sev, code },
      timeGenerated: '2026-07-27T03:14:07.1234567Z',
      resourceDetails: { id: `/repositories/${repo}/images/${dig}`, source: 'Azure' },
      additionalData: {
        assessedResourceType: 'AzureContainerRegistryVulnerability',
        cvssV30Score: c.cvss,
        vulnerabilityDetails: {
          severity: c.sev,
          cveId,
          publishedDate: '2024-06-01T00:00:00.0000000Z',
          lastModifiedDate: '2026-05-30T00:00:00.0000000Z',
          exploitabilityAssessment: { exploitStepsPublished: false, exploitStepsVerified: false, isInExploitKit: false, exploitUris: [], types: [] },
          workarounds: [],
          references: [{ title: cveId, link: `https://nvd.nist.gov/vuln/detail/${cveId}` }],
          weaknesses: { cwe: [] },
          cvss: { '2.0': null, '3.0': c.cvss === null ? null : { cvssVectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', base: c.cvss } },
        },
        artifactDetails: { registryHost: 'contosoprodacr.azurecr.io', repositoryName: repo, digest: dig, tags: ['2026.07.20'], lastPushedToRegistryUTC: '2026-07-20T08:00:11.0000000Z', artifactType: 'ContainerImage', mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
        softwareDetails: { category: 'OS', language: '', packageName: c.pkg, vendor: 'debian', version: c.installed, fixedVersion: c.fixed, fixStatus: c.fixed ? 'FixAvailable' : 'NoFixAvailable', osDetails: { osPlatform: 'linux', osVersion: '12' } },
      },
    },
    ...tail,
  };
}

function groupedMachineRow(machineId, rg, sub, software, cveIds, severity) {
  const name = guid(`g-vm-${machineId}-${software}`);
  return {
    ...base(`${machineId}/providers/Microsoft.Security/assessments/1195afff-c881-495e-9bc5-1486211ae03f/subassessments/${name}`, name, 'microsoft.security/assessments/subassessments', sub, rg),
    properties: {
      id: `va-_-${software.vendor}-_-${software.name}`,
      displayName: `Update ${software.title}`,
      description: `Update ${software.title} to mitigate ${cveIds.length} known vulnerabilities.`,
      remediation: `Update ${software.title} to version ${software.fixed} or later.`,
      impact: '',
      category: 'Application',
      status: { code: 'Unhealthy', severity },
      timeGenerated: '2026-07-27T02:31:55.0000000Z',
      resourceDetails: { id: machineId, source: 'Azure' },
      additionalData: {
        assessedResourceType: 'ServerVulnerabilityTvm',
        source: 'Microsoft Defender vulnerability management',
        softwareVendor: software.vendor,
        softwareName: software.name,
        softwareVersion: software.installed,
        recommendedVersion: software.fixed,
        cve: cveIds.map((id) => ({ title: id, link: `https://nvd.nist.gov/vuln/detail/${id}`, severity: CVES[id].sev, cvssScore: CVES[id].cvss, description: CVES[id].desc, publishedDate: '2024-05-28T00:00:00Z', lastModifiedDate: '2026-01-10T00:00:00Z', hasPublicExploit: false, isExploitVerified: false, exploitabilityLevel: 'NoExploit' })),
      },
    },
    ...tail,
  };
}

function groupedSqlRow(dbName, rule, code = 'Unhealthy') {
  const name = guid(`g-sql-${dbName}-${rule.id}`);
  return {
    ...base(`${SQL_SERVER}/providers/Microsoft.Security/assessments/82e20e14-edc5-4373-bfc4-f13121257c37/subassessments/${name}`, name, 'microsoft.security/assessments/subassessments', PROD, 'rg-データ-本番'),
    properties: {
      id: rule.id,
      displayName: rule.title,
      description: rule.description,
      remediation: rule.remediation,
      impact: rule.impact,
      category: rule.category,
      status: { code, severity: rule.severity, cause: '', description: '' },
      timeGenerated: '2026-07-27T00:12:00.0000000Z',
      resourceDetails: { source: 'Azure', id: `${SQL_SERVER}/databases/${dbName}` },
      additionalData: { assessedResourceType: 'SqlServerVulnerability', type: 'AzureDatabase', query: 'SELECT name FROM sys.firewall_rules', benchmarks: [{ benchmark: 'FedRAMP', reference: 'AC-3' }] },
    },
    ...tail,
  };
}

// ---------------------------------------------------------------- individual model (assessments)
function cveDetails(ids, overrideSeverity = {}) {
  return JSON.stringify(
    ids.map((id) => {
      const c = CVES[id];
      const sev = overrideSeverity[id] ?? c.sev;
      return {
        CveId: id,
        Description: c.desc,
        ExtendedDescription: { Summary: c.summary, Impact: '' },
        Cvss: c.cvss === null ? [] : [{ Key: '3', Value: { Base: c.cvss, CvssVectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
        CvssSource: c.cvss === null ? '' : 'Nvd',
        Severity: sev,
        PublishedDate: '2024-06-01T00:00:00.0000000Z',
        FixStatus: c.fixed ? 'FixAvailable' : 'NoFixAvailable',
        FixedVersion: c.fixed,
        ExploitabilityDetails: { ExploitStepsPublished: false, ExploitStepsVerified: false, IsInExploitKit: false },
        Remediation: c.fixed ? `Upgrade ${c.pkg} to ${c.fixed} or later.` : '',
        References: [{ Title: id, Link: `https://nvd.nist.gov/vuln/detail/${id}` }],
      };
    }),
  );
}

function imageRow(repo, dig, pkg, ids, { severity = 'High', code = 'Unhealthy', tags = [] } = {}) {
  const name = guid(`i-img-${repo}-${pkg}`);
  const entity = `repositories-${repo.replace(/\//g, '-')}-images-${dig}`;
  const c = CVES[ids[0]];
  return {
    ...base(`${ACR}/securityentitydata/${entity}/providers/Microsoft.Security/assessments/${name}`, name, 'microsoft.security/assessments', PROD, ACR_RG),
    properties: {
      displayName: `Update ${pkg}`,
      status: { code, firstEvaluationDate: '2026-11-10T04:11:52.5127731Z', statusChangeDate: '2026-11-10T04:11:52.5127731Z' },
      metadata: { displayName: `Update ${pkg}`, severity, recommendationCategory: 'SoftwareUpdate', assessmentType: 'BuiltIn', remediationDescription: `Update ${pkg} and rebuild the image.` },
      resourceDetails: { Source: 'Azure', Id: `${ACR}/securityentitydata/${entity}`, ResourceName: repo, ResourceType: '.containerimage' },
      additionalData: {
        SoftwareName: pkg,
        SoftwareVendor: 'debian',
        PackageType: 'OS',
        Language: '',
        DetectedSoftwareVersions: JSON.stringify([c.installed]),
        FixedVersion: c.fixed,
        ...(code === 'Unhealthy' ? { CvesDetails: cveDetails(ids) } : {}),
      },
      resourceAdditionalData: JSON.stringify({ RepositoryDetails: { RegistryHost: 'contosoprodacr.azurecr.io', RepositoryName: repo }, ImageUri: `contosoprodacr.azurecr.io/${repo}@${dig}`, Digest: dig, Tags: tags, LastPushedToRegistryUTC: '2026-11-09T22:41:09.0000000Z' }),
    },
    ...tail,
  };
}

function runtimeRow(ids, overrideSeverity) {
  const name = guid('i-k8s-billing-openssl');
  const entity = 'k8s-container-billing-deployment-billing-worker-worker';
  return {
    ...base(`${AKS}/securityentitydata/${entity}/providers/Microsoft.Security/assessments/${name}`, name, 'microsoft.security/assessments', PROD, 'rg-aks-本番'),
    properties: {
      displayName: 'Update openssl',
      status: { code: 'Unhealthy', firstEvaluationDate: '2026-11-11T12:30:00.0000000Z', statusChangeDate: '2026-11-11T12:30:00.0000000Z' },
      metadata: { displayName: 'Update openssl', severity: 'High', recommendationCategory: 'SoftwareUpdate', assessmentType: 'BuiltIn' },
      resourceDetails: { Source: 'Azure', Id: `${AKS}/securityentitydata/${entity}`, ResourceName: 'worker', ResourceType: 'K8s-container' },
      additionalData: { SoftwareName: 'openssl', SoftwareVendor: 'debian', PackageType: 'OS', DetectedSoftwareVersions: '["3.0.13-1~deb12u1"]', FixedVersion: '3.0.14-1~deb12u2', CvesDetails: cveDetails(ids, overrideSeverity) },
      resourceAdditionalData: JSON.stringify({ ClusterDetails: { ClusterName: 'aks-prod-01' }, Namespace: 'billing', ContainerName: 'worker', ControllerKind: 'Deployment', ControllerName: 'billing-worker', ImageDetails: { ImageUri: 'contosoprodacr.azurecr.io/payments/api:1.4.2' } }),
    },
    ...tail,
  };
}

function machineRow(machineId, rg, sub, machineName, type, software, ids, severity, code = 'Unhealthy') {
  const name = guid(`i-vm-${machineId}-${software.name}`);
  return {
    ...base(`${machineId}/providers/Microsoft.Security/assessments/${name}`, name, 'microsoft.security/assessments', sub, rg),
    properties: {
      displayName: `Update ${software.title}`,
      status: { code, firstEvaluationDate: '2026-11-02T06:02:17.4410000Z', statusChangeDate: '2026-11-02T06:02:17.4410000Z' },
      metadata: { displayName: `Update ${software.title}`, severity, recommendationCategory: 'SoftwareUpdate', assessmentType: 'BuiltIn', remediationDescription: `Update ${software.title} to version ${software.fixed} or later.` },
      resourceDetails: { Source: 'Azure', Id: machineId, ResourceName: machineName, ResourceType: type },
      additionalData: {
        SoftwareName: software.name,
        SoftwareVendor: software.vendor,
        PackageType: 'Application',
        DetectedSoftwareVersions: JSON.stringify([software.installed]),
        FixedVersion: software.fixed,
        ...(code === 'Unhealthy' ? { CvesDetails: cveDetails(ids) } : {}),
      },
    },
    ...tail,
  };
}

function sqlRow(dbId, dbName, rg, parent, rule, { code = 'Unhealthy', camel = false } = {}) {
  const name = guid(`i-sql-${rule.id}`);
  const ad = {
    Scanner: 'SQL Vulnerability Assessment',
    RuleId: rule.id,
    Severity: rule.severity,
    Category: rule.category,
    ParentResource: parent,
    Impact: rule.impact,
    RemediationDescription: rule.remediation,
    Query: 'SELECT name FROM sys.database_principals',
    Benchmarks: JSON.stringify([{ benchmark: 'FedRAMP', reference: 'AC-3' }]),
    HasBaseline: false,
    SqlServerInstance: camel ? 'MSSQLSERVER' : '',
  };
  const additionalData = camel ? Object.fromEntries(Object.entries(ad).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), v])) : ad;
  return {
    ...base(`${dbId}/providers/Microsoft.Security/assessments/${name}`, name, 'microsoft.security/assessments', PROD, rg),
    properties: {
      displayName: rule.title,
      status: { code, firstEvaluationDate: '2026-11-05T02:14:33.0000000Z', statusChangeDate: '2026-11-05T02:14:33.0000000Z' },
      metadata: { displayName: rule.title, severity: rule.severity, assessmentType: 'BuiltIn', description: rule.description, remediationDescription: rule.remediation },
      resourceDetails: { Source: 'Azure', Id: dbId, ResourceName: dbName, ResourceType: 'Microsoft.Sql/servers/databases' },
      additionalData,
    },
    ...tail,
  };
}

function devopsRow() {
  const name = guid('devops');
  const id = `/subscriptions/${PROD}/resourceGroups/rg-devops/providers/Microsoft.Security/securityConnectors/github-contoso/devops/default/repos/payments/providers/Microsoft.Security/assessments/${name}`;
  return {
    ...base(id, name, 'microsoft.security/assessments', PROD, 'rg-devops'),
    properties: {
      displayName: 'Update lodash',
      status: { code: 'Unhealthy' },
      metadata: { displayName: 'Update lodash', severity: 'High', recommendationCategory: 'SoftwareUpdate' },
      resourceDetails: { Source: 'Azure', Id: id.replace(/\/providers\/Microsoft\.Security\/assessments\/.*$/, ''), ResourceType: 'GitHubRepository' },
      additionalData: { SoftwareName: 'lodash', CvesDetails: '[{"CveId":"CVE-2021-23337","Severity":"High"}]' },
    },
    ...tail,
  };
}

const RULES = {
  VA2065: { id: 'VA2065', severity: 'High', category: 'SurfaceAreaReduction', title: 'Server-level firewall rules should be tracked and maintained at a strict minimum', description: 'The Azure SQL server-level firewall helps protect your data by preventing all access to your databases until you specify which IP addresses have permission.', remediation: 'Evaluate each of the server-level firewall rules. Remove any rules that grant unnecessary access and set the rest as a baseline.', impact: 'Firewall rules should be strictly configured to allow access only to client computers that have a valid need to connect.' },
  VA1258: { id: 'VA1258', severity: 'Medium', category: 'AuthenticationAndAuthorization', title: 'Database owners are as expected', description: 'Database owners can perform all configuration and maintenance activities on the database.', remediation: 'Remove members who should not have access to the db_owner role and set a baseline.', impact: 'Database owners can drop databases.' },
  VA1143: { id: 'VA1143', severity: 'Low', category: 'AuthenticationAndAuthorization', title: "'dbo' user should not be used for normal service operation", description: "The 'dbo' user should not be used for normal operations.", remediation: "Create users with low privileges to access the DB and any data stored in it.", impact: '' },
  VA2108: { id: 'VA2108', severity: 'High', category: 'AuthenticationAndAuthorization', title: 'Minimal set of principals should be members of fixed high impact database roles', description: 'SQL Server provides roles to help manage the permissions. Roles are security principals that group other principals.', remediation: 'Remove members who should not have access to the database role.', impact: 'Members of high-impact roles can change permissions and data.' },
};

const SW = {
  chromeOld: { vendor: 'google', name: 'chrome', title: 'Google Chrome', installed: '125.0.6422.142', fixed: '126.0.6478.126' },
  chrome: { vendor: 'google', name: 'chrome', title: 'Google Chrome', installed: '138.0.7204.184', fixed: '139.0.7258.66' },
  openssh: { vendor: 'ubuntu', name: 'openssh', title: 'OpenSSH', installed: '1:8.9p1-3ubuntu0.6', fixed: '1:8.9p1-3ubuntu0.11' },
  curl: { vendor: 'ubuntu', name: 'curl', title: 'curl', installed: '8.5.0-2ubuntu10.4', fixed: '8.11.1-1' },
  sevenzip: { vendor: '7-zip', name: '7-zip', title: '7-Zip', installed: '25.01', fixed: '' },
};

const DIGEST_API_V1 = digest('payments-api-v1');
const DIGEST_API_V2 = digest('payments-api-v2'); // week 2: the image was rebuilt
const DIGEST_FRONTEND = digest('web-frontend');
const DIGEST_WORKER = digest('inventory-worker');
const DB_SALES = `${SQL_SERVER}/databases/売上DB`;
const DB_ORDERS = `${SQL_SERVER}/databases/orders`;
const DB_ARC = `${ARC_DB}/securityentitydata/sqlservers:MSSQLSERVER:databases:在庫管理`;

const weeks = {
  'week-0-grouped': {
    'containers-grouped.json': envelope([
      groupedImageRow('payments/api', DIGEST_API_V1, 'CVE-2024-6119'),
      groupedImageRow('payments/api', DIGEST_API_V1, 'CVE-2023-4911'),
      groupedImageRow('web/frontend', DIGEST_FRONTEND, 'CVE-2024-45490'),
      groupedImageRow('web/frontend', DIGEST_FRONTEND, 'CVE-2025-27587', 'Healthy'),
    ]),
    'machines-grouped.json': envelope([
      groupedMachineRow(VM_WEB, 'rg-本番-東京', PROD, SW.chromeOld, ['CVE-2024-5274'], 'High'),
      groupedMachineRow(ARC_DB, 'rg-オンプレ-大阪', PROD, SW.openssh, ['CVE-2024-6387'], 'High'),
    ]),
    'sql-grouped.json': envelope([groupedSqlRow('売上DB', RULES.VA2065), groupedSqlRow('売上DB', RULES.VA1143, 'Healthy')]),
  },
  'week-1': {
    'containers.json': envelope([
      imageRow('payments/api', DIGEST_API_V1, 'openssl', ['CVE-2024-6119', 'CVE-2024-5535', 'CVE-2025-27587']),
      imageRow('web/frontend', DIGEST_FRONTEND, 'zlib', ['CVE-2025-27587'], { severity: 'Low', code: 'Healthy' }),
      imageRow('inventory/集計-worker', DIGEST_WORKER, 'stdlib', ['CVE-2023-45288']),
      runtimeRow(['CVE-2024-6119'], {}),
      devopsRow(),
    ]),
    'machines.json': envelope([
      machineRow(VM_WEB, 'rg-本番-東京', PROD, 'vm-web-01', 'Microsoft.Compute/virtualMachines', SW.chrome, ['CVE-2026-1234', 'CVE-2026-1235'], 'High'),
      machineRow(ARC_DB, 'rg-オンプレ-大阪', PROD, 'osk-db-02', 'Microsoft.HybridCompute/machines', SW.openssh, ['CVE-2024-6387', 'CVE-2025-26465'], 'Critical'),
      machineRow(VM_WEB, 'rg-本番-東京', PROD, 'vm-web-01', 'Microsoft.Compute/virtualMachines', SW.sevenzip, [], 'Low', 'Healthy'),
    ]),
    'sql.json': envelope([
      sqlRow(DB_SALES, '売上DB', 'rg-データ-本番', SQL_SERVER, RULES.VA2065),
      sqlRow(DB_ARC, '在庫管理', 'rg-オンプレ-大阪', ARC_DB, RULES.VA1258, { camel: true }),
      sqlRow(DB_SALES, '売上DB', 'rg-データ-本番', SQL_SERVER, RULES.VA1143, { code: 'Healthy' }),
    ]),
  },
  'week-2': {
    'containers.json': envelope([
      // Rebuilt image: new digest, CVE-2024-5535 fixed, CVE-2024-6119 still there (same case, not new).
      imageRow('payments/api', DIGEST_API_V2, 'openssl', ['CVE-2024-6119', 'CVE-2025-27587'], { tags: ['1.4.3'] }),
      // Back: libexpat on web/frontend, fixed since July, reintroduced by a base-image downgrade.
      imageRow('web/frontend', DIGEST_FRONTEND, 'expat', ['CVE-2024-45490'], { severity: 'Critical' }),
      imageRow('inventory/集計-worker', DIGEST_WORKER, 'stdlib', ['CVE-2023-45288']),
      runtimeRow(['CVE-2024-6119'], {}),
      devopsRow(),
    ]),
    'machines.json': envelope([
      // vm-web-01 updated Chrome: its two CVEs are gone. A new machine shows up with curl.
      machineRow(ARC_DB, 'rg-オンプレ-大阪', PROD, 'osk-db-02', 'Microsoft.HybridCompute/machines', SW.openssh, ['CVE-2024-6387', 'CVE-2025-26465'], 'Critical'),
      machineRow(VM_BATCH, 'rg-検証-バッチ', TEST, 'vm-batch-03', 'Microsoft.Compute/virtualMachines', SW.curl, ['CVE-2026-2001'], 'High'),
    ]),
    'sql.json': envelope([
      sqlRow(DB_SALES, '売上DB', 'rg-データ-本番', SQL_SERVER, RULES.VA2065),
      sqlRow(DB_ORDERS, 'orders', 'rg-データ-本番', SQL_SERVER, RULES.VA2108),
      sqlRow(DB_ARC, '在庫管理', 'rg-オンプレ-大阪', ARC_DB, RULES.VA1258, { camel: true }),
    ]),
  },
};

for (const [week, files] of Object.entries(weeks)) {
  // Only this script's week folders: demo/data/enrichment/ is built by build-demo-enrichment.mjs.
  rmSync(path.join(root, week), { recursive: true, force: true });
  mkdirSync(path.join(root, week), { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(path.join(root, week, file), `${JSON.stringify(content, null, 2)}\n`);
  }
}
console.log(`demo exports written to ${root}`);
