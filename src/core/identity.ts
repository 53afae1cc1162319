import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string) => string;
// crypto.hash (Node ≥ 20.12) is about twice as fast as createHash for short inputs.
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/** Hex digest of a string (`sha256`, or `sha1` where only change detection is at stake). */
export function digestHex(algorithm: 'sha256' | 'sha1', data: string): string {
  return oneShot ? oneShot(algorithm, data) : crypto.createHash(algorithm).update(data).digest('hex');
}

/** Hex SHA-256 of a string. */
export function sha256Hex(data: string): string {
  return digestHex('sha256', data);
}
import type { FindingKind } from './finding.js';

/** What a case groups: container images and workloads by CVE, machines by vulnerability, SQL by server and rule, advisories by item. */
export type CaseKind = 'container' | 'machine' | 'sql' | 'advisory';

export const CASE_KINDS: readonly CaseKind[] = ['container', 'machine', 'sql', 'advisory'];

/**
 * Stable identity of a finding: (kind, asset, vulnerability id). The asset is what a person fixes,
 * so a rebuilt image (new digest, same repository) keeps its fingerprint.
 */
export function fingerprint(kind: FindingKind, assetKey: string, vulnId: string): string {
  return sha256Hex(`${kind}\u0000${assetKey.toLowerCase()}\u0000${vulnId.toUpperCase()}`).slice(0, 32);
}

/** The case kind a finding kind rolls up into. */
export function caseKindOf(kind: FindingKind): CaseKind {
  switch (kind) {
    case 'registryImage':
    case 'runningContainer':
      return 'container';
    case 'machine':
      return 'machine';
    case 'sql':
      return 'sql';
  }
}

/**
 * The default case key, reproducing the original weekly report:
 * - container images and running containers: one case per CVE (`CVE-2024-6119`);
 * - machines: one case per vulnerability id (`machine:CVE-2024-6387`, `machine:QID-90043`);
 * - SQL: one case per server and rule (`sql:sql-prod-01:VA2065`).
 *
 * Always well-formed Unicode: a lone surrogate (a JSON `"\ud800"` escape) becomes U+FFFD. The key
 * is compared with the key SQLite stored, and SQLite would store a lone surrogate as bytes that
 * read back as something else, so the case would never be found again.
 */
export function caseKeyFor(kind: FindingKind, vulnId: string, server: string | null): string {
  const id = vulnId.toUpperCase().toWellFormed();
  switch (caseKindOf(kind)) {
    case 'container':
      return id;
    case 'machine':
      return `machine:${id}`;
    case 'sql':
      return `sql:${(server ?? 'unknown-server').toLowerCase().toWellFormed()}:${id}`;
    case 'advisory':
      return `advisory:${id}`;
  }
}

const CVE_RE = /\bCVE-\d{4}-\d{4,19}\b/gi;

/** Every distinct CVE id in a text, upper-cased, in order of appearance. */
export function extractCveIds(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(CVE_RE)) seen.add(match[0].toUpperCase());
  return [...seen];
}

/** True for a well-formed CVE id. */
export function isCveId(value: string): boolean {
  return /^CVE-\d{4}-\d{4,19}$/i.test(value);
}
