/**
 * The main job: collect every source, diff against the ledger, persist in ONE transaction
 * together with the events and outbox entries it causes. Sources stream batches in; each source
 * runs in a savepoint, so a source that fails mid-way leaves nothing behind and resolves nothing.
 */
import { randomBytes } from 'node:crypto';
import { planCaseUpdate, SYSTEM_ACTOR, type CaseRecord, type LedgerEvent } from '../core/case.js';
import { addDays, isoDate, type Clock } from '../core/clock.js';
import type { Finding, FindingLifecycle, FindingLifecycleColumns, StoredFinding } from '../core/finding.js';
import {
  classifyFinding,
  failedCoverage,
  type FindingClass,
  findingContentHash,
  mayResolve,
  mergeFindings,
  type Coverage,
} from '../core/lifecycle.js';
import type {
  FindingSource,
  LedgerReader,
  LedgerStore,
  LedgerTx,
  Logger,
  FindingUpdate,
  NewFinding,
  OutboxEntry,
  ProgressUpdate,
  RunRecord,
  RunSourceRecord,
  SourceCounts,
  SourceResult,
  SourceStatus,
} from '../core/ports.js';
import { meetsThreshold, severityRank, type Severity, type SeverityThreshold } from '../core/severity.js';
import { slaStatus, slaTransition, type SlaPolicy } from '../core/sla.js';
import type { Evidence, FieldChange } from '../core/triage.js';
import { DEFAULT_ENRICHMENT_POLICY, type EnrichmentPolicy } from '../core/enrichment.js';
import { messageOf } from '../util/errors.js';
import { applyAdvisories, linkAdvisories } from './advisories.js';
import { applyEnrichment } from './enrichment.js';

/** Plans outbox deliveries (notifications, mirror pushes) for a run; called inside the run transaction. */
export interface OutboxPlanner {
  readonly channel: string;
  plan(input: OutboxPlanInput): OutboxEntry[] | Promise<OutboxEntry[]>;
}

/** What an outbox planner sees of a run. */
export interface OutboxPlanInput {
  runId: string;
  at: string;
  events: readonly LedgerEvent[];
  /** Every case an event refers to, after the run. */
  cases: ReadonlyMap<string, CaseRecord>;
  sources: readonly RunSourceRecord[];
  /** The run transaction, read-only use: resources and open/overdue counts for notifications. */
  reader: LedgerReader;
  /** The run's overall status (`ok`, `partial`, `failed`). */
  status: RunRecord['status'];
}

export interface RunOptions {
  minSeverity: SeverityThreshold;
  sla: SlaPolicy;
  clock: Clock;
  log: Logger;
  progress?: (update: ProgressUpdate) => void;
  outboxPlanners?: readonly OutboxPlanner[];
  signal?: AbortSignal;
  /** Findings handed to the store per write (default 250: see `FLUSH_FINDINGS`; tests use small batches). */
  batchSize?: number;
  /** Called after each batch is written (the CLI passes a heap trimmer that keeps memory flat). */
  afterBatch?: () => void;
  /** How KEV/EPSS enrichment flags cases (default: EPSS step 0.1). */
  enrichment?: EnrichmentPolicy;
  /** Changed findings held until their source ends, at most (default 10,000; see `applyBatch`). */
  maxHeldChanges?: number;
}

/** What a run did: the run record, per-source outcomes, the events and the cases they concern. */
export interface RunReport {
  run: RunRecord;
  sources: RunSourceRecord[];
  events: LedgerEvent[];
  cases: Map<string, CaseRecord>;
  openBySeverity: Record<Severity, number>;
  exitCode: 0 | 1 | 2;
}

const MAX_UNRECOGNISED_IDS = 50;
/**
 * Findings per store write, about two of the export reader's batches. With the reader's 125-row
 * batches this was the fastest combination measured at 100k findings (2.73 s against 2.82 s for
 * 250 rows and 1,000 findings, medians of five); 500 and 1,000 measured the same as each other,
 * 2,000 took ~2.7 s to ~2.9 s and 35 MB more peak RSS. Each write is one look-up query in a rerun.
 */
const FLUSH_FINDINGS = 250;

/** A run id that sorts by time and says when it ran: `20261130T101500Z-3fa2`. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

function emptyCounts(): SourceCounts {
  return { rows: 0, findings: 0, new: 0, reopened: 0, changed: 0, unchanged: 0, resolved: 0, skipped: {} };
}

/** Runs every source into the ledger. Never throws for a source failure; throws only if the store fails. */
export async function runLedger(store: LedgerStore, sources: readonly FindingSource[], options: RunOptions): Promise<RunReport> {
  const { clock, log } = options;
  const startedAt = clock.now();
  const runId = newRunId(startedAt);
  const at = startedAt.toISOString();
  const run: RunRecord = { id: runId, startedAt: at, finishedAt: null, status: 'running', error: null };
  await store.startRun(run);
  log.info('run started', { run: runId, sources: sources.map((s) => s.name) });

  try {
    return await store.transaction(async (tx) => {
      const lastComplete = await tx.lastCompleteRunAt();
      const touched = new Set<string>();
      const resolvingSources = new Map<string, Set<string>>();
      const records: RunSourceRecord[] = [];
      const sourceEvents: LedgerEvent[] = [];
      const titles = new Map<string, { title: string; rank: number }>();

      for (const source of runOrder(sources)) {
        const record = await runSource(tx, source, {
          runId,
          at,
          options,
          previousComplete: lastComplete.get(source.name) ?? null,
          touched,
          resolvingSources,
          events: sourceEvents,
          titles,
        });
        records.push(record);
        await tx.writeRunSource(record);
      }

      const events: LedgerEvent[] = [...sourceEvents];
      const cases = await updateCases(tx, [...touched], { runId, options, resolvingSources, events, titles });
      await linkAdvisories(tx, { runId, at: clock.now().toISOString(), events });
      await applyEnrichment(tx, { runId, now: clock.now(), sla: options.sla, policy: options.enrichment ?? DEFAULT_ENRICHMENT_POLICY, events, cases });
      await sweepSla(tx, { runId, options, events, cases });
      await sweepAcceptances(tx, { runId, options, events, cases });

      await tx.addEvents(runId, events);
      const finishedAt = clock.now().toISOString();
      const status = overallStatus(records);
      const finished: RunRecord = {
        ...run,
        finishedAt,
        status,
        error: status === 'ok' ? null : records.filter((r) => r.status !== 'ok').map((r) => `${r.source}: ${r.error ?? r.status}`).join('; '),
      };
      const eventCases = new Map<string, CaseRecord>();
      const missing = events.map((e) => e.caseKey).filter((k) => !cases.has(k));
      const loaded = missing.length > 0 ? await tx.getCases([...new Set(missing)]) : new Map<string, CaseRecord>();
      for (const e of events) {
        const c = cases.get(e.caseKey) ?? loaded.get(e.caseKey);
        if (c) eventCases.set(e.caseKey, c);
      }
      for (const planner of options.outboxPlanners ?? []) {
        const entries = await planner.plan({ runId, at, events, cases: eventCases, sources: records, reader: tx, status });
        await tx.enqueueOutbox(entries);
      }
      await tx.finishRun(finished);
      const openBySeverity = await tx.countOpenCases();
      log.info('run finished', { run: runId, status, events: events.length });
      return {
        run: finished,
        sources: records,
        events,
        cases: eventCases,
        openBySeverity,
        exitCode: status === 'ok' ? 0 : status === 'partial' ? 2 : 1,
      };
    });
  } catch (error) {
    // The transaction rolled back: the ledger is as it was. Record the failure on the run row.
    const failed: RunRecord = { ...run, finishedAt: clock.now().toISOString(), status: 'failed', error: messageOf(error) };
    try {
      await store.transaction(async (tx) => tx.finishRun(failed));
    } catch (inner) {
      log.error('could not record the failed run', { run: runId, error: messageOf(inner) });
    }
    throw error;
  }
}

/** Sources in config order, enrichment sources (KEV, EPSS) last so they see this run's CVEs. */
function runOrder(sources: readonly FindingSource[]): FindingSource[] {
  return [...sources.filter((s) => s.role !== 'enrichment'), ...sources.filter((s) => s.role === 'enrichment')];
}

function overallStatus(records: readonly RunSourceRecord[]): RunRecord['status'] {
  if (records.length === 0) return 'ok';
  if (records.every((r) => r.status === 'failed')) return 'failed';
  if (records.some((r) => r.status !== 'ok')) return 'partial';
  return 'ok';
}

interface SourceRunContext {
  runId: string;
  at: string;
  options: RunOptions;
  previousComplete: string | null;
  touched: Set<string>;
  resolvingSources: Map<string, Set<string>>;
  /** Events sources cause directly (`advisory.new`); only committed sources add theirs. */
  events: LedgerEvent[];
  /** Title of the most severe fresh finding per case (new cases take it). */
  titles: Map<string, { title: string; rank: number }>;
}

async function runSource(tx: LedgerTx, source: FindingSource, ctx: SourceRunContext): Promise<RunSourceRecord> {
  const { options, runId, at } = ctx;
  const log = options.log.child(`source:${source.name}`);
  const started = performance.now();
  const counts = emptyCounts();
  const models: RunSourceRecord['models'] = {};
  const unrecognised: string[] = [];
  // Every fingerprint recorded in this run, with how its first report was classified (a later report
  // that changes a first 'unchanged' one moves its count).
  const seen = new Map<string, FindingClass['status']>();
  // First reports that look changed, held until the source ends (see applyBatch).
  const held = new Map<string, HeldChange>();
  // Cases touched by this source; merged into the run's set only if the source commits.
  const touched = new Set<string>();
  const resolvedCases: string[] = [];
  const sourceEvents: LedgerEvent[] = [];
  const titles = new Map<string, { title: string; rank: number }>();
  const openSeen = { count: 0 };
  let coverage: Coverage = failedCoverage('did not finish');
  let notes: string[] = [];
  let status: SourceStatus = 'failed';
  let error: string | null = null;
  const batchSize = options.batchSize ?? FLUSH_FINDINGS;

  const progress = options.progress ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;

  try {
    await tx.savepoint(source.name, async () => {
      const ledger = { openCveIds: () => tx.enrichment.openCveIds() };
      // Open before this run: when every one of them is seen again, nothing can resolve.
      const openBefore = await tx.countOpenFindings(source.name);
      // Nothing stored for this source yet (a first import): only this run's own repeats need looking up.
      const firstImport = !(await tx.hasFindings(source.name));
      const generator = source.collect({ clock: options.clock, log, signal, progress, state: tx.sourceState(source.name), cache: tx.cache, ledger });
      let pending: Reported[] = [];
      const batchContext: BatchContext = {
        at, seen, held, maxHeld: options.maxHeldChanges ?? MAX_HELD, heldOverflow: 0, counts, touched, minSeverity: options.minSeverity, titles, openSeen, firstImport,
      };
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const batch = pending;
        pending = [];
        await applyBatch(tx, source.name, batch, batchContext);
        progress({ source: source.name, phase: 'ledger', rows: counts.rows });
        options.afterBatch?.();
      };
      let result: IteratorResult<Awaited<ReturnType<typeof generator.next>>['value'], SourceResult>;
      for (;;) {
        result = await generator.next();
        if (result.done) break;
        const batch = result.value as Exclude<typeof result.value, SourceResult>;
        counts.rows += batch.rows ?? batch.findings.length + batch.skipped.length;
        for (const [model, n] of Object.entries(batch.models ?? {}) as Array<[keyof typeof models, number]>) {
          models[model] = (models[model] ?? 0) + n;
        }
        for (const skip of batch.skipped) {
          counts.skipped[skip.reason] = (counts.skipped[skip.reason] ?? 0) + 1;
          if ((skip.reason === 'unrecognised' || skip.reason === 'invalid') && unrecognised.length < MAX_UNRECOGNISED_IDS) {
            unrecognised.push(skip.detail ? `${skip.id ?? '(no id)'}: ${skip.detail}` : (skip.id ?? '(no id)'));
          }
        }
        if (batch.advisories?.length) {
          await applyAdvisories(tx, batch.advisories, { runId, now: options.clock.now(), source: source.name, counts, events: sourceEvents });
        }
        const hashes = batch.contentHashes;
        if (hashes && hashes.length !== batch.findings.length) {
          throw new Error(`source ${source.name} gave ${hashes.length} content hashes for ${batch.findings.length} findings (a bug in the source)`);
        }
        for (let i = 0; i < batch.findings.length; i++) pending.push({ finding: batch.findings[i]!, hash: hashes?.[i] });
        if (pending.length >= batchSize) await flush();
      }
      await flush();
      await settleHeld(tx, source.name, batchContext);
      coverage = result.value.coverage;
      notes = result.value.notes;
      if (batchContext.heldOverflow > 0) {
        const note = `${batchContext.heldOverflow} changed finding(s) beyond the first ${batchContext.maxHeld} were written before all their reports were in: one reported several times (two packages, digests or models) may read as changed although its merged content is not`;
        notes = [...notes, note];
        log.warn('held changes over the limit', { source: source.name, limit: batchContext.maxHeld, over: batchContext.heldOverflow });
      }

      // Resolution pass: open findings of this source it did not report, outside any unread part.
      // When every finding open before the run was seen again, nothing is left to resolve and the
      // scan is skipped (the common case of a complete, unchanged read, and of a first import).
      const toResolve: string[] = [];
      const unseenOpen = openBefore - openSeen.count;
      if (unseenOpen > 0) for await (const ref of tx.openFindingRefs(source.name)) {
        if (mayResolve(ref, seen, coverage, source.kinds)) toResolve.push(ref.fingerprint);
      }
      if (toResolve.length > 0) {
        const keys = await tx.resolveFindings(source.name, toResolve, at, ctx.previousComplete);
        for (const key of keys) {
          touched.add(key);
          resolvedCases.push(key);
        }
      }
      counts.resolved = toResolve.length;
    });
    status = coverage.complete ? 'ok' : 'partial';
    if (!coverage.complete) error = coverage.reason;
  } catch (caught) {
    error = messageOf(caught);
    status = 'failed';
    coverage = failedCoverage(error);
    // The savepoint rolled back every write of this source: nothing new, nothing resolved.
    counts.new = counts.reopened = counts.changed = counts.resolved = 0;
    log.error('source failed; nothing it reported was applied and nothing was resolved', { error });
  }

  if (status !== 'failed') {
    ctx.events.push(...sourceEvents);
    for (const [key, t] of titles) {
      const known = ctx.titles.get(key);
      if (!known || t.rank > known.rank) ctx.titles.set(key, t);
    }
    for (const key of touched) ctx.touched.add(key);
    for (const key of resolvedCases) {
      const set = ctx.resolvingSources.get(key) ?? new Set<string>();
      set.add(source.name);
      ctx.resolvingSources.set(key, set);
    }
  }
  const record: RunSourceRecord = {
    runId,
    source: source.name,
    type: source.type,
    status,
    counts,
    durationMs: performance.now() - started,
    error,
    coverage,
    notes,
    models,
    unrecognised,
  };
  log.info('source finished', { status, rows: counts.rows, new: counts.new, resolved: counts.resolved, ms: Math.round(record.durationMs) });
  return record;
}

/** One report of a finding, with its content hash when the source computed it. */
interface Reported {
  finding: Finding;
  hash?: string | undefined;
}

/** A report that differs from the stored finding, kept until the source ends (its other reports may still come). */
interface HeldChange {
  before: FindingLifecycle;
  finding: Finding;
}

/**
 * How many first reports of a change are held back by default; beyond this they are written at
 * once (memory stays bounded; a later report of the same finding then updates it again, and the
 * run notes how many were over).
 */
const MAX_HELD = 10_000;

interface BatchContext {
  at: string;
  seen: Map<string, FindingClass['status']>;
  held: Map<string, HeldChange>;
  maxHeld: number;
  /** Changed first reports written at once because `held` was full. */
  heldOverflow: number;
  counts: SourceCounts;
  touched: Set<string>;
  minSeverity: SeverityThreshold;
  titles: Map<string, { title: string; rank: number }>;
  /** How many findings that were open before the run have been seen. */
  openSeen: { count: number };
  /** The source had no stored findings before this run: look up only fingerprints this run already wrote. */
  firstImport: boolean;
}

/**
 * Applies one batch of fresh findings: insert new, update reopened, skip unchanged.
 *
 * A finding may be reported several times in a run (the same CVE on an asset from two packages,
 * two digests, both Defender models), and what the ledger stores is the merge of all its reports.
 * So a first report that differs from the stored finding is not written yet: it is held, later
 * reports merge into it, and `settleHeld` decides at the end of the source whether the merged
 * finding changed. An unchanged rerun then writes nothing, however the reports fall into batches.
 */
async function applyBatch(tx: LedgerTx, source: string, batch: readonly Reported[], ctx: BatchContext): Promise<void> {
  // Merge duplicates within the batch first; a merged report's content hash is computed again.
  const fresh = new Map<string, Reported>();
  for (const report of batch) {
    const fp = report.finding.fingerprint;
    const prev = fresh.get(fp);
    fresh.set(fp, prev ? { finding: mergeFindings(prev.finding, report.finding) } : report);
  }
  // A later report of a held change merges into it, in memory.
  for (const [fp, report] of fresh) {
    const held = ctx.held.get(fp);
    if (!held) continue;
    held.finding = mergeFindings(held.finding, report.finding);
    fresh.delete(fp);
  }
  const lookUp = ctx.firstImport ? [...fresh.keys()].filter((fp) => ctx.seen.has(fp)) : [...fresh.keys()];
  const stored = lookUp.length > 0 ? await tx.getFindingLifecycles(source, lookUp) : new Map<string, FindingLifecycle>();
  // Reported again after this run wrote (or left) the row: merge into the full stored row.
  const repeated = [...fresh.keys()].filter((fp) => ctx.seen.has(fp) && stored.has(fp));
  const written = repeated.length > 0 ? await tx.getFindings(source, repeated) : new Map<string, StoredFinding>();
  const inserts: NewFinding[] = [];
  const updates: FindingUpdate[] = [];

  for (const [fp, { finding: f, hash: known }] of fresh) {
    const before = stored.get(fp);
    const full = written.get(fp);
    if (full) {
      const merged = mergeFindings(full, f);
      const hash = findingContentHash(merged);
      if (hash === full.contentHash) continue;
      updates.push({ finding: merged, lifecycle: { ...lifecycleOf(full), contentHash: hash, lastSeen: ctx.at }, previousCaseKey: full.caseKey });
      ctx.touched.add(full.caseKey);
      if (ctx.seen.get(fp) === 'unchanged') {
        // Its first report matched the ledger; with this one it no longer does.
        ctx.counts.unchanged--;
        ctx.counts.changed++;
        ctx.seen.set(fp, 'changed');
      }
      continue;
    }
    if (!meetsThreshold(f.severity, ctx.minSeverity) && before?.state !== 'open') {
      // Below the threshold and not already tracked: counted, not recorded.
      ctx.counts.skipped['below-threshold'] = (ctx.counts.skipped['below-threshold'] ?? 0) + 1;
      continue;
    }
    if (before?.state === 'open') ctx.openSeen.count++;
    ctx.counts.findings++;
    const hash = known ?? findingContentHash(f);
    const { status } = classifyFinding(before, f, hash);
    ctx.seen.set(fp, status);
    if (status === 'changed') {
      if (ctx.held.size < ctx.maxHeld) {
        ctx.held.set(fp, { before: before!, finding: f });
        continue;
      }
      ctx.heldOverflow++;
    }
    if (status !== 'unchanged') noteTitle(ctx.titles, f);
    switch (status) {
      case 'new':
        ctx.counts.new++;
        inserts.push({ finding: f, contentHash: hash });
        ctx.touched.add(f.caseKey);
        break;
      case 'reopened':
        ctx.counts.reopened++;
        updates.push({ finding: f, lifecycle: { ...lifecycleOf(before!), state: 'open', lastSeen: ctx.at, resolvedAt: null, reopenedAt: ctx.at, contentHash: hash }, previousCaseKey: before!.caseKey });
        touchBoth(ctx.touched, before!, f);
        break;
      case 'changed':
        ctx.counts.changed++;
        updates.push({ finding: f, lifecycle: { ...lifecycleOf(before!), lastSeen: ctx.at, contentHash: hash }, previousCaseKey: before!.caseKey });
        touchBoth(ctx.touched, before!, f);
        break;
      case 'unchanged':
        ctx.counts.unchanged++;
        break;
    }
  }
  if (inserts.length > 0) await tx.insertNewFindings(source, ctx.at, inserts);
  if (updates.length > 0) await tx.updateFindings(source, updates);
}

/** The end of a source: each held change, now merged with all its reports, is written if it still differs. */
async function settleHeld(tx: LedgerTx, source: string, ctx: BatchContext): Promise<void> {
  const updates: FindingUpdate[] = [];
  for (const { before, finding } of ctx.held.values()) {
    const hash = findingContentHash(finding);
    if (hash === before.contentHash) {
      ctx.counts.unchanged++;
      continue;
    }
    ctx.counts.changed++;
    noteTitle(ctx.titles, finding);
    updates.push({ finding, lifecycle: { ...lifecycleOf(before), lastSeen: ctx.at, contentHash: hash }, previousCaseKey: before.caseKey });
    touchBoth(ctx.touched, before, finding);
  }
  ctx.held.clear();
  if (updates.length > 0) await tx.updateFindings(source, updates);
}

/**
 * The lifecycle columns of a stored finding, as a small object: a rewrite is the fresh finding
 * plus these (spreading whole findings into one object cost ~20 µs each, 2 s per 100k rewrites).
 */
function lifecycleOf(f: FindingLifecycle): FindingLifecycleColumns {
  return { state: f.state, firstSeen: f.firstSeen, lastSeen: f.lastSeen, resolvedAt: f.resolvedAt, reopenedAt: f.reopenedAt, contentHash: f.contentHash };
}

/** The title of the most severe fresh finding per case (new cases take it). */
function noteTitle(titles: Map<string, { title: string; rank: number }>, f: Finding): void {
  if (!f.title) return;
  const rank = severityRank(f.severity);
  const known = titles.get(f.caseKey);
  if (!known || rank > known.rank) titles.set(f.caseKey, { title: f.title, rank });
}

/** A finding that moved to another case touches both. */
function touchBoth(touched: Set<string>, before: FindingLifecycle, f: Finding): void {
  touched.add(f.caseKey);
  if (before.caseKey !== f.caseKey) touched.add(before.caseKey);
}

interface CaseStepContext {
  runId: string;
  options: RunOptions;
  events: LedgerEvent[];
}

function historyOf(key: string, changes: readonly FieldChange[], at: string, runId: string) {
  return changes.map((c) => ({ caseKey: key, at, actor: SYSTEM_ACTOR, field: c.field, oldValue: c.oldValue, newValue: c.newValue, runId }));
}

function sameCase(a: CaseRecord, b: CaseRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Recomputes every touched case from its findings and applies the case lifecycle. */
async function updateCases(
  tx: LedgerTx,
  keys: readonly string[],
  ctx: CaseStepContext & { resolvingSources: Map<string, Set<string>>; titles: ReadonlyMap<string, { title: string }> },
): Promise<Map<string, CaseRecord>> {
  const out = new Map<string, CaseRecord>();
  if (keys.length === 0) return out;
  const now = ctx.options.clock.now();
  const at = now.toISOString();
  const before = await tx.getCases(keys);
  // A case that has a title keeps it (planCaseUpdate): only new or untitled cases need one looked up.
  const titles = new Map([...ctx.titles].map(([key, t]) => [key, t.title]));
  for (const [key, record] of before) if (record.title && !titles.has(key)) titles.set(key, record.title);
  const aggregates = await tx.aggregateCases(keys, titles);
  const saves: Array<{ record: CaseRecord; isNew: boolean }> = [];
  const history: ReturnType<typeof historyOf> = [];
  const evidence: Array<{ caseKey: string; evidence: Evidence }> = [];
  for (const agg of aggregates) {
    const prior = before.get(agg.key);
    const update = planCaseUpdate(prior, agg, {
      now,
      runId: ctx.runId,
      sla: ctx.options.sla,
      resolvingSources: [...(ctx.resolvingSources.get(agg.key) ?? [])],
    });
    out.set(agg.key, update.after);
    if (prior && sameCase(prior, update.after)) continue;
    saves.push({ record: update.after, isNew: prior === undefined });
    history.push(...historyOf(agg.key, update.changes, at, ctx.runId));
    for (const e of update.evidence) evidence.push({ caseKey: agg.key, evidence: e });
    ctx.events.push(...update.events);
  }
  await tx.saveCases(saves);
  await tx.addHistory(history);
  await tx.addEvidence(evidence);
  return out;
}

/** Emits `sla.due_soon` / `sla.breached` once per due date for open, unanswered cases. */
async function sweepSla(tx: LedgerTx, ctx: CaseStepContext & { cases: Map<string, CaseRecord> }): Promise<void> {
  const now = ctx.options.clock.now();
  const today = isoDate(now);
  const candidates = await tx.casesNeedingSlaCheck(addDays(today, ctx.options.sla.dueSoonDays));
  const saves: Array<{ record: CaseRecord; isNew: boolean }> = [];
  for (const record of candidates) {
    const status = slaStatus(record.triage, record.state !== 'resolved', today, ctx.options.sla);
    const { event, notice } = slaTransition(status, record.slaNotice);
    if (!event) continue;
    const after: CaseRecord = { ...record, slaNotice: notice };
    saves.push({ record: after, isNew: false });
    ctx.cases.set(after.key, after);
    ctx.events.push({ type: event, caseKey: record.key, at: now.toISOString(), details: { dueDate: record.triage.dueDate } });
  }
  await tx.saveCases(saves);
}

/** Returns expired risk acceptances to `triaging`, with history and an `acceptance.expired` event. */
async function sweepAcceptances(tx: LedgerTx, ctx: CaseStepContext & { cases: Map<string, CaseRecord> }): Promise<void> {
  const now = ctx.options.clock.now();
  const at = now.toISOString();
  const expired = await tx.expiredAcceptances(isoDate(now));
  for (const record of expired) {
    const after: CaseRecord = { ...record, triage: { ...record.triage, status: 'triaging' } };
    await tx.saveCases([{ record: after, isNew: false }]);
    await tx.addHistory(historyOf(record.key, [{ field: 'triage.status', oldValue: 'risk_accepted', newValue: 'triaging' }], at, ctx.runId));
    ctx.cases.set(after.key, after);
    ctx.events.push({ type: 'acceptance.expired', caseKey: record.key, at, details: { acceptedUntil: record.triage.acceptedUntil } });
  }
}
