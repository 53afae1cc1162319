/**
 * Ports: the interfaces through which use cases reach the outside world. Core declares them,
 * plugins and the store implement them, the composition roots (cli, web) wire them.
 */
import type { Advisory, AdvisoryReader, AdvisoryWriter } from './advisory.js';
import type { CaseAggregate, CaseRecord, LedgerEvent } from './case.js';
import type { Clock } from './clock.js';
import type { EnrichmentFilter, EnrichmentWriter } from './enrichment.js';
import type { DefenderModel, Finding, FindingKind, FindingLifecycle, FindingLifecycleColumns, StoredFinding } from './finding.js';
import type { Coverage, OpenFindingRef } from './lifecycle.js';
import type { MirrorStateTx } from './mirror.js';
import type { OutboxStore } from './outbox.js';
import type { Severity, SeverityThreshold } from './severity.js';
import type { Evidence, Triage } from './triage.js';

// ---------------------------------------------------------------- logging and progress

/** Structured log data: a fixed message plus fields. Secrets are redacted by the logger. */
export type LogData = Record<string, unknown>;

/** An injected logger (Kysely style): components never write to the console directly. */
export interface Logger {
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  warn(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
  child(component: string): Logger;
}

/** A progress report from a long-running step (pages read, rows mapped, waits). */
export interface ProgressUpdate {
  source: string;
  phase: string;
  rows?: number;
  pages?: number;
  bytes?: number;
  totalBytes?: number;
  message?: string;
}

// ---------------------------------------------------------------- sources

/** Why a source row did not become a finding. Every skip is counted; none is silent. */
export type SkipReason =
  | 'healthy'
  | 'not-applicable'
  | 'below-threshold'
  | 'not-ours'
  | 'unrecognised'
  | 'invalid';

/** One skipped row: why, and its id when it has one (reported for `unrecognised` and `invalid`). */
export interface SkipRecord {
  reason: SkipReason;
  id: string | null;
  detail?: string;
}

/** A slice of a source's snapshot, streamed into the ledger as it arrives. */
export interface SourceBatch {
  /** Raw rows read for this batch (one row may hold several findings); defaults to findings + skipped. */
  rows?: number;
  findings: Finding[];
  /**
   * `findingContentHash` of each finding, same order, when the source computed them (the export
   * reader thread does, off the main thread); the ledger computes any that are missing.
   */
  contentHashes?: string[];
  skipped: SkipRecord[];
  /** Rows per Defender model in this batch (for the run record). */
  models?: Partial<Record<DefenderModel, number>>;
  /** Advisories (feed items) in this batch: each becomes or updates an advisory case. */
  advisories?: Advisory[];
}

/** What a finished source run says about itself. */
export interface SourceResult {
  coverage: Coverage;
  /** Human-readable remarks for the run summary (e.g. "cvedetails not readable at this scope"). */
  notes: string[];
}

/** Small persistent state a source may keep between runs (ETags, cursors). Written with the run. */
export interface SourceStateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** A cached value with the time it was fetched. */
export interface CachedValue {
  value: unknown;
  fetchedAt: string;
}

/**
 * A persistent cache for enrichment data (CVE details, KEV, EPSS), keyed by namespace and key,
 * with fetch times. Writes happen inside the run transaction: a failed source leaves it as it was.
 */
export interface EnrichmentCache {
  get(namespace: string, keys: readonly string[]): Promise<Map<string, CachedValue>>;
  /** Every entry of a namespace (small namespaces only, e.g. the KEV catalog). */
  all(namespace: string): Promise<Map<string, CachedValue>>;
  put(namespace: string, entries: ReadonlyArray<{ key: string; value: unknown }>, fetchedAt: string): Promise<void>;
  /** Removes every entry of a namespace (a full catalog replaces the previous one). */
  clear(namespace: string): Promise<void>;
}

/** What a source gets when it runs. */
export interface SourceContext {
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  progress: (update: ProgressUpdate) => void;
  state: SourceStateStore;
  cache: EnrichmentCache;
  /** What a source may read of the ledger (EPSS asks which CVEs are open). */
  ledger?: SourceLedgerView;
}

/** The read-only view of the ledger a source gets: what it needs to decide what to fetch. */
export interface SourceLedgerView {
  /** Distinct CVE ids of open findings, including those written earlier in this run. */
  openCveIds(): Promise<string[]>;
}

/**
 * What a source contributes: findings (the default), advisories (feeds), or enrichment (KEV,
 * EPSS: cached facts about CVEs). Enrichment sources run after the others in a run.
 */
export type SourceRole = 'findings' | 'advisories' | 'enrichment';

/**
 * A snapshot source of findings. `collect` yields batches and returns its coverage. The contract
 * (Dependency-Track's KEV source): a complete run yields the FULL current set, because absence
 * means resolved. A source that cannot read everything must say so in its coverage; a source
 * that throws resolves nothing.
 */
export interface FindingSource {
  readonly name: string;
  readonly type: string;
  /** The finding kinds this source can report (a resolution never touches other kinds). */
  readonly kinds: readonly FindingKind[];
  /** Default `findings`. */
  readonly role?: SourceRole;
  collect(ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void>;
}

// ---------------------------------------------------------------- store

/** One audit-log entry: who changed what on a case, when, old → new. */
export interface HistoryEntry {
  caseKey: string;
  at: string;
  actor: string;
  field: string;
  oldValue: string | null;
  newValue: string | null;
  runId: string | null;
}

/** Per-source outcome of a run. */
export type SourceStatus = 'ok' | 'partial' | 'failed';

/** Counts a source run produced, for the run record and the digest. */
export interface SourceCounts {
  rows: number;
  findings: number;
  new: number;
  reopened: number;
  changed: number;
  unchanged: number;
  resolved: number;
  skipped: Partial<Record<SkipReason, number>>;
}

/** The run record of one source in one run. */
export interface RunSourceRecord {
  runId: string;
  source: string;
  type: string;
  status: SourceStatus;
  counts: SourceCounts;
  durationMs: number;
  error: string | null;
  coverage: Coverage;
  notes: string[];
  /** Row counts per Defender model. */
  models: Partial<Record<DefenderModel, number>>;
  /** Ids of unrecognised rows (capped). */
  unrecognised: string[];
}

/** Overall outcome of a run: exit 0 ok, 2 partial, 1 failed. */
export type RunStatus = 'running' | 'ok' | 'partial' | 'failed';

/** One run of the main job. */
export interface RunRecord {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  error: string | null;
}

/** A message waiting to be delivered (notifier or mirror), written with the ledger change that caused it. */
export interface OutboxEntry {
  id: string;
  /** Unique per delivery: a delivered key is never sent again. */
  idempotencyKey: string;
  /** The notifier or mirror that delivers it (e.g. `slack:sec-vuln`). */
  channel: string;
  payload: unknown;
  runId: string | null;
  createdAt: string;
  /** The entry this one must follow (e.g. a Slack thread reply after its summary). */
  dependsOn?: string | null;
  /** Order among the entries of one notification (0 first). */
  seq?: number;
}

/** Read side of the ledger, used by queries, exports and reports. */
export interface LedgerReader extends AdvisoryReader {
  getCase(key: string): Promise<CaseRecord | undefined>;
  getCases(keys: readonly string[]): Promise<Map<string, CaseRecord>>;
  listCases(filter: CaseFilter): Promise<CaseRecord[]>;
  /** Keys of cases whose key or vulnerability id equals `term` (case-insensitive), or whose key ends with `:term`. */
  searchCaseKeys(term: string): Promise<string[]>;
  findingsOfCase(key: string): Promise<StoredFinding[]>;
  /** Related case keys: other cases about the same CVE. */
  relatedCases(key: string): Promise<string[]>;
  history(key: string): Promise<HistoryEntry[]>;
  lastRuns(limit: number): Promise<Array<RunRecord & { sources: RunSourceRecord[] }>>;
  /** Start time of the latest run in which each source was read completely. */
  lastCompleteRunAt(): Promise<Map<string, string>>;
  /** For each case, the sources that have open findings in it. */
  openSourcesByCase(keys: readonly string[]): Promise<Map<string, string[]>>;
  /** Open (and reopened) cases per severity. */
  countOpenCases(): Promise<Record<Severity, number>>;
}

/** Filters for `cases` (`kev`, `epssMin` from EnrichmentFilter). */
export interface CaseFilter extends EnrichmentFilter {
  severity?: Severity[];
  minSeverity?: SeverityThreshold;
  state?: CaseRecord['state'][];
  status?: Triage['status'][];
  kind?: CaseRecord['kind'][];
  /** Only cases past their due date (given `today`). */
  overdueOn?: string;
  keys?: string[];
}

/** A finding the ledger has not seen before, with its content hash (see `findingContentHash`). */
export interface NewFinding {
  finding: Finding;
  contentHash: string;
}

/** A stored finding to rewrite: the attributes reported now and its lifecycle columns after the run. */
export interface FindingUpdate {
  finding: Finding;
  lifecycle: FindingLifecycleColumns;
  /**
   * The case the stored row belonged to before this write (the same as `finding.caseKey` unless it
   * moved). The store trusts it: a wrong key would leave the old case's figures counted in memory.
   */
  previousCaseKey: string;
}

/** Write side used inside one run's transaction. */
export interface LedgerTx extends LedgerReader {
  /** Runs `fn` in a savepoint; a throw rolls back only what `fn` wrote. */
  savepoint<T>(name: string, fn: () => Promise<T>): Promise<T>;
  getFindings(source: string, fingerprints: readonly string[]): Promise<Map<string, StoredFinding>>;
  /** The lifecycle columns only (cheap): what classifying a fresh report needs. */
  getFindingLifecycles(source: string, fingerprints: readonly string[]): Promise<Map<string, FindingLifecycle>>;
  /** Records findings first reported in this run: open, first and last seen `at`. */
  insertNewFindings(source: string, at: string, items: readonly NewFinding[]): Promise<void>;
  /** Rewrites stored findings (matched by source and fingerprint). */
  updateFindings(source: string, items: readonly FindingUpdate[]): Promise<void>;
  /** Whether the ledger holds any finding of a source, open or resolved (none: a first import needs no look-ups). */
  hasFindings(source: string): Promise<boolean>;
  /** How many findings of a source are open. */
  countOpenFindings(source: string): Promise<number>;
  /** Open findings of a source, streamed (the resolution pass). */
  openFindingRefs(source: string): AsyncIterable<OpenFindingRef>;
  /**
   * Marks findings resolved at `at` and returns the case keys they belong to. `lastSeen` (the
   * previous complete read of the source) becomes their last sighting when it is later than the stored one.
   */
  resolveFindings(source: string, fingerprints: readonly string[], at: string, lastSeen: string | null): Promise<string[]>;
  /**
   * What the findings of each case add up to. `knownTitles` (case key → title of its most severe
   * fresh finding) saves reading titles back; cases missing from it get theirs from the findings.
   */
  aggregateCases(keys: readonly string[], knownTitles?: ReadonlyMap<string, string>): Promise<CaseAggregate[]>;
  /** Inserts new cases and updates existing ones; new ones are written in multi-row statements. */
  saveCases(records: ReadonlyArray<{ record: CaseRecord; isNew: boolean }>): Promise<void>;
  /** Open cases whose SLA may need a notice on `dueBy` (due date on or before it, not yet breached). */
  casesNeedingSlaCheck(dueBy: string): Promise<CaseRecord[]>;
  /** Cases with a risk acceptance that expired before `today`. */
  expiredAcceptances(today: string): Promise<CaseRecord[]>;
  addHistory(entries: readonly HistoryEntry[]): Promise<void>;
  addEvidence(items: ReadonlyArray<{ caseKey: string; evidence: Evidence }>): Promise<void>;
  addEvents(runId: string, events: readonly LedgerEvent[]): Promise<void>;
  enqueueOutbox(entries: readonly OutboxEntry[]): Promise<void>;
  writeRunSource(record: RunSourceRecord): Promise<void>;
  finishRun(run: RunRecord): Promise<void>;
  sourceState(source: string): SourceStateStore;
  readonly cache: EnrichmentCache;
  readonly advisories: AdvisoryWriter;
  readonly enrichment: EnrichmentWriter;
  /** Stored state of a mirror (page links, watermark) — issue 6. */
  mirror(name: string): MirrorStateTx;
}

/** The ledger store: a reader plus transactions. */
export interface LedgerStore extends LedgerReader {
  /** Records a run as started, outside the run transaction (so a crash leaves a trace). */
  startRun(run: RunRecord): Promise<void>;
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T>;
  /** The outbox after commit: delivery reads and records here (issue 5). */
  readonly outbox: OutboxStore;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- doctor

/** How a `doctor` check went. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The outcome of one check: what was checked, how it went, and how to fix it. */
export interface CheckResult {
  /** Short name, e.g. `source defender: token` or `notify slack: channel`. */
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warning or failure. */
  hint?: string;
}

/** One check. It must not write anything anywhere, and must not put secrets in its results. */
export interface DoctorCheck {
  name: string;
  run(signal: AbortSignal): Promise<CheckResult | CheckResult[]>;
}

