/**
 * Individual recommendations (`microsoft.security/assessments`, the model since 2026-07-31):
 * software-update rows for registry images, running containers and machines, and SQL VA rows.
 */
import type { FindingKind } from '../../core/finding.js';
import {
  CLUSTER_RE,
  MACHINE_RE,
  REGISTRY_RE,
  acrHost,
  addLinks,
  armPrefix,
  armTypeOf,
  armTypeOfLower,
  beforeEntity,
  cleanText,
  cvssV3Of,
  digestIn,
  exploitOf,
  findingsOf,
  fixAvailability,
  hasEntity,
  isoDate,
  lastSegment,
  oneLine,
  parseImageRef,
  rateSeverity,
  ruleVuln,
  resourceIdOfRow,
  registryImageAsset,
  resourceRef,
  short,
  shortOrNull,
  skipRow,
  statusSkip,
  stripImageRef,
  trimSlash,
  vulnIdOf,
  vulnTitle,
  workloadKey,
  workloadOf,
  type Asset,
  type RowContext,
  type RowMapping,
  type Vuln,
} from './common.js';
import { asBoolish, asRecord, asText, parseJsonish, pick, stringList } from './schema.js';
import { sqlAsset, sqlDatabaseId } from './sql.js';

type Props = Record<string, unknown>;
type Rec = Record<string, unknown> | undefined;

const SQL_SCANNER_RE = /^sql vulnerability assessment$/i;
const DEVOPS_RE = /\/devops\/default\//i;

const KIND_BY_RESOURCE_TYPE: Readonly<Record<string, FindingKind>> = {
  '.containerimage': 'registryImage',
  'k8s-container': 'runningContainer',
  'microsoft.compute/virtualmachines': 'machine',
  'microsoft.hybridcompute/machines': 'machine',
};

/** Maps one `microsoft.security/assessments` row (properties already known to be an object). */
export function mapIndividual(ctx: RowContext, props: Props): RowMapping {
  const ad = asRecord(pick(props, 'additionalData'));
  const rd = asRecord(pick(props, 'resourceDetails'));
  const meta = asRecord(pick(props, 'metadata'));
  const kind = classify(ctx, ad, rd, meta);
  if (typeof kind !== 'string') return kind;
  const skip = statusSkip(ctx, props);
  if (skip !== null) return skip;
  const status = asRecord(pick(props, 'status'));
  const detectedAt = isoDate(pick(status, 'firstEvaluationDate')) ?? isoDate(pick(status, 'statusChangeDate'));
  if (kind === 'sql') return mapSql(ctx, props, ad, rd, meta, detectedAt);
  const asset =
    kind === 'registryImage'
      ? registryAsset(ctx, props, rd)
      : kind === 'runningContainer'
        ? containerAsset(ctx, props, rd)
        : machineAsset(ctx, rd);
  if (typeof asset === 'string') return skipRow(ctx, 'invalid', asset);
  const vulns = cveVulns(ctx, ad, meta);
  if (typeof vulns === 'string') return skipRow(ctx, 'invalid', vulns);
  return findingsOf(ctx, asset, vulns, detectedAt);
}

// ---------------------------------------------------------------- classification

function classify(ctx: RowContext, ad: Rec, rd: Rec, meta: Rec): FindingKind | RowMapping {
  const { row } = ctx;
  const scanner = asText(pick(ad, 'Scanner'));
  if (SQL_SCANNER_RE.test(scanner)) return 'sql';
  const category = asText(pick(meta, 'recommendationCategory'));
  const resourceType = asText(pick(rd, 'ResourceType')).toLowerCase();
  if (category.toLowerCase() !== 'softwareupdate') {
    if (category !== '') return skipRow(ctx, 'not-ours', `recommendationCategory ${short(category, 60)}`);
    // No category at all (projected away?): accept it only when the resource type says it is ours.
    if (KIND_BY_RESOURCE_TYPE[resourceType] === undefined) {
      if (sqlInScannersDetails(ad)) return 'sql';
      return skipRow(ctx, 'not-ours', 'no recommendationCategory');
    }
  }
  if (DEVOPS_RE.test(row.id)) return skipRow(ctx, 'not-ours', 'DevOps finding');
  const source = asText(pick(rd, 'Source')).toLowerCase();
  if (source !== '' && source !== 'azure' && !source.startsWith('onpremise')) {
    return skipRow(ctx, 'not-ours', `resourceDetails.Source ${short(source, 40)}`);
  }
  if (resourceType !== '') {
    const kind = KIND_BY_RESOURCE_TYPE[resourceType];
    if (kind !== undefined) return kind;
    return skipRow(ctx, 'not-ours', `resourceDetails.ResourceType ${short(resourceType, 80)}`);
  }
  const inferred = kindFromId(row.id);
  if (inferred !== null) {
    ctx.notes.push('resourceDetails.ResourceType missing; kind inferred from the id');
    return inferred;
  }
  return skipRow(ctx, 'unrecognised', 'SoftwareUpdate row without resourceDetails.ResourceType');
}

function kindFromId(id: string): FindingKind | null {
  if (hasEntity(id)) {
    if (REGISTRY_RE.test(id)) return 'registryImage';
    if (CLUSTER_RE.test(id)) return 'runningContainer';
    return null;
  }
  const machine = armPrefix(id, MACHINE_RE);
  return machine !== null && machine.id.toLowerCase() === resourceIdOfRow(id).toLowerCase() ? 'machine' : null;
}

function sqlInScannersDetails(ad: Rec): boolean {
  const details = asRecord(parseJsonish(pick(ad, 'ScannersDetails')).value);
  if (details === undefined) return false;
  for (const key of Object.keys(details)) if (SQL_SCANNER_RE.test(key.trim())) return true;
  return false;
}

// ---------------------------------------------------------------- assets

function resourceAdditionalData(ctx: RowContext, props: Props): Rec {
  const parsed = parseJsonish(pick(props, 'resourceAdditionalData'));
  const rec = asRecord(parsed.value);
  if (parsed.malformed || (parsed.value !== undefined && rec === undefined)) {
    ctx.notes.push('properties.resourceAdditionalData is not valid JSON; ignored');
  }
  return rec;
}

function registryAsset(ctx: RowContext, props: Props, rd: Rec): Asset | string {
  const { row } = ctx;
  const rad = resourceAdditionalData(ctx, props);
  const details = asRecord(pick(rad, 'RepositoryDetails'));
  const image = parseImageRef(asText(pick(rad, 'ImageUri')));
  const rdId = asText(pick(rd, 'Id'));
  const registry = armPrefix(row.id, REGISTRY_RE) ?? armPrefix(rdId, REGISTRY_RE);
  const repo =
    asText(pick(details, 'RepositoryName')) || image?.repository || stripImageRef(asText(pick(rd, 'ResourceName')));
  if (repo === '') return 'resourceAdditionalData.RepositoryDetails.RepositoryName missing';
  const host =
    asText(pick(details, 'RegistryHost')) || image?.host || (registry !== null ? acrHost(registry.name) : '');
  if (host === '') return 'resourceAdditionalData.RepositoryDetails.RegistryHost missing';
  const digest = asText(pick(rad, 'Digest')) || image?.digest || digestIn(rdId) || digestIn(row.id);
  const tags = stringList(pick(rad, 'Tags')).list.map((tag) => short(tag));
  if (image !== null && image.tag !== '' && !tags.includes(image.tag)) tags.push(short(image.tag));
  const registryId = registry?.id || beforeEntity(row.id) || resourceIdOfRow(row.id);
  return registryImageAsset(row, { host, repo, digest, tags, registry, registryId });
}

function containerAsset(ctx: RowContext, props: Props, rd: Rec): Asset | string {
  const { row } = ctx;
  const rad = resourceAdditionalData(ctx, props);
  const cluster = asRecord(pick(rad, 'ClusterDetails'));
  const rdId = asText(pick(rd, 'Id'));
  const clusterId =
    beforeEntity(row.id) ||
    armPrefix(row.id, CLUSTER_RE)?.id ||
    asText(pick(cluster, 'ClusterResourceId')) ||
    beforeEntity(rdId) ||
    armPrefix(rdId, CLUSTER_RE)?.id ||
    '';
  if (clusterId === '') return 'cluster id missing (row id, resourceAdditionalData.ClusterDetails.ClusterResourceId)';
  const namespace = asText(pick(rad, 'Namespace'));
  const container = asText(pick(rad, 'ContainerName')) || asText(pick(rd, 'ResourceName'));
  let assetKey: string;
  if (namespace !== '' && container !== '') {
    const workload = workloadOf(asText(pick(rad, 'ControllerKind')), asText(pick(rad, 'ControllerName')));
    assetKey = workloadKey(clusterId, namespace, workload, container);
  } else {
    const entity = rdId || resourceIdOfRow(row.id);
    if (entity === '') return 'resourceAdditionalData.Namespace/ContainerName missing';
    ctx.notes.push('workload details missing; asset key is the security entity id');
    assetKey = entity.toLowerCase();
  }
  const imageDetails = asRecord(pick(rad, 'ImageDetails'));
  const image = parseImageRef(asText(pick(imageDetails, 'ImageUri')) || asText(pick(rad, 'ImageUri')));
  const digest = asText(pick(imageDetails, 'Digest')) || image?.digest || '';
  return {
    kind: 'runningContainer',
    assetKey,
    resource: resourceRef(
      row,
      clusterId,
      asText(pick(cluster, 'ClusterName')) || lastSegment(clusterId),
      armTypeOf(clusterId),
    ),
    repository: image === null ? null : image.host === '' ? image.repository : `${image.host}/${image.repository}`,
    digests: digest === '' ? [] : [short(digest)],
    tags: image === null || image.tag === '' ? [] : [short(image.tag)],
    database: null,
    server: null,
  };
}

function machineAsset(ctx: RowContext, rd: Rec): Asset | string {
  const { row } = ctx;
  const machineId = asText(pick(rd, 'Id')) || resourceIdOfRow(row.id);
  if (machineId === '') return 'resourceDetails.Id missing';
  const lowerId = trimSlash(machineId).toLowerCase();
  return {
    kind: 'machine',
    assetKey: lowerId,
    resource: resourceRef(
      row,
      machineId,
      asText(pick(rd, 'ResourceName')) || lastSegment(machineId),
      asText(pick(rd, 'ResourceType')).toLowerCase() || armTypeOfLower(lowerId),
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

function installedVersions(ctx: RowContext, ad: Rec): string[] {
  const detected = stringList(pick(ad, 'DetectedSoftwareVersions'));
  if (detected.malformed) ctx.notes.push('additionalData.DetectedSoftwareVersions is not valid JSON; ignored');
  if (detected.list.length > 0) return detected.list.map((v) => short(v));
  // Fallback: the per-scanner lists in ScannersDetails ({"mdvm": {"DetectedSoftwareVersions": [...]}}).
  const scanners = asRecord(parseJsonish(pick(ad, 'ScannersDetails')).value);
  if (scanners === undefined) return [];
  const out: string[] = [];
  for (const key of Object.keys(scanners)) {
    for (const v of stringList(pick(scanners[key], 'DetectedSoftwareVersions')).list) {
      const version = short(v);
      if (!out.includes(version)) out.push(version);
    }
  }
  return out;
}

function cveVulns(ctx: RowContext, ad: Rec, meta: Rec): Vuln[] | string {
  const parsed = parseJsonish(pick(ad, 'CvesDetails'));
  const list = Array.isArray(parsed.value) ? parsed.value : asRecord(parsed.value) !== undefined ? [parsed.value] : [];
  if (parsed.malformed || (parsed.value !== undefined && list.length === 0 && !Array.isArray(parsed.value))) {
    ctx.notes.push('additionalData.CvesDetails is not valid JSON; ignored');
    return 'additionalData.CvesDetails is not valid JSON';
  }
  if (list.length === 0) return 'additionalData.CvesDetails missing or empty';

  const software = shortOrNull(pick(ad, 'SoftwareName'));
  const versions = installedVersions(ctx, ad);
  const rowFixed = shortOrNull(pick(ad, 'FixedVersion'));
  const recSeverity = pick(meta, 'severity');
  let recDescription: string | undefined;
  let recRemediation: string | undefined;
  const vulns: Vuln[] = [];
  for (const item of list) {
    const cve = asRecord(item);
    const vulnId = vulnIdOf(pick(cve, 'CveId'));
    if (vulnId === '' || vulns.some((v) => v.vulnId === vulnId)) continue;
    const extended = pick(cve, 'ExtendedDescription');
    const summary = typeof extended === 'string' ? cleanText(extended) : cleanText(pick(extended, 'Summary'));
    const ownDescription = cleanText(pick(cve, 'Description'));
    let description = ownDescription;
    if (description === '') description = recDescription ??= cleanText(pick(meta, 'description'));
    let remediation = cleanText(pick(cve, 'Remediation'));
    if (remediation === '') remediation = recRemediation ??= cleanText(pick(meta, 'remediationDescription'));
    const ownFixed = pick(cve, 'FixedVersion');
    const fixedVersion = ownFixed === undefined || ownFixed === null ? rowFixed : shortOrNull(ownFixed);
    const exploit = asRecord(pick(cve, 'ExploitabilityDetails'));
    const references: string[] = [];
    addLinks(references, pick(cve, 'References'), 'Link');
    const rated = rateSeverity(pick(cve, 'Severity'), 'cve', recSeverity, 'recommendation');
    vulns.push({
      vulnId,
      severity: rated.severity,
      severitySource: rated.severitySource,
      cvss: cvssV3Of(pick(cve, 'Cvss')),
      title: vulnTitle(vulnId, summary, ownDescription, software),
      description,
      impact: typeof extended === 'string' ? '' : cleanText(pick(extended, 'Impact')),
      remediation,
      references,
      publishedAt: isoDate(pick(cve, 'PublishedDate')),
      software,
      installedVersions: versions,
      fixedVersion,
      fixAvailable: fixAvailability(pick(cve, 'FixStatus'), fixedVersion),
      exploit:
        exploit === undefined
          ? null
          : exploitOf(
              asBoolish(pick(exploit, 'ExploitStepsPublished') ?? pick(exploit, 'IsPubliclyDisclosed')),
              asBoolish(pick(exploit, 'ExploitStepsVerified') ?? pick(exploit, 'IsVerified')),
              asBoolish(pick(exploit, 'IsInExploitKit')),
            ),
    });
  }
  if (vulns.length === 0) return 'additionalData.CvesDetails has no usable CveId';
  return vulns;
}

// ---------------------------------------------------------------- SQL vulnerability assessment

function mapSql(ctx: RowContext, props: Props, ad: Rec, rd: Rec, meta: Rec, detectedAt: string | null): RowMapping {
  const { row } = ctx;
  const ruleId = vulnIdOf(pick(ad, 'RuleId'));
  if (ruleId === '') return skipRow(ctx, 'invalid', 'additionalData.RuleId missing');
  const databaseId = sqlDatabaseId(row.id, rd, asText(pick(rd, 'Id')) || resourceIdOfRow(row.id));
  const asset = sqlAsset(row, databaseId, {
    parentResource: asText(pick(ad, 'ParentResource')),
    instance: asText(pick(ad, 'SqlServerInstance')),
    resourceName: asText(pick(rd, 'ResourceName')),
    resourceType: asText(pick(rd, 'ResourceType')),
  });
  if (typeof asset === 'string') return skipRow(ctx, 'invalid', asset);
  const title = oneLine(cleanText(pick(meta, 'displayName')) || cleanText(pick(props, 'displayName')), 300) || ruleId;
  const remediation = cleanText(pick(ad, 'RemediationDescription')) || cleanText(pick(meta, 'remediationDescription'));
  const rated = rateSeverity(pick(ad, 'Severity'), 'rule', pick(meta, 'severity'), 'recommendation');
  const vuln = ruleVuln({ vulnId: ruleId, ...rated, title, description: cleanText(pick(meta, 'description')), impact: cleanText(pick(ad, 'Impact')), remediation });
  return findingsOf(ctx, asset, [vuln], detectedAt);
}

