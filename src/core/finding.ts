import type { Severity } from './severity.js';

/** What kind of asset a finding was observed on. */
export type FindingKind = 'registryImage' | 'runningContainer' | 'machine' | 'sql';

export const FINDING_KINDS: readonly FindingKind[] = ['registryImage', 'runningContainer', 'machine', 'sql'];

/** Which Defender data model a finding came from. */
export type DefenderModel = 'individual' | 'grouped';

/** Where a finding's severity came from, most trusted first. */
export type SeveritySource = 'cvedetails' | 'cve' | 'rule' | 'recommendation' | 'unknown';

/** The Azure resource a finding is on (or, for images, the registry holding the repository). */
export interface ResourceRef {
  /** ARM id, lower-cased; for images the registry id; for running containers the cluster id. */
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** ARM type such as `microsoft.compute/virtualmachines`, lower-cased; empty when unknown. */
  type: string;
}

/**
 * One vulnerability observed on one asset by one source, as a source reports it now.
 * Sources build these through `sources/defender-rows/map.ts`; the lifecycle never reads vendor payloads.
 */
export interface Finding {
  /** Stable identity: see `fingerprint()`. */
  fingerprint: string;
  kind: FindingKind;
  /** The thing a person fixes: a container repository, a workload, a machine id, a database. Lower-cased. */
  assetKey: string;
  /** A CVE id when there is one, else the scanner's rule id (`VA2065`, `QID-90043`). */
  vulnId: string;
  /** The case this finding rolls up into; see `caseKeyFor()`. */
  caseKey: string;
  severity: Severity;
  severitySource: SeveritySource;
  cvss: number | null;
  title: string;
  description: string;
  impact: string;
  remediation: string;
  references: string[];
  publishedAt: string | null;
  /** When the scanner first reported it (Defender's first evaluation / time generated). */
  detectedAt: string | null;
  resource: ResourceRef;
  /** `registryHost/repository` for images and containers. */
  repository: string | null;
  digests: string[];
  tags: string[];
  /** Database name (SQL findings). */
  database: string | null;
  /** SQL server or instance the database is on. */
  server: string | null;
  /** Package or product, e.g. `openssl`. */
  software: string | null;
  installedVersions: string[];
  fixedVersion: string | null;
  fixAvailable: boolean | null;
  exploit: ExploitInfo | null;
  model: DefenderModel;
  /** The source row's id (for evidence and look-ups). */
  sourceRecordId: string;
}

/** Exploitability as the scanner reports it. */
export interface ExploitInfo {
  publicExploit: boolean;
  verified: boolean;
  inExploitKit: boolean;
}

/** The lifecycle state of a stored finding (machine-owned). */
export type FindingState = 'open' | 'resolved';

/** A finding as the ledger holds it. */
export interface StoredFinding extends Finding {
  source: string;
  state: FindingState;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  reopenedAt: string | null;
  /** Hash of the stored attributes: equal hash = nothing to write. */
  contentHash: string;
}

/** What the ledger, not the source, decides about a stored finding: its state, dates and content hash. */
export type FindingLifecycleColumns = Pick<StoredFinding, 'state' | 'firstSeen' | 'lastSeen' | 'resolvedAt' | 'reopenedAt' | 'contentHash'>;

/** The lifecycle part of a stored finding: enough to classify a fresh report without loading the whole row. */
export type FindingLifecycle = Pick<
  StoredFinding,
  'fingerprint' | 'caseKey' | 'state' | 'severity' | 'fixAvailable' | 'contentHash' | 'firstSeen' | 'lastSeen' | 'resolvedAt' | 'reopenedAt'
>;
