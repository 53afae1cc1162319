import type { Finding, FindingKind, FindingLifecycle } from './finding.js';
import { digestHex } from './identity.js';
import { maxSeverity, severityRank } from './severity.js';

/**
 * Which part of a source's scope a run could not read. A field left out matches everything:
 * `{}` = the whole source, `{ subscriptionId }` = one subscription, `{ kind }` = one kind.
 */
export interface ScopeSelector {
  kind?: FindingKind;
  subscriptionId?: string;
}

/**
 * What a source run saw. Only a complete read may resolve findings; a partial read resolves
 * nothing inside the parts it could not read. Silence is not a fix.
 */
export type Coverage =
  | { complete: true }
  | { complete: false; unread: ScopeSelector[]; reason: string };

/** Coverage of a source that failed outright: nothing may be resolved. */
export function failedCoverage(reason: string): Coverage {
  return { complete: false, unread: [{}], reason };
}

/** True when a stored finding lies in a part of the scope the run could not read. */
export function isInUnreadScope(finding: { kind: FindingKind; subscriptionId: string }, coverage: Coverage): boolean {
  if (coverage.complete) return false;
  return coverage.unread.some(
    (sel) =>
      (sel.kind === undefined || sel.kind === finding.kind) &&
      (sel.subscriptionId === undefined || sel.subscriptionId.toLowerCase() === finding.subscriptionId.toLowerCase()),
  );
}

/** What a fresh finding means against the ledger. */
export type FindingChange = 'severity_up' | 'severity_down' | 'fix_available' | 'attributes';

export type FindingClass =
  | { status: 'new' }
  | { status: 'reopened' }
  | { status: 'unchanged' }
  | { status: 'changed'; changes: FindingChange[] };

/**
 * Classifies one fresh finding against its stored version (DefectDojo's re-import sets):
 * new, reopened (was resolved), unchanged (same content hash) or changed (with what changed).
 */
export function classifyFinding(stored: FindingLifecycle | undefined, fresh: Finding, freshHash: string): FindingClass {
  if (!stored) return { status: 'new' };
  if (stored.state === 'resolved') return { status: 'reopened' };
  if (stored.contentHash === freshHash) return { status: 'unchanged' };
  const changes: FindingChange[] = [];
  const before = severityRank(stored.severity);
  const after = severityRank(fresh.severity);
  if (after > before) changes.push('severity_up');
  if (after < before) changes.push('severity_down');
  if (stored.fixAvailable !== true && fresh.fixAvailable === true) changes.push('fix_available');
  if (changes.length === 0) changes.push('attributes');
  return { status: 'changed', changes };
}

/** Reference to an open stored finding, enough to decide whether it may resolve. */
export interface OpenFindingRef {
  fingerprint: string;
  kind: FindingKind;
  subscriptionId: string;
}

/**
 * Whether an open stored finding resolves in this run: its source did not report it, the source
 * reads findings of its kind, and the part of the scope it is in was read. Findings in an unread
 * part of the scope never resolve.
 */
export function mayResolve(ref: OpenFindingRef, seen: { has(fingerprint: string): boolean }, coverage: Coverage, kinds: readonly FindingKind[]): boolean {
  return !seen.has(ref.fingerprint) && kinds.includes(ref.kind) && !isInUnreadScope(ref, coverage);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/**
 * Merges two reports of the same fingerprint in one run (the same CVE on the same asset from two
 * packages, two digests of one repository, or both Defender models): sets are united, the worse
 * severity wins, scalar text keeps the first non-empty value.
 */
export function mergeFindings(a: Finding, b: Finding): Finding {
  const worse = severityRank(b.severity) > severityRank(a.severity) ? b : a;
  return {
    ...a,
    severity: maxSeverity(a.severity, b.severity),
    severitySource: worse.severitySource,
    cvss: a.cvss === null ? b.cvss : b.cvss === null ? a.cvss : Math.max(a.cvss, b.cvss),
    title: a.title || b.title,
    description: a.description || b.description,
    impact: a.impact || b.impact,
    remediation: a.remediation || b.remediation,
    references: union(a.references, b.references),
    publishedAt: a.publishedAt ?? b.publishedAt,
    detectedAt: a.detectedAt === null ? b.detectedAt : b.detectedAt === null ? a.detectedAt : a.detectedAt < b.detectedAt ? a.detectedAt : b.detectedAt,
    digests: union(a.digests, b.digests),
    tags: union(a.tags, b.tags),
    software: a.software === b.software || !b.software ? a.software : a.software ? `${a.software}, ${b.software}` : b.software,
    installedVersions: union(a.installedVersions, b.installedVersions),
    fixedVersion: a.fixedVersion ?? b.fixedVersion,
    fixAvailable: a.fixAvailable === true || b.fixAvailable === true ? true : (a.fixAvailable ?? b.fixAvailable),
    exploit:
      a.exploit && b.exploit
        ? {
            publicExploit: a.exploit.publicExploit || b.exploit.publicExploit,
            verified: a.exploit.verified || b.exploit.verified,
            inExploitKit: a.exploit.inExploitKit || b.exploit.inExploitKit,
          }
        : (a.exploit ?? b.exploit),
    model: a.model === b.model ? a.model : 'individual',
  };
}

const SEP = '\u001f';
const LIST_SEP = '\u001e';

function field(value: string | number | boolean | null | readonly string[]): string {
  if (value === null) return '\u0000';
  if (Array.isArray(value)) return value.join(LIST_SEP);
  return String(value);
}

/**
 * Hash of every attribute the ledger stores for a finding. Equal hash → the run writes nothing.
 * The field list is explicit so the hash does not depend on object key order. (Change detection,
 * not security: SHA-1 over the fields joined with control separators is plenty and fast.)
 */
export function findingContentHash(f: Finding): string {
  const canonical = [
    f.kind,
    f.assetKey,
    f.vulnId,
    f.caseKey,
    f.severity,
    f.severitySource,
    field(f.cvss),
    f.title,
    f.description,
    f.impact,
    f.remediation,
    field(f.references),
    field(f.publishedAt),
    field(f.detectedAt),
    f.resource.id,
    f.resource.name,
    f.resource.subscriptionId,
    f.resource.resourceGroup,
    f.resource.type,
    field(f.repository),
    field(f.digests),
    field(f.tags),
    field(f.database),
    field(f.server),
    field(f.software),
    field(f.installedVersions),
    field(f.fixedVersion),
    field(f.fixAvailable),
    f.exploit ? `${f.exploit.publicExploit}${f.exploit.verified}${f.exploit.inExploitKit}` : '\u0000',
    f.model,
    f.sourceRecordId,
  ].join(SEP);
  return digestHex('sha1', canonical).slice(0, 32);
}
