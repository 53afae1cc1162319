/**
 * Grouped recommendations (`microsoft.security/assessments/subassessments`, removed by Microsoft
 * on 2026-07-31, kept for replayed and historical data): one row per finding under an assessment
 * key; MDVM and Qualys flavours for images and machines, SQL VA for databases.
 */
import {
  CLUSTER_RE,
  MACHINE_RE,
  REGISTRY_RE,
  acrHost,
  addLink,
  addLinks,
  armPrefix,
  armTypeOf,
  armTypeOfLower,
  assessmentKeyOf,
  cleanText,
  cveIdOfTitle,
  cvssScore,
  cvssV3Of,
  exploitOf,
  findingsOf,
  fixAvailability,
  isoDate,
  lastSegment,
  oneLine,
  rateSeverity,
  ruleVuln,
  resourceIdOfRow,
  registryImageAsset,
  resourceRef,
  short,
  shortOrNull,
  skipRow,
  statusSkip,
  trimSlash,
  vulnIdOf,
  vulnTitle,
  workloadKey,
  workloadOf,
  workloadOfPod,
  type Asset,
  type RowContext,
  type RowMapping,
  type Vuln,
  type Workload,
} from './common.js';
import { asBoolish, asRecord, asText, parseJsonish, pick, pickPath, stringList } from './schema.js';
import { sqlAsset, sqlDatabaseId } from './sql.js';

type Props = Record<string, unknown>;
type Rec = Record<string, unknown> | undefined;

/** What a sub-assessment row holds, decided by its assessment key and `assessedResourceType`. */
type Flavour =
  | 'registry-mdvm'
  | 'registry-qualys'
  | 'runtime-mdvm'
  | 'runtime-qualys'
  | 'machine-tvm'
  | 'machine-qualys'
  | 'sql';

const FLAVOUR_BY_KEY: Readonly<Record<string, Flavour | 'machine'>> = {
  'c0b7cfc6-3172-465a-b378-53c7ff2cc0d5': 'registry-mdvm',
  '33422d8f-ab1e-42be-bc9a-38685bb567b9': 'registry-mdvm',
  'dbd0cb49-b563-45e7-9724-889e799fa648': 'registry-qualys',
  'c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5': 'runtime-mdvm',
  'e9acaf48-d2cf-45a3-a6e7-3caa2ef769e0': 'runtime-mdvm',
  '41503391-efa5-47ee-9282-4eff6131462c': 'runtime-qualys',
  '1195afff-c881-495e-9bc5-1486211ae03f': 'machine',
  '82e20e14-edc5-4373-bfc4-f13121257c37': 'sql',
  'f97aa83c-9b63-4f9a-99f6-b22c4398f936': 'sql',
};

/** Defender keys that are known and deliberately not collected (multicloud, nodes, non-CVE). */
const NOT_OURS_KEYS: Readonly<Record<string, string>> = {
  'c27441ae-775c-45be-8ffa-655de37362ce': 'AWS registry images',
  '5cc3a2c1-8397-456f-8792-fe9d0d4c9145': 'GCP registry images',
  '682b2595-d045-4cff-b5aa-46624eb2dd8f': 'AWS running images',
  'e538731a-80c8-4317-a119-13075e002516': 'GCP running images',
  '77a4a140-e051-481a-84cc-d4bf2109bd65': 'EC2 instances',
  '0a03fa35-e381-4e2f-ace6-2b9913db3381': 'GCP compute instances',
  '24a15fbd-cfe4-4dff-b2be-1c367a6b2031': 'AKS nodes',
  'ffff0522-1e88-47fc-8382-2a80ba848f5d': 'vulnerability assessment solution status',
  '4ab6e3c5-74dd-8b35-9ab9-f61b30875b27': 'security configuration',
};

const FLAVOUR_BY_TYPE: Readonly<Record<string, Flavour | 'mdvm-image' | 'not-ours'>> = {
  azurecontainerregistryvulnerability: 'mdvm-image',
  containerregistryvulnerability: 'registry-qualys',
  servervulnerabilitytvm: 'machine-tvm',
  servervulnerability: 'machine-qualys',
  servervulnerabilityassessment: 'machine-qualys',
  sqlservervulnerability: 'sql',
  sqlvirtualmachinevulnerability: 'sql',
  awscontainerregistryvulnerability: 'not-ours',
  gcpcontainerregistryvulnerability: 'not-ours',
  generalvulnerability: 'not-ours',
};

const BOILERPLATE_RE = /^This vulnerability affects the following vendors/i;
const REPOSITORY_PATH_RE = /\/repositories\/(.+?)\/images\/(sha256:[0-9a-f]+)/i;
const QUALYS_PATH_RE = /\/repository\/(.+?)\/imageDigest\/([^/]+)/i;
const POD_PATH_RE = /\/namespaces\/([^/]+)\/pods\/([^/]+)\/containers\/([^/]+)/i;
const NUMERIC_RE = /^\d+$/;

/** Maps one sub-assessment row (properties already known to be an object). */
export function mapGrouped(ctx: RowContext, props: Props): RowMapping {
  const ad = asRecord(pick(props, 'additionalData'));
  const rd = asRecord(pick(props, 'resourceDetails'));
  const flavour = classify(ctx, props, ad, rd);
  if (typeof flavour !== 'string') return flavour;
  const skip = statusSkip(ctx, props);
  if (skip !== null) return skip;
  if (flavour === 'sql') return mapSql(ctx, props, rd);
  const asset =
    flavour === 'registry-mdvm' || flavour === 'registry-qualys'
      ? registryAsset(ctx, ad, rd, flavour)
      : flavour === 'runtime-mdvm' || flavour === 'runtime-qualys'
        ? containerAsset(ctx, ad, rd, flavour)
        : machineAsset(ctx, rd);
  if (typeof asset === 'string') return skipRow(ctx, 'invalid', asset);
  const vulns =
    flavour === 'registry-mdvm' || flavour === 'runtime-mdvm'
      ? mdvmVulns(props, ad)
      : flavour === 'machine-tvm'
        ? tvmVulns(ctx, props, ad)
        : qualysVulns(ctx, props, ad);
  if (typeof vulns === 'string') return skipRow(ctx, 'invalid', vulns);
  return findingsOf(ctx, asset, vulns, NO_DETECTION_TIME);
}

/**
 * Sub-assessments do not say when a finding was first detected: `timeGenerated` is when the result
 * was generated and moves with every scan, so taking it made every grouped finding read as changed
 * (and be rewritten) in each week's import. The ledger's own firstSeen is the record.
 */
const NO_DETECTION_TIME = null;

// ---------------------------------------------------------------- classification

function classify(ctx: RowContext, props: Props, ad: Rec, rd: Rec): Flavour | RowMapping {
  const { row } = ctx;
  const key = assessmentKeyOf(row.id) || row.assessmentKey.trim().toLowerCase();
  const assessedType = asText(pick(ad, 'assessedResourceType'));
  const source = asText(pick(rd, 'source')).toLowerCase();
  if (source === 'aws' || source === 'gcp') {
    return skipRow(ctx, 'not-ours', `resourceDetails.source ${source}`);
  }
  const notOurs = NOT_OURS_KEYS[key];
  if (notOurs !== undefined) return skipRow(ctx, 'not-ours', `assessment ${key} (${notOurs})`);
  const byKey = FLAVOUR_BY_KEY[key];
  const byType = FLAVOUR_BY_TYPE[assessedType.toLowerCase()];
  if (byKey === 'machine') {
    if (byType === 'machine-tvm' || byType === 'machine-qualys') return byType;
    // assessedResourceType missing or new: a numeric id is a Qualys QID, anything else MDVM.
    return NUMERIC_RE.test(asText(pick(props, 'id'))) ? 'machine-qualys' : 'machine-tvm';
  }
  if (byKey !== undefined) return byKey;
  if (byType === 'not-ours') return skipRow(ctx, 'not-ours', `assessedResourceType ${short(assessedType, 60)}`);
  if (byType === 'mdvm-image') {
    const runtime = pick(ad, 'kubernetesDetails') !== undefined || POD_PATH_RE.test(asText(pick(rd, 'id')));
    return runtime ? 'runtime-mdvm' : 'registry-mdvm';
  }
  if (byType !== undefined) return byType;
  if (key !== '') return skipRow(ctx, 'not-ours', `assessment ${short(key, 60)}`);
  if (assessedType !== '') {
    return skipRow(ctx, 'unrecognised', `assessedResourceType ${short(assessedType, 60)}`);
  }
  return skipRow(ctx, 'unrecognised', 'no assessment key or assessedResourceType');
}

// ---------------------------------------------------------------- assets

function registryAsset(ctx: RowContext, ad: Rec, rd: Rec, flavour: Flavour): Asset | string {
  const { row } = ctx;
  const rdId = asText(pick(rd, 'id'));
  const registry = armPrefix(row.id, REGISTRY_RE) ?? armPrefix(rdId, REGISTRY_RE);
  let repo: string;
  let host: string;
  let digest: string;
  let tags: string[];
  if (flavour === 'registry-mdvm') {
    const artifact = asRecord(pick(ad, 'artifactDetails'));
    const path = REPOSITORY_PATH_RE.exec(rdId);
    repo = asText(pick(artifact, 'repositoryName')) || path?.[1] || '';
    host = asText(pick(artifact, 'registryHost'));
    digest = asText(pick(artifact, 'digest')) || path?.[2] || '';
    tags = stringList(pick(artifact, 'tags')).list.map((tag) => short(tag));
  } else {
    const path = QUALYS_PATH_RE.exec(rdId);
    repo = asText(pick(ad, 'repositoryName')) || path?.[1] || '';
    host = asText(pick(ad, 'registryHost'));
    digest = asText(pick(ad, 'imageDigest')) || path?.[2] || '';
    tags = [];
  }
  if (repo === '') return 'additionalData repositoryName missing';
  if (host === '' && registry !== null) host = acrHost(registry.name);
  if (host === '') return 'additionalData registryHost missing';
  const registryId = registry?.id || resourceIdOfRow(row.id);
  return registryImageAsset(row, { host, repo, digest, tags, registry, registryId });
}

function containerAsset(ctx: RowContext, ad: Rec, rd: Rec, flavour: Flavour): Asset | string {
  const { row } = ctx;
  const k8s = asRecord(pick(ad, 'kubernetesDetails'));
  const rdId = asText(pick(rd, 'id'));
  const clusterId =
    asText(pick(k8s, 'clusterResourceId')) ||
    armPrefix(rdId, CLUSTER_RE)?.id ||
    armPrefix(row.id, CLUSTER_RE)?.id ||
    resourceIdOfRow(row.id);
  if (clusterId === '') return 'cluster id missing (kubernetesDetails.clusterResourceId, row id)';

  let repo: string;
  let host: string;
  let digest: string;
  let tags: string[];
  if (flavour === 'runtime-mdvm') {
    const artifact = asRecord(pick(ad, 'artifactDetails'));
    repo = asText(pick(artifact, 'repositoryName'));
    host = asText(pick(artifact, 'registryHost'));
    digest = asText(pick(artifact, 'digest'));
    tags = stringList(pick(artifact, 'tags')).list.map((tag) => short(tag));
  } else {
    repo = asText(pick(ad, 'repositoryName'));
    host = asText(pick(ad, 'registryHost'));
    digest = asText(pick(ad, 'imageDigest'));
    tags = [];
  }
  const repository = repo === '' ? null : host === '' ? repo : `${host}/${repo}`;

  const path = POD_PATH_RE.exec(rdId);
  const namespace = asText(pick(k8s, 'namespace')) || path?.[1] || '';
  const container = asText(pick(k8s, 'containerName')) || path?.[3] || '';
  let assetKey: string;
  if (namespace !== '' && container !== '') {
    const controllerKind = asText(pick(k8s, 'controllerKind'));
    const controllerName = asText(pick(k8s, 'controllerName'));
    const pod = asText(pick(k8s, 'podName')) || path?.[2] || '';
    let workload: Workload = { kind: '', name: '' };
    if (controllerName !== '') workload = workloadOf(controllerKind, controllerName);
    else if (pod !== '') workload = workloadOfPod(pod);
    assetKey = workloadKey(clusterId, namespace, workload, container);
  } else if (repository !== null) {
    // Older runtime rows (c609cf0f…) name only the cluster and the image: the image in the cluster.
    ctx.notes.push('no workload details; asset key is the image within the cluster');
    assetKey = `${trimSlash(clusterId)}/image:${repository}`.toLowerCase();
  } else {
    return 'additionalData.kubernetesDetails missing';
  }
  return {
    kind: 'runningContainer',
    assetKey,
    resource: resourceRef(
      row,
      clusterId,
      asText(pick(k8s, 'clusterName')) || lastSegment(clusterId),
      armTypeOf(clusterId),
    ),
    repository,
    digests: digest === '' ? [] : [short(digest)],
    tags,
    database: null,
    server: null,
  };
}

function machineAsset(ctx: RowContext, rd: Rec): Asset | string {
  const { row } = ctx;
  const rdId = asText(pick(rd, 'id'));
  const machineId = (armPrefix(rdId, MACHINE_RE) !== null ? rdId : '') || resourceIdOfRow(row.id) || rdId;
  if (machineId === '') return 'resourceDetails.id missing';
  const lowerId = trimSlash(machineId).toLowerCase();
  return {
    kind: 'machine',
    assetKey: lowerId,
    resource: resourceRef(
      row,
      machineId,
      asText(pick(rd, 'resourceName')) || lastSegment(machineId) || asText(pick(rd, 'machineName')),
      armTypeOfLower(lowerId),
      lowerId,
    ),
    repository: null,
    digests: [],
    tags: [],
    database: null,
    server: null,
  };
}

// ---------------------------------------------------------------- vulnerabilities

function statusSeverity(props: Props): unknown {
  return pickPath(props, 'status', 'severity');
}

/** MDVM image rows: the row is one CVE. */
function mdvmVulns(props: Props, ad: Rec): Vuln[] | string {
  const details = asRecord(pick(ad, 'vulnerabilityDetails'));
  const software = asRecord(pick(ad, 'softwareDetails'));
  const vulnId = vulnIdOf(pick(details, 'cveId')) || vulnIdOf(pick(props, 'id'));
  if (vulnId === '') return 'properties.id missing';
  const description = cleanText(pick(props, 'description'));
  const softwareName = shortOrNull(pick(software, 'packageName'));
  const fixedVersion = shortOrNull(pick(software, 'fixedVersion'));
  const installed = shortOrNull(pick(software, 'version'));
  const exploit = asRecord(pick(details, 'exploitabilityAssessment'));
  const references: string[] = [];
  addLinks(references, pick(details, 'references'), 'link');
  const rated = rateSeverity(pick(details, 'severity'), 'cve', statusSeverity(props), 'cve');
  return [
    {
      vulnId,
      severity: rated.severity,
      severitySource: rated.severitySource,
      cvss: cvssV3Of(pick(details, 'cvss')) ?? cvssScore(pick(ad, 'cvssV30Score')),
      title: vulnTitle(vulnId, '', BOILERPLATE_RE.test(description) ? '' : description, softwareName),
      description,
      impact: cleanText(pick(props, 'impact')),
      remediation: cleanText(pick(props, 'remediation')),
      references,
      publishedAt: isoDate(pick(details, 'publishedDate')),
      software: softwareName,
      installedVersions: installed === null ? [] : [installed],
      fixedVersion,
      fixAvailable: fixAvailability(pick(software, 'fixStatus'), fixedVersion),
      exploit:
        exploit === undefined
          ? null
          : exploitOf(
              asBoolish(pick(exploit, 'exploitStepsPublished')),
              asBoolish(pick(exploit, 'exploitStepsVerified')),
              asBoolish(pick(exploit, 'isInExploitKit')),
            ),
    },
  ];
}

function cveList(ctx: RowContext, ad: Rec): unknown[] {
  const parsed = parseJsonish(pick(ad, 'cve'));
  if (parsed.malformed) ctx.notes.push('additionalData.cve is not valid JSON; ignored');
  return Array.isArray(parsed.value) ? parsed.value : [];
}

/** MDVM machine rows (`ServerVulnerabilityTvm`): one row per vulnerable software, CVEs in `cve[]`. */
function tvmVulns(ctx: RowContext, props: Props, ad: Rec): Vuln[] | string {
  const list = cveList(ctx, ad);
  if (list.length === 0) return 'additionalData.cve missing or empty';
  const software = shortOrNull(pick(ad, 'softwareName'));
  const installed = shortOrNull(pick(ad, 'softwareVersion'));
  const fixedVersion = shortOrNull(pick(ad, 'recommendedVersion'));
  const rowDescription = cleanText(pick(props, 'description'));
  const impact = cleanText(pick(props, 'impact'));
  const remediation = cleanText(pick(props, 'remediation'));
  const rowSeverity = statusSeverity(props);
  const vulns: Vuln[] = [];
  for (const cve of list) {
    const vulnId = cveIdOfTitle(pick(cve, 'title')) || vulnIdOf(pick(cve, 'cveId'));
    if (vulnId === '' || vulns.some((v) => v.vulnId === vulnId)) continue;
    const ownDescription = cleanText(pick(cve, 'description'));
    const references: string[] = [];
    addLink(references, pick(cve, 'link'));
    const rated = rateSeverity(pick(cve, 'severity'), 'cve', rowSeverity, 'recommendation');
    vulns.push({
      vulnId,
      severity: rated.severity,
      severitySource: rated.severitySource,
      cvss: cvssScore(pick(cve, 'cvssScore')),
      title: vulnTitle(vulnId, '', ownDescription, software),
      description: ownDescription || rowDescription,
      impact,
      remediation,
      references,
      publishedAt: isoDate(pick(cve, 'publishedDate')),
      software,
      installedVersions: installed === null ? [] : [installed],
      fixedVersion,
      fixAvailable: fixedVersion !== null ? true : null,
      exploit: tvmExploit(cve),
    });
  }
  if (vulns.length === 0) return 'additionalData.cve has no CVE id';
  return vulns;
}

/** MDE's exploitabilityLevel values, weakest first. */
const EXPLOIT_LEVELS = ['noexploit', 'exploitispublic', 'exploitisverified', 'exploitisinkit'];

/** TVM exploit flags: `hasPublicExploit`/`isExploitVerified`, completed from `exploitabilityLevel`. */
function tvmExploit(cve: unknown): ReturnType<typeof exploitOf> {
  const level = EXPLOIT_LEVELS.indexOf(asText(pick(cve, 'exploitabilityLevel')).toLowerCase());
  const known = level >= 0;
  return exploitOf(
    asBoolish(pick(cve, 'hasPublicExploit')) ?? (known ? level >= 1 : undefined),
    asBoolish(pick(cve, 'isExploitVerified')) ?? (known ? level >= 2 : undefined),
    known ? level === 3 : undefined,
  );
}

/** Qualys rows (images and machines): one finding per CVE, or `QID-<id>` when there is none. */
function qualysVulns(ctx: RowContext, props: Props, ad: Rec): Vuln[] | string {
  const displayName = oneLine(cleanText(pick(props, 'displayName'), true), 300);
  let description = cleanText(pick(props, 'description'), true);
  if (description === '' || description === displayName) description = cleanText(pick(ad, 'threat'), true) || description;
  const cvss = asRecord(pick(ad, 'cvss'));
  const vendorReferences: string[] = [];
  addLinks(vendorReferences, pick(ad, 'vendorReferences'), 'link');
  const list = cveList(ctx, ad);
  const base: Omit<Vuln, 'vulnId' | 'title' | 'references'> = {
    ...rateSeverity(statusSeverity(props), 'recommendation'),
    cvss: cvssScore(pickPath(cvss, '3.0', 'base')) ?? cvssScore(pickPath(cvss, '2.0', 'base')),
    description,
    impact: cleanText(pick(props, 'impact'), true),
    remediation: cleanText(pick(props, 'remediation'), true),
    publishedAt: isoDate(pick(ad, 'publishedTime')),
    software: null,
    installedVersions: [],
    fixedVersion: null,
    fixAvailable: asBoolish(pick(ad, 'patchable')) ?? null,
    exploit: null,
  };
  const vulns: Vuln[] = [];
  for (const cve of list) {
    const vulnId = cveIdOfTitle(pick(cve, 'title'));
    if (vulnId === '' || vulns.some((v) => v.vulnId === vulnId)) continue;
    const references: string[] = [];
    addLink(references, pick(cve, 'link'));
    for (const url of vendorReferences) addLink(references, url);
    vulns.push({ ...base, vulnId, title: displayName === '' ? vulnId : `${vulnId}: ${displayName}`, references });
  }
  if (vulns.length > 0) return vulns;
  const qid = vulnIdOf(pick(props, 'id'));
  if (qid === '') return 'properties.id (QID) missing';
  const vulnId = qid.startsWith('QID-') ? qid : `QID-${qid}`;
  return [{ ...base, vulnId, title: displayName || vulnId, references: vendorReferences }];
}

// ---------------------------------------------------------------- SQL vulnerability assessment

function mapSql(ctx: RowContext, props: Props, rd: Rec): RowMapping {
  const { row } = ctx;
  const ruleId = vulnIdOf(pick(props, 'id'));
  if (ruleId === '') return skipRow(ctx, 'invalid', 'properties.id (rule id) missing');
  const databaseId = sqlDatabaseId(row.id, rd, asText(pick(rd, 'id')));
  const asset = sqlAsset(row, databaseId, {
    parentResource: resourceIdOfRow(row.id),
    instance: asText(pick(rd, 'serverName')),
    resourceName: asText(pick(rd, 'databaseName')),
    resourceType: '',
  });
  if (typeof asset === 'string') return skipRow(ctx, 'invalid', asset);
  const vuln = ruleVuln({
    vulnId: ruleId,
    ...rateSeverity(statusSeverity(props), 'rule'),
    title: oneLine(cleanText(pick(props, 'displayName')), 300) || ruleId,
    description: cleanText(pick(props, 'description')),
    impact: cleanText(pick(props, 'impact')),
    remediation: cleanText(pick(props, 'remediation')),
  });
  return findingsOf(ctx, asset, [vuln], NO_DETECTION_TIME);
}
