/**
 * The Resource Graph queries vulnledger runs against a tenant, and the loader that fills in their
 * placeholders.
 *
 * The `.kql` files in `./queries/` are the reviewable source; security reviewers read those (and
 * readme.md, which shows them). Their exact text is embedded below in `QUERY_SOURCES` because `tsc`
 * does not copy `.kql` files into `dist/` and the npm package ships `dist/` only: reading the files
 * at run time would pass under vitest and fail after `npm install`. `queries.test.ts` fails when an
 * embedded copy differs from its file by one byte (and prints the entry to paste), so the two
 * cannot drift. Edit the `.kql` file, then update its entry here.
 */
import type { DefenderModel, FindingKind } from '../../core/finding.js';
import type { SeverityThreshold } from '../../core/severity.js';
import { chunks } from '../../util/chunks.js';

/** What a query collects, as named in the source config (`kinds: [registryImages, …]`). */
export type QueryKind = 'registryImages' | 'runningContainers' | 'machines' | 'sql';

export const QUERY_KINDS: readonly QueryKind[] = ['registryImages', 'runningContainers', 'machines', 'sql'];

/** Which Defender data model a query reads. */
export type QueryModel = DefenderModel;

export const QUERY_MODELS: readonly QueryModel[] = ['individual', 'grouped'];

const FINDING_KIND: Record<QueryKind, FindingKind> = {
  registryImages: 'registryImage',
  runningContainers: 'runningContainer',
  machines: 'machine',
  sql: 'sql',
};

/** The finding kind the rows of a query become. */
export function findingKindOf(kind: QueryKind): FindingKind {
  return FINDING_KIND[kind];
}

const FILE_STEM: Record<QueryKind, string> = {
  registryImages: 'registry-images',
  runningContainers: 'running-containers',
  machines: 'machines',
  sql: 'sql',
};

/** The file in `./queries/` that holds the query for a kind and model. */
export function queryFileName(kind: QueryKind, model: QueryModel): string {
  return `${FILE_STEM[kind]}.${model}.kql`;
}

/** The file in `./queries/` that holds the CVE-details lookup. */
export const CVE_DETAILS_QUERY_FILE = 'cvedetails.kql';

/** The file in `./queries/` that lists the subscriptions the identity can read. */
export const SUBSCRIPTIONS_QUERY_FILE = 'subscriptions.kql';

/** The file in `./queries/` that checks whether CVE details are readable (at most one row). */
export const CVE_DETAILS_PROBE_FILE = 'cvedetails-probe.kql';

/** The subscriptions visible to the identity (`id`, `subscriptionId`, `name`); run at tenant scope, paged. */
export function loadSubscriptionsQuery(): string {
  return fill(SUBSCRIPTIONS_QUERY_FILE, {});
}

/** At most one `microsoft.security/cvedetails` row: is CVE detail readable at the scope it is sent to? */
export function loadCveDetailsProbeQuery(): string {
  return fill(CVE_DETAILS_PROBE_FILE, {});
}

/**
 * A one-row probe of a findings query (for vulnledger doctor): the query with `| take 1`
 * appended. Never used for collection: Resource Graph cannot page a query with `take`.
 */
export function probeQuery(query: string): string {
  return `${query.trimEnd()}\n| take 1`;
}

/**
 * Vendor spellings per severity, as `core/severity.ts#parseSeverity` reads them (case-insensitive,
 * trimmed). The server-side severity filter must accept every spelling the TypeScript mapper
 * accepts, or it would drop a finding the ledger keeps; queries.test.ts checks this against
 * `parseSeverity` itself.
 */
const SPELLINGS: Record<SeverityThreshold, readonly string[]> = {
  Critical: ['Critical'],
  High: ['High', 'Important'],
  Medium: ['Medium', 'Moderate'],
  Low: ['Low', 'Informational', 'Info'],
};

const THRESHOLD_ORDER: readonly SeverityThreshold[] = ['Critical', 'High', 'Medium', 'Low'];

/** Every severity spelling that meets `minSeverity`, most severe first. */
export function severitySpellings(minSeverity: SeverityThreshold): string[] {
  const index = THRESHOLD_ORDER.indexOf(minSeverity);
  if (index < 0) throw new Error(`unknown minSeverity "${String(minSeverity)}" (expected ${THRESHOLD_ORDER.join(', ')})`);
  return THRESHOLD_ORDER.slice(0, index + 1).flatMap((severity) => SPELLINGS[severity]);
}

/** Options for `loadQuery`. */
export interface LoadQueryOptions {
  /** The configured threshold; queries whose severity is final (SQL rules) filter on it server-side. */
  minSeverity: SeverityThreshold;
}

/**
 * The query text for a kind and model, placeholders filled in. Throws on an unknown kind or
 * model, or when a placeholder is left unfilled (a query edited without updating the loader).
 */
export function loadQuery(kind: QueryKind, model: QueryModel, options: LoadQueryOptions): string {
  if (!QUERY_KINDS.includes(kind)) throw new Error(`unknown query kind "${String(kind)}" (expected ${QUERY_KINDS.join(', ')})`);
  if (!QUERY_MODELS.includes(model)) throw new Error(`unknown Defender model "${String(model)}" (expected ${QUERY_MODELS.join(', ')})`);
  const file = queryFileName(kind, model);
  return fill(file, {
    minSeverityList: severitySpellings(options.minSeverity).map(kqlString).join(', '),
    knownSeverityList: severitySpellings('Low').map(kqlString).join(', '),
  });
}

/** At most this many CVE ids go into one CVE-details query (larger joins fail in Resource Graph). */
export const CVE_DETAILS_BATCH_MAX = 500;

const CVE_ID = /^cve-\d{4}-\d{4,19}$/;

/**
 * The CVE-details lookup for up to `CVE_DETAILS_BATCH_MAX` CVE ids (any case; lower-cased and
 * de-duplicated here). Run it at tenant or management-group scope. Throws on an empty batch, too
 * many ids, or an id that is not a CVE id (nothing else is ever spliced into the query).
 */
export function loadCveDetailsQuery(cveIds: readonly string[]): string {
  const ids = uniqueLowerCase(cveIds);
  if (ids.length === 0) throw new Error('loadCveDetailsQuery needs at least one CVE id');
  if (ids.length > CVE_DETAILS_BATCH_MAX) {
    throw new Error(`loadCveDetailsQuery takes at most ${CVE_DETAILS_BATCH_MAX} CVE ids, got ${ids.length}; split them with batchCveIds()`);
  }
  const invalid = ids.find((id) => !CVE_ID.test(id));
  if (invalid !== undefined) throw new Error(`not a CVE id: ${JSON.stringify(invalid.slice(0, 80))}`);
  return fill(CVE_DETAILS_QUERY_FILE, { cveIdList: ids.map(kqlString).join(', ') });
}

/** Lower-cases and de-duplicates CVE ids and splits them into batches for `loadCveDetailsQuery`. */
export function batchCveIds(cveIds: readonly string[], size: number = CVE_DETAILS_BATCH_MAX): string[][] {
  if (!Number.isInteger(size) || size < 1 || size > CVE_DETAILS_BATCH_MAX) {
    throw new Error(`CVE batch size must be an integer from 1 to ${CVE_DETAILS_BATCH_MAX}, got ${size}`);
  }
  return chunks(uniqueLowerCase(cveIds), size);
}

function uniqueLowerCase(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => value.trim().toLowerCase()))];
}

/** A KQL string literal. Only called with values from fixed tables or validated CVE ids. */
function kqlString(value: string): string {
  return JSON.stringify(value);
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

function fill(file: string, values: Record<string, string>): string {
  const source = QUERY_SOURCES[file];
  if (source === undefined) throw new Error(`no embedded query ${file}`);
  return source.replace(PLACEHOLDER, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`query ${file} has a placeholder ${match} that the loader does not fill`);
    return value;
  });
}

/**
 * The embedded text of every file in `./queries/`, keyed by file name, byte for byte.
 * Generated from the files; queries.test.ts keeps it identical to them.
 */
export const QUERY_SOURCES: Readonly<Record<string, string>> = {
  "cvedetails-probe.kql": String.raw`// vulnledger · can this identity read CVE details? One row at most (not paged: take is fine here).
// Sent at the scope the CVE-details lookups use (tenant, or the configured management groups) when
// a lookup comes back empty, and by vulnledger doctor. No row = not readable at this scope.
securityresources
| where type =~ "microsoft.security/cvedetails"
| project id
| take 1
`,
  "cvedetails.kql": String.raw`// vulnledger · CVE details (severity, CVSS, descriptions, EPSS) for the CVEs the findings name
// microsoft.security/cvedetails rows are tenant-level: send this query with NO subscriptions (tenant
// scope) or with management groups; a subscription-scoped query returns nothing. Joining them into
// the findings queries is what fails with UnexpectedQueryExecutionError on large tenants, so they
// are fetched separately in batches of at most 500 CVE ids (the cveIdList placeholder is replaced
// with the lower-cased ids as quoted strings).
securityresources
| where type =~ "microsoft.security/cvedetails"
| where tolower(tostring(properties.cveId)) in ({{cveIdList}})
| project id, name, type, tenantId, properties
| order by id asc
`,
  "machines.grouped.kql": String.raw`// vulnledger · machines · grouped (sub-assessment) model, retired by Microsoft on 2026-07-31
// Kept for tenants that still return sub-assessments. Assessment keys: 1195afff (MDVM, built-in
// Qualys and BYOL alike), EC2 77a4a140, GCP compute 0a03fa35.
// No severity filter: one MDVM row lists many CVEs, each with its own severity, and cvedetails can
// raise them above the row's status.severity; filtering here could drop a finding the ledger
// keeps. Applied in TypeScript.
securityresources
| where type =~ "microsoft.security/assessments/subassessments"
| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))
| where assessmentKey in ("1195afff-c881-495e-9bc5-1486211ae03f", "77a4a140-e051-481a-84cc-d4bf2109bd65", "0a03fa35-e381-4e2f-ace6-2b9913db3381")
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, assessmentKey, properties
| order by id asc
`,
  "machines.individual.kql": String.raw`// vulnledger · machines · individual-recommendation model (live since 2026-07-31)
// Filters as in Microsoft's Vulnerabilities workbook ("Servers - FullListTable"): SoftwareUpdate
// recommendations on an Azure VM or an Arc-enabled machine. One row = one vulnerable package on
// one machine; its CVEs are in the JSON string properties.additionalData.CvesDetails.
// No severity filter: Microsoft leaves ~93-98 % of machine CVEs "Unknown" inline and takes their
// severity from cvedetails, which can rate a CVE above its recommendation (metadata.severity).
// Filtering metadata.severity here could drop a finding the ledger keeps, and a dropped row looks
// like a fix. The threshold is applied in TypeScript after enrichment.
securityresources
| where type =~ "microsoft.security/assessments"
| where tostring(properties.metadata.recommendationCategory) =~ "SoftwareUpdate"
| where tostring(coalesce(properties.resourceDetails.ResourceType, properties.resourceDetails.resourceType)) in~ ("Microsoft.Compute/virtualMachines", "Microsoft.HybridCompute/machines")
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, properties
| order by id asc
`,
  "registry-images.grouped.kql": String.raw`// vulnledger · registry images · grouped (sub-assessment) model, retired by Microsoft on 2026-07-31
// Kept for tenants that still return sub-assessments. Assessment keys: MDVM c0b7cfc6, One Queue
// 33422d8f, Qualys dbd0cb49 (retired), AWS ECR c27441ae, GCP 5cc3a2c1.
// No severity filter: these rows carry CVEs whose severity cvedetails can raise above the row's
// status.severity; filtering here could drop a finding the ledger keeps. Applied in TypeScript.
securityresources
| where type =~ "microsoft.security/assessments/subassessments"
| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))
| where assessmentKey in ("c0b7cfc6-3172-465a-b378-53c7ff2cc0d5", "33422d8f-ab1e-42be-bc9a-38685bb567b9", "dbd0cb49-b563-45e7-9724-889e799fa648", "c27441ae-775c-45be-8ffa-655de37362ce", "5cc3a2c1-8397-456f-8792-fe9d0d4c9145")
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, assessmentKey, properties
| order by id asc
`,
  "registry-images.individual.kql": String.raw`// vulnledger · registry images · individual-recommendation model (live since 2026-07-31)
// Filters as in Microsoft's Vulnerabilities workbook ("Containers - FullListTable"): SoftwareUpdate
// recommendations on a container image. One row = one vulnerable package in one image; its CVEs are
// in the JSON string properties.additionalData.CvesDetails, parsed by vulnledger, not here.
// Not filtered: Source (Azure, AWS and GCP registries are all kept; the mapper tells them apart).
// No severity filter: a CVE's severity comes from cvedetails, else CvesDetails, else the
// recommendation (metadata.severity), and cvedetails can rate a CVE above its recommendation.
// Filtering metadata.severity here could drop a finding the ledger keeps, and a dropped row looks
// like a fix. The threshold is applied in TypeScript after enrichment.
securityresources
| where type =~ "microsoft.security/assessments"
| where tostring(properties.metadata.recommendationCategory) =~ "SoftwareUpdate"
| where tostring(coalesce(properties.resourceDetails.ResourceType, properties.resourceDetails.resourceType)) =~ ".containerimage"
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, properties
| order by id asc
`,
  "running-containers.grouped.kql": String.raw`// vulnledger · running containers · grouped (sub-assessment) model, retired by Microsoft on 2026-07-31
// Kept for tenants that still return sub-assessments. Assessment keys: MDVM c609cf0f, One Queue
// e9acaf48, Qualys 41503391 (retired), AWS 682b2595, GCP e538731a.
// No severity filter: these rows carry CVEs whose severity cvedetails can raise above the row's
// status.severity; filtering here could drop a finding the ledger keeps. Applied in TypeScript.
securityresources
| where type =~ "microsoft.security/assessments/subassessments"
| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))
| where assessmentKey in ("c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5", "e9acaf48-d2cf-45a3-a6e7-3caa2ef769e0", "41503391-efa5-47ee-9282-4eff6131462c", "682b2595-d045-4cff-b5aa-46624eb2dd8f", "e538731a-80c8-4317-a119-13075e002516")
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, assessmentKey, properties
| order by id asc
`,
  "running-containers.individual.kql": String.raw`// vulnledger · running containers · individual-recommendation model (live since 2026-07-31)
// Filters as in Microsoft's Containers Security workbook (aks_L2/aks_L3) and the 2026-03-04 release
// notes: SoftwareUpdate recommendations on a Kubernetes container. CVEs are in the JSON string
// properties.additionalData.CvesDetails, parsed by vulnledger, not here.
// Not filtered: Source (AKS, EKS and GKE are all kept; the mapper tells them apart).
// No severity filter: a CVE's severity comes from cvedetails, else CvesDetails, else the
// recommendation (metadata.severity), and cvedetails can rate a CVE above its recommendation.
// Filtering metadata.severity here could drop a finding the ledger keeps, and a dropped row looks
// like a fix. The threshold is applied in TypeScript after enrichment.
securityresources
| where type =~ "microsoft.security/assessments"
| where tostring(properties.metadata.recommendationCategory) =~ "SoftwareUpdate"
| where tostring(coalesce(properties.resourceDetails.ResourceType, properties.resourceDetails.resourceType)) =~ "K8s-container"
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| project id, name, type, tenantId, subscriptionId, resourceGroup, properties
| order by id asc
`,
  "sql.grouped.kql": String.raw`// vulnledger · SQL vulnerability assessment · grouped (sub-assessment) model, retired on 2026-07-31
// Kept for tenants that still return sub-assessments. Assessment keys: SQL databases 82e20e14,
// SQL servers on machines f97aa83c. One row = one rule on one database; Healthy rows (passed
// checks) are dropped. A SQL rule is not a CVE, so its severity is final; a row is kept when
// status.severity OR an additionalData severity (either casing) meets the threshold, a superset
// of whatever order the mapper reads them in, so it cannot drop a row the ledger keeps.
// Placeholder: minSeverityList = every spelling vulnledger reads as at or above minSeverity.
securityresources
| where type =~ "microsoft.security/assessments/subassessments"
| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))
| where assessmentKey in ("82e20e14-edc5-4373-bfc4-f13121257c37", "f97aa83c-9b63-4f9a-99f6-b22c4398f936")
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| where trim(@"\s+", tostring(properties.status.severity)) in~ ({{minSeverityList}}) or trim(@"\s+", tostring(coalesce(properties.additionalData.Severity, properties.additionalData.severity))) in~ ({{minSeverityList}})
| project id, name, type, tenantId, subscriptionId, resourceGroup, assessmentKey, properties
| order by id asc
`,
  "sql.individual.kql": String.raw`// vulnledger · SQL vulnerability assessment · individual (scanner-assessment) model
// Filters as in Microsoft's Vulnerabilities workbook ("GroupByResource", PR #3209): assessments
// whose Scanner (either key casing) is "SQL Vulnerability Assessment". One row = one failed rule
// on one database. A SQL rule is not a CVE, so cvedetails never changes its severity, and the
// severity filter below mirrors the mapper exactly: the rule's additionalData.Severity when it is
// a severity vulnledger recognises, else metadata.severity. It cannot drop a row the ledger keeps.
// Placeholders: minSeverityList = every spelling read as at or above minSeverity; knownSeverityList
// = every spelling read as a severity at all (anything else, e.g. "Unknown", falls back to metadata).
securityresources
| where type =~ "microsoft.security/assessments"
| extend scanner = tostring(coalesce(properties.additionalData.Scanner, properties.additionalData.scanner))
| where scanner =~ "SQL Vulnerability Assessment"
| where tostring(properties.status.code) =~ "Unhealthy"
| where id !contains "/devops/default/"
| extend ruleSeverity = trim(@"\s+", tostring(coalesce(properties.additionalData.Severity, properties.additionalData.severity)))
| extend recommendationSeverity = trim(@"\s+", tostring(properties.metadata.severity))
| where ruleSeverity in~ ({{minSeverityList}}) or (ruleSeverity !in~ ({{knownSeverityList}}) and recommendationSeverity in~ ({{minSeverityList}}))
| project id, name, type, tenantId, subscriptionId, resourceGroup, properties
| order by id asc
`,
  "subscriptions.kql": String.raw`// vulnledger · the subscriptions this identity can read (run at tenant scope, before the findings
// queries and by vulnledger doctor). A configured subscription missing here is reported as not
// read, so none of its findings is resolved, instead of being silently left out of the results.
resourcecontainers
| where type =~ "microsoft.resources/subscriptions"
| project id, subscriptionId, name
| order by id asc
`,
};
