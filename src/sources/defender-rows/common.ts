/**
 * Pieces shared by the individual and grouped mappers: the row context, the asset and
 * vulnerability halves of a finding, ARM id parsing, text cleaning and small readers.
 */
import type {
  DefenderModel,
  ExploitInfo,
  Finding,
  FindingKind,
  ResourceRef,
  SeveritySource,
} from '../../core/finding.js';
import { caseKeyFor, extractCveIds, fingerprint, isCveId } from '../../core/identity.js';
import type { SkipReason, SkipRecord } from '../../core/ports.js';
import { parseSeverity, type Severity } from '../../core/severity.js';
import { htmlToText, stripControlChars } from '../../util/html-text.js';
import { asNumber, asRecord, asText, pick, pickPath, type DefenderRow } from './schema.js';

// ---------------------------------------------------------------- results

/** What one raw Defender row became: findings, or one skip record. Exactly one is set. */
export interface RowMapping {
  /** One finding per (asset, vulnerability) in the row; empty when the row was skipped. */
  findings: Finding[];
  /** Why the row gave no findings; null when it gave some. */
  skipped: SkipRecord | null;
  /** Which Defender model the row belongs to; null when the row was not recognised. */
  model: DefenderModel | null;
  /**
   * Problems that did not stop the mapping (a malformed nested JSON string that was treated as
   * absent, a fallback asset key). Empty for a clean row.
   */
  notes: readonly string[];
}

const NO_NOTES: readonly string[] = Object.freeze([]);

/** Per-row state handed to the kind mappers. */
export interface RowContext {
  row: DefenderRow;
  model: DefenderModel;
  notes: string[];
}

/** Builds a skipped result. */
export function skipped(
  reason: SkipReason,
  id: string,
  model: DefenderModel | null,
  detail?: string,
  notes: readonly string[] = NO_NOTES,
): RowMapping {
  const record: SkipRecord = { reason, id: id === '' ? null : id };
  if (detail !== undefined && detail !== '') record.detail = detail;
  return { findings: [], skipped: record, model, notes: notes.length === 0 ? NO_NOTES : notes };
}

/** A skip of the row in `ctx`, keeping the notes gathered so far. */
export function skipRow(ctx: RowContext, reason: SkipReason, detail?: string): RowMapping {
  return skipped(reason, ctx.row.id, ctx.model, detail, ctx.notes);
}

/** The asset half of a finding: what a person fixes, and where it lives. */
export interface Asset {
  kind: FindingKind;
  /** Lower-cased. */
  assetKey: string;
  resource: ResourceRef;
  repository: string | null;
  digests: string[];
  tags: string[];
  database: string | null;
  server: string | null;
}

/** The vulnerability half of a finding (`vulnId` upper-cased). */
export type Vuln = Pick<
  Finding,
  | 'vulnId'
  | 'severity'
  | 'severitySource'
  | 'cvss'
  | 'title'
  | 'description'
  | 'impact'
  | 'remediation'
  | 'references'
  | 'publishedAt'
  | 'software'
  | 'installedVersions'
  | 'fixedVersion'
  | 'fixAvailable'
  | 'exploit'
>;

/** A SQL vulnerability-assessment rule as a vulnerability: no CVE facts, packages or fix data. */
export function ruleVuln(rule: Pick<Vuln, 'vulnId' | 'severity' | 'severitySource' | 'title' | 'description' | 'impact' | 'remediation'>): Vuln {
  return { ...rule, cvss: null, references: [], publishedAt: null, software: null, installedVersions: [], fixedVersion: null, fixAvailable: null, exploit: null };
}

/** Joins an asset and its vulnerabilities into findings (or an `invalid` skip when there are none). */
export function findingsOf(
  ctx: RowContext,
  asset: Asset,
  vulns: readonly Vuln[],
  detectedAt: string | null,
): RowMapping {
  if (vulns.length === 0) return skipRow(ctx, 'invalid', 'no vulnerability id');
  const findings: Finding[] = [];
  for (const vuln of vulns) {
    findings.push({
      fingerprint: fingerprint(asset.kind, asset.assetKey, vuln.vulnId),
      kind: asset.kind,
      assetKey: asset.assetKey,
      vulnId: vuln.vulnId,
      caseKey: caseKeyFor(asset.kind, vuln.vulnId, asset.server),
      severity: vuln.severity,
      severitySource: vuln.severitySource,
      cvss: vuln.cvss,
      title: vuln.title,
      description: vuln.description,
      impact: vuln.impact,
      remediation: vuln.remediation,
      references: vuln.references,
      publishedAt: vuln.publishedAt,
      detectedAt,
      resource: { ...asset.resource },
      repository: asset.repository,
      digests: asset.digests.slice(),
      tags: asset.tags.slice(),
      database: asset.database,
      server: asset.server,
      software: vuln.software,
      installedVersions: vuln.installedVersions.slice(),
      fixedVersion: vuln.fixedVersion,
      fixAvailable: vuln.fixAvailable,
      exploit: vuln.exploit === null ? null : { ...vuln.exploit },
      model: ctx.model,
      sourceRecordId: ctx.row.id,
    });
  }
  return { findings, skipped: null, model: ctx.model, notes: ctx.notes.length === 0 ? NO_NOTES : ctx.notes };
}

// ---------------------------------------------------------------- status

/**
 * Reads `properties.status.code`: null for `Unhealthy` (go on mapping), else the skip.
 * `NotApplicable` covers exemptions (`cause: "Exempt"`); an unknown or missing code is `invalid`.
 */
export function statusSkip(ctx: RowContext, props: Record<string, unknown>): RowMapping | null {
  const status = asRecord(pick(props, 'status'));
  const code = asText(pick(status, 'code'));
  const lower = code.toLowerCase();
  if (lower === 'unhealthy') return null;
  if (lower === 'healthy') return skipRow(ctx, 'healthy');
  if (lower === 'notapplicable' || lower === 'exempt') {
    const cause = asText(pick(status, 'cause'));
    return skipRow(ctx, 'not-applicable', short(cause, 100));
  }
  if (code === '') return skipRow(ctx, 'invalid', 'properties.status.code missing');
  return skipRow(ctx, 'invalid', `properties.status.code "${short(code, 40)}" not understood`);
}

// ---------------------------------------------------------------- ARM ids

const ASSESSMENT_RE = /\/providers\/microsoft\.security\/assessments\//i;
const ASSESSMENT_KEY_RE = /\/providers\/microsoft\.security\/assessments\/([^/]+)/i;
const ENTITY_RE = /\/securityentitydata\//i;
const SUBSCRIPTION_RE = /\/subscriptions\/([^/]+)/i;
const RESOURCE_GROUP_RE = /\/resourcegroups\/([^/]+)/i;

/** `/providers/Microsoft.ContainerRegistry/registries/<name>` */
export const REGISTRY_RE = /\/providers\/microsoft\.containerregistry\/registries\/([^/]+)/i;
/** AKS and Arc-enabled Kubernetes clusters. */
export const CLUSTER_RE = /\/providers\/microsoft\.(?:containerservice\/managedclusters|kubernetes\/connectedclusters)\/([^/]+)/i;
/** Azure VMs, Arc machines and SQL VMs. */
export const MACHINE_RE =
  /\/providers\/microsoft\.(?:compute\/virtualmachines|hybridcompute\/machines|sqlvirtualmachine\/sqlvirtualmachines)\/([^/]+)/i;

/** The id without trailing slashes. */
export function trimSlash(id: string): string {
  return id.endsWith('/') ? id.replace(/\/+$/, '') : id;
}

/** The resource a row is about: the id before `/providers/Microsoft.Security/assessments/`. */
export function resourceIdOfRow(id: string): string {
  const m = ASSESSMENT_RE.exec(id);
  return m === null ? '' : trimSlash(id.slice(0, m.index));
}

/** The assessment key (lower-cased) in a sub-assessment id, or ''. */
export function assessmentKeyOf(id: string): string {
  const m = ASSESSMENT_KEY_RE.exec(id);
  return m?.[1]?.trim().toLowerCase() ?? '';
}

/** The id before `/securityentitydata/` (Microsoft's `(?i)(.*?)/securityentitydata/`), or ''. */
export function beforeEntity(id: string): string {
  const m = ENTITY_RE.exec(id);
  return m === null ? '' : trimSlash(id.slice(0, m.index));
}

/** True when an id contains `/securityentitydata/`. */
export function hasEntity(id: string): boolean {
  return ENTITY_RE.test(id);
}

/** An ARM resource found inside a longer id. */
export interface ArmMatch {
  id: string;
  name: string;
}

/** The prefix of `id` up to and including the resource `re` matches (e.g. the registry). */
export function armPrefix(id: string, re: RegExp): ArmMatch | null {
  if (id === '') return null;
  const m = re.exec(id);
  if (m === null) return null;
  return { id: id.slice(0, m.index + m[0].length), name: m[1] ?? '' };
}

/**
 * The login server of an Azure Container Registry named in an ARM id (`<name>.azurecr.io`), used
 * only when a row names no registry host: it matches the host Defender reports in the public cloud.
 */
export function acrHost(registryName: string): string {
  return `${registryName.toLowerCase()}.azurecr.io`;
}

/** The last path segment of an id. */
export function lastSegment(id: string): string {
  const trimmed = trimSlash(id);
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The ARM type of an id, lower-cased (`microsoft.compute/virtualmachines`), or ''. */
export function armTypeOf(id: string): string {
  return armTypeOfLower(trimSlash(id).toLowerCase());
}

/** `armTypeOf` for an id that is already lower-cased and trimmed. */
export function armTypeOfLower(lower: string): string {
  const at = lower.lastIndexOf('/providers/');
  if (at < 0) return '';
  const parts = lower.slice(at + '/providers/'.length).split('/');
  if (parts.length < 3) return '';
  const types = [parts[0], parts[1]];
  for (let i = 3; i < parts.length; i += 2) types.push(parts[i]);
  return types.join('/');
}

/**
 * Builds a resource reference; subscription and resource group come from the row, else the ids.
 * `lowerId` saves a second `toLowerCase()` when the caller already has it (costly on Unicode ids).
 */
export function resourceRef(
  row: DefenderRow,
  id: string,
  name: string,
  type: string,
  lowerId: string = trimSlash(id).toLowerCase(),
): ResourceRef {
  return {
    id: lowerId,
    name,
    subscriptionId: row.subscriptionId || SUBSCRIPTION_RE.exec(id)?.[1] || SUBSCRIPTION_RE.exec(row.id)?.[1] || '',
    resourceGroup: row.resourceGroup || RESOURCE_GROUP_RE.exec(id)?.[1] || RESOURCE_GROUP_RE.exec(row.id)?.[1] || '',
    type,
  };
}

// ---------------------------------------------------------------- images and workloads

/** A parsed image reference `host/repository[:tag][@digest]`. */
export interface ImageRef {
  host: string;
  repository: string;
  tag: string;
  digest: string;
}

/** Parses `contosoprodacr.azurecr.io/payments/api:1.4.2` or `…/api@sha256:…`; null when empty. */
export function parseImageRef(value: string): ImageRef | null {
  if (value === '' || value.length > 4096) return null;
  let ref = value.trim();
  let digest = '';
  const at = ref.indexOf('@');
  if (at >= 0) {
    digest = ref.slice(at + 1);
    ref = ref.slice(0, at);
  }
  let tag = '';
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) {
    tag = ref.slice(colon + 1);
    ref = ref.slice(0, colon);
  }
  let host = '';
  let repository = ref;
  const slash = ref.indexOf('/');
  if (slash > 0) {
    const first = ref.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      repository = ref.slice(slash + 1);
    }
  }
  if (repository === '') return null;
  return { host, repository, tag, digest };
}

/** `payments/api@sha256:…` or `payments/api:1.2` → `payments/api`. */
export function stripImageRef(value: string): string {
  return parseImageRef(value)?.repository ?? '';
}

const DIGEST_RE = /sha256:[0-9a-f]{64}/i;

/** The first `sha256:<64 hex>` inside a string, or ''. */
export function digestIn(value: string): string {
  return DIGEST_RE.exec(value)?.[0] ?? '';
}

/** A Kubernetes workload (the controller that owns the pods). */
export interface Workload {
  kind: string;
  name: string;
}

// Kubernetes' "safe" alphabet for generated name suffixes (no vowels, no 0/1/3).
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const REPLICASET_NAME_RE = new RegExp(`^(.+)-${SAFE}{6,10}$`);
const DEPLOYMENT_POD_RE = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`);
const STATEFULSET_POD_RE = /^(.+)-\d+$/;
const GENERATED_POD_RE = new RegExp(`^(.+)-${SAFE}{5}$`);

/**
 * Normalises a controller: a ReplicaSet named `<deployment>-<pod-template-hash>` becomes the
 * Deployment, so a rollout (new ReplicaSet) keeps the asset key.
 */
export function workloadOf(kind: string, name: string): Workload {
  const lowerKind = kind.toLowerCase();
  if (lowerKind === 'replicaset') {
    const m = REPLICASET_NAME_RE.exec(name);
    if (m?.[1] !== undefined) return { kind: 'deployment', name: m[1] };
  }
  return { kind: lowerKind, name };
}

/**
 * Guesses the workload from a pod name when no controller is given: `<deploy>-<hash>-<5>` →
 * Deployment, `<sts>-<n>` → StatefulSet, `<name>-<5>` → a generated-name workload (DaemonSet,
 * Job, bare ReplicaSet), anything else → the pod itself.
 */
export function workloadOfPod(pod: string): Workload {
  const lower = pod.toLowerCase();
  let m = DEPLOYMENT_POD_RE.exec(lower);
  if (m?.[1] !== undefined) return { kind: 'deployment', name: m[1] };
  m = STATEFULSET_POD_RE.exec(lower);
  if (m?.[1] !== undefined) return { kind: 'statefulset', name: m[1] };
  m = GENERATED_POD_RE.exec(lower);
  if (m?.[1] !== undefined) return { kind: 'workload', name: m[1] };
  return { kind: 'pod', name: lower };
}

/** `<cluster id>/<namespace>/<controllerKind>/<controllerName>/<containerName>`, lower-cased. */
export function workloadKey(clusterId: string, namespace: string, workload: Workload, container: string): string {
  return `${trimSlash(clusterId)}/${namespace}/${workload.kind || '-'}/${workload.name || '-'}/${container}`.toLowerCase();
}

// ---------------------------------------------------------------- text

/** Longest description / impact / remediation kept (UTF-16 units); a cut is marked with "…". */
export const MAX_TEXT = 100_000;
const MAX_TITLE_TEXT = 200;
const MAX_SHORT = 1_000;
const MAX_VULN_ID = 128;
const MAX_URL = 2_048;

const HTMLISH_RE = /<\/?[a-z][a-z0-9]*(?:\s[^<>]*)?\/?>|&(?:[a-z][a-z0-9]{1,31}|#\d{1,7}|#x[0-9a-f]{1,6});/i;
// C0/C1 controls (CR included) and the invisible characters util/html-text.ts strips.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/;
// Anything that needs more than a trim: markup or entity starts, or a control character (one scan).
// (\u200B-\u2069 is a superset of the invisible ranges: a false hit only takes the slower path.)
// eslint-disable-next-line no-control-regex
const SPECIAL_RE = /[<&\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u2069]/;
const WHITESPACE_RE = /\s+/g;
// Whitespace other than single spaces (tabs, newlines, runs of spaces).
const UNTIDY_SPACE_RE = /[^\S ]| {2}/;

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/** A short attribute (software, version, tag): control characters removed, capped at `max`. */
export function short(value: string, max = MAX_SHORT): string {
  const clean = CONTROL_RE.test(value) ? stripControlChars(value).trim() : value;
  return clean.length > max ? `${cut(clean, max - 1)}…` : clean;
}

/** A short attribute or null when empty. */
export function shortOrNull(value: unknown): string | null {
  const text = asText(value);
  return text === '' ? null : short(text);
}

/**
 * Plain text for description / impact / remediation: HTML (or `html: true`, for Qualys) goes
 * through `htmlToText`; plain text only loses control characters and outer whitespace. The result
 * is capped at MAX_TEXT with a trailing "…". Non-strings give ''.
 */
export function cleanText(value: unknown, html = false): string {
  if (typeof value !== 'string' || value === '') return '';
  const over = value.length > MAX_TEXT * 2;
  const input = over ? cut(value, MAX_TEXT * 2) : value;
  let text: string;
  if (!html && !SPECIAL_RE.test(input)) text = input.trim();
  else if (html || HTMLISH_RE.test(input)) text = htmlToText(input);
  else text = (CONTROL_RE.test(input) ? stripControlChars(input) : input).trim();
  if (text.length > MAX_TEXT) return `${cut(text, MAX_TEXT)}…`;
  return over && text !== '' ? `${text}…` : text;
}

/** One line of at most `max` units, cut at a word boundary with "…". */
export function oneLine(text: string, max = MAX_TITLE_TEXT): string {
  if (text.length <= max && !UNTIDY_SPACE_RE.test(text)) return text.trim();
  const head = text.length > max * 8 ? text.slice(0, max * 8) : text;
  const line = head.replace(WHITESPACE_RE, ' ').trim();
  if (line.length <= max) return line;
  const room = cut(line, max - 1);
  const space = room.lastIndexOf(' ');
  return `${space > max / 2 ? room.slice(0, space) : room}…`;
}

const ABBREVIATION_RE = /(?:^|[^a-z])(?:e\.g|i\.e|etc|vs|approx|incl)$/i;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}

/** The first sentence of a text, on one line, without its final period, at most 200 units. */
export function firstSentence(text: string): string {
  if (text === '') return '';
  // A sentence longer than the title is cut anyway, so only the head of a long text matters.
  const limit = Math.min(text.length, 4 * MAX_TITLE_TEXT);
  let end = limit;
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c !== 46 && c !== 33 && c !== 63) continue; // . ! ?
    if (i + 1 < text.length && !isSpace(text.charCodeAt(i + 1))) continue;
    if (c === 46 && text.charCodeAt(i - 1) === 46) continue; // an ellipsis, not a sentence end
    if (c === 46 && ABBREVIATION_RE.test(text.slice(Math.max(0, i - 8), i))) continue;
    end = i + 1;
    break;
  }
  return oneLine(withoutFinalPeriod(text.slice(0, end).trim()));
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') && !text.endsWith('..') ? text.slice(0, -1) : text;
}

/** A title fragment from an explicit summary: one line, at most 200 units, no final period. */
function summaryLine(text: string): string {
  return text === '' ? '' : withoutFinalPeriod(oneLine(text));
}

/** `CVE-…: <summary or first sentence>`, else `CVE-… in <software>`, else the id. */
export function vulnTitle(vulnId: string, summary: string, description: string, software: string | null): string {
  const text = summaryLine(summary) || firstSentence(description);
  if (text !== '') return `${vulnId}: ${text}`;
  return software ? `${vulnId} in ${software}` : vulnId;
}

/**
 * A vulnerability id: trimmed, upper-cased, control characters removed; '' when empty, longer
 * than 128 units or containing whitespace (not an id).
 */
export function vulnIdOf(value: unknown): string {
  const text = asText(value);
  if (text === '' || text.length > MAX_VULN_ID) return '';
  const clean = (CONTROL_RE.test(text) ? stripControlChars(text) : text).trim().toUpperCase();
  return clean === '' || /\s/.test(clean) ? '' : clean;
}

/** A CVE id from a Qualys/TVM `cve[]` entry title: the title itself, or the first CVE id inside it. */
export function cveIdOfTitle(value: unknown): string {
  const text = asText(value);
  if (text === '' || text.length > 4_096) return '';
  if (isCveId(text)) return text.toUpperCase();
  const found = extractCveIds(text)[0];
  if (found !== undefined) return found;
  return vulnIdOf(text);
}

const URL_RE = /^https?:\/\/[^\s]+$/i;

/** Adds `value` to `out` when it is an http(s) URL not already there. */
export function addLink(out: string[], value: unknown): void {
  if (typeof value !== 'string' || value.length > MAX_URL) return;
  const url = value.trim();
  if (!URL_RE.test(url) || out.includes(url)) return;
  out.push(url);
}

/** Adds the `key` field of each element of a list of `{ title, link }` objects. */
export function addLinks(out: string[], list: unknown, key: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) addLink(out, pick(item, key));
}

// Range-checked ISO 8601 (as strict as V8's Date.parse, which also accepts "02-31"); one regex is
// ~5x cheaper than regex + Date.parse on the hot path.
const ISO_DATE_RE =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/i;

/** An ISO 8601 date string as given (7 fractional digits kept), when it is one; else null. */
export function isoDate(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  const text = value.trim();
  return ISO_DATE_RE.test(text) ? text : null;
}

// ---------------------------------------------------------------- severity, CVSS, fixes, exploits

/** A severity and where it came from. */
export interface RatedSeverity {
  severity: Severity;
  severitySource: SeveritySource;
}

const UNKNOWN_SEVERITY: RatedSeverity = Object.freeze({ severity: 'Unknown', severitySource: 'unknown' });

/** The first known severity of `value`, then `fallback`, with its source; else `Unknown`/'unknown'. */
export function rateSeverity(
  value: unknown,
  source: SeveritySource,
  fallback?: unknown,
  fallbackSource: SeveritySource = 'unknown',
): RatedSeverity {
  const severity = parseSeverity(value);
  if (severity !== 'Unknown') return { severity, severitySource: source };
  const second = parseSeverity(fallback);
  if (second !== 'Unknown') return { severity: second, severitySource: fallbackSource };
  return UNKNOWN_SEVERITY;
}

/** A CVSS base score in [0, 10] (number or numeric string), else null. */
export function cvssScore(value: unknown): number | null {
  const n = asNumber(value);
  return n !== null && n >= 0 && n <= 10 ? n : null;
}

/** CVSS v3 base from `[{Key:"3", Value:{Base}}]` or `{"3.0": {base}}`. */
export function cvssV3Of(cvss: unknown): number | null {
  if (Array.isArray(cvss)) {
    for (const entry of cvss) {
      const key = asText(pick(entry, 'Key'));
      if (key === '3' || key.startsWith('3.')) return cvssScore(pickPath(entry, 'Value', 'Base'));
    }
    return null;
  }
  const rec = asRecord(cvss);
  if (rec === undefined) return null;
  return cvssScore(pickPath(rec, '3.0', 'base') ?? pickPath(rec, '3.1', 'base') ?? pickPath(rec, '3', 'base'));
}

/**
 * Whether a fix exists: `FixAvailable` → true; `NoFixAvailable`/`WontFix` → false; otherwise
 * true when a fixed version is known, else null (unknown).
 */
export function fixAvailability(status: unknown, fixedVersion: string | null): boolean | null {
  const text = asText(status).toLowerCase();
  if (text === 'fixavailable') return true;
  if (text === 'nofixavailable' || text === 'wontfix') return false;
  return fixedVersion !== null ? true : null;
}

/** Exploit flags; null when none of them is known. Unknown flags count as false. */
export function exploitOf(
  publicExploit: boolean | undefined,
  verified: boolean | undefined,
  inExploitKit: boolean | undefined,
): ExploitInfo | null {
  if (publicExploit === undefined && verified === undefined && inExploitKit === undefined) return null;
  return { publicExploit: publicExploit ?? false, verified: verified ?? false, inExploitKit: inExploitKit ?? false };
}

/**
 * The asset of a registry image, the same in both models: the repository (`host/repo`, lower-cased)
 * is what a person fixes; digests and tags are attributes, so a rebuilt image keeps its identity.
 */
export function registryImageAsset(
  row: DefenderRow,
  image: { host: string; repo: string; digest: string; tags: string[]; registry: ArmMatch | null; registryId: string },
): Asset {
  const repository = `${image.host}/${image.repo}`;
  return {
    kind: 'registryImage',
    assetKey: repository.toLowerCase(),
    resource: resourceRef(
      row,
      image.registryId,
      image.registry?.name || image.host,
      image.registry !== null ? 'microsoft.containerregistry/registries' : armTypeOf(image.registryId),
    ),
    repository,
    digests: image.digest === '' ? [] : [short(image.digest)],
    tags: image.tags,
    database: null,
    server: null,
  };
}
