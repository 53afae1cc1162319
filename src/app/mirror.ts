/**
 * Syncing a mirror (issue 6): pull first, then push.
 *
 * Pull — pages edited since the last sync are compared field by field with the ledger and with
 * the value the page held at the last sync (three-way, `compareField`). A person's edit of a
 * triage field is applied to the ledger through the same core rules as `vulnledger triage`, with
 * history entries by `notion:<name>`; a value vulnledger cannot accept is reported and recorded,
 * not applied; when both sides changed a field, the newer change wins and both values go to
 * history. Everything a page held is remembered, so our own writes are never taken for edits.
 *
 * Push — every case at or above the mirror's threshold (and every case that already has a page)
 * is rendered; only fields that differ from what the page holds are written, so an unchanged run
 * writes nothing. A case without a page is looked up by key first (adopting the old setup's
 * pages and pages of a sync that stopped before recording them); a page is never created twice.
 * The page body is rewritten only when the findings table changes.
 */
import { compareCases, SYSTEM_ACTOR, type CaseRecord } from '../core/case.js';
import type { Clock } from '../core/clock.js';
import {
  compareField,
  conflictWinner,
  historyFieldOf,
  HUMAN_FIELDS,
  MirrorPageGoneError,
  type FieldValues,
  type FoundPages,
  type HumanField,
  type Mirror,
  type MirrorCase,
  type MirrorKv,
  type MirrorLink,
  type MirrorRequestStats,
  type MirrorSession,
  type MirrorStateTx,
  type RemotePage,
} from '../core/mirror.js';
import type { HistoryEntry, LedgerStore, Logger, ProgressUpdate } from '../core/ports.js';
import { meetsThreshold, type SeverityThreshold } from '../core/severity.js';
import { applyTriageEdit, type Evidence, type FieldChange, type Triage } from '../core/triage.js';
import { messageOf } from '../util/errors.js';
import { listCases } from './cases.js';

/** A person's triage edit in the mirror, applied to the ledger. */
export interface AppliedEdit {
  caseKey: string;
  actor: string;
  changes: FieldChange[];
}

/** A field both sides changed since the last sync. */
export interface MirrorConflict {
  caseKey: string;
  field: string;
  ledger: string;
  remote: string;
  actor: string;
  kept: 'ledger' | 'remote';
}

/** A value from the mirror that the ledger cannot take (unknown option, bad date, …). */
export interface RejectedEdit {
  caseKey: string;
  field: string;
  value: string;
  reason: string;
  actor: string;
}

/** What a sync did. `error` says what stopped it (the next sync continues from there). */
export interface MirrorSyncReport {
  mirror: string;
  /** Pages read by the pull. */
  pulled: number;
  applied: AppliedEdit[];
  conflicts: MirrorConflict[];
  rejected: RejectedEdit[];
  created: number;
  /** Pages that existed for a case without a recorded page (old setup, interrupted sync). */
  adopted: number;
  updated: number;
  unchanged: number;
  bodies: number;
  /** Cases whose page was deleted or trashed in the mirror (no longer mirrored). */
  gone: string[];
  duplicates: Array<{ caseKey: string; pageIds: string[] }>;
  notes: string[];
  requests: MirrorRequestStats;
  error: string | null;
  durationMs: number;
}

/** Another sync of the same mirror holds the lock. */
export class MirrorBusyError extends Error {
  override readonly name = 'MirrorBusyError';
}

/** Who holds a mirror's sync lock, since when. */
export interface LockHolder {
  owner: string;
  at: string;
}

export interface MirrorSyncOptions {
  clock: Clock;
  log: Logger;
  /** The ledger's threshold; the mirror's own `minSeverity` overrides it. */
  minSeverity: SeverityThreshold;
  signal?: AbortSignal;
  progress?: (update: ProgressUpdate) => void;
  /** Identifies this process in the lock (e.g. `host:pid`). */
  lockOwner?: string;
  /** Whether a lock left by another sync may be taken over (default: older than an hour). */
  lockIsStale?: (holder: LockHolder) => boolean;
  /** Create pages again for cases whose page was deleted in the mirror. */
  recreateDeleted?: boolean;
}

const WATERMARK = 'watermark';
const LOCK = 'lock';
const STALE_LOCK_MS = 60 * 60_000;

function emptyReport(name: string): MirrorSyncReport {
  return {
    mirror: name, pulled: 0, applied: [], conflicts: [], rejected: [], created: 0, adopted: 0, updated: 0, unchanged: 0, bodies: 0,
    gone: [], duplicates: [], notes: [], requests: { reads: 0, writes: 0, rateLimited: 0 }, error: null, durationMs: 0,
  };
}

function sameValues(a: FieldValues | null, b: FieldValues): boolean {
  if (a === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof FieldValues>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/** KEV / EPSS as loaded with a case by the enrichment step (absent when that step is not configured). */
function enrichmentOf(record: CaseRecord): { kev: boolean; epss: number | null } {
  const r = record as CaseRecord & { kev?: object | null; epss?: { score?: unknown } | null };
  return { kev: r.kev !== null && r.kev !== undefined, epss: typeof r.epss?.score === 'number' ? r.epss.score : null };
}

/** Syncs one mirror: pull, then push. Never throws for a mirror failure: the report carries it. */
export async function syncMirror(store: LedgerStore, mirror: Mirror, options: MirrorSyncOptions): Promise<MirrorSyncReport> {
  const started = performance.now();
  const report = emptyReport(mirror.name);
  const log = options.log.child(`mirror:${mirror.name}`);
  const signal = options.signal ?? new AbortController().signal;
  const state = <T>(fn: (s: MirrorStateTx) => Promise<T>): Promise<T> => store.transaction((tx) => fn(tx.mirror(mirror.name)));
  const kv: MirrorKv = { get: (key) => state((s) => s.get(key)), set: (key, value) => state((s) => s.set(key, value)) };
  const owner = options.lockOwner ?? `pid ${process.pid}`;

  await state(async (s) => {
    const raw = await s.get(LOCK);
    if (raw) {
      const holder = JSON.parse(raw) as LockHolder;
      const stale = options.lockIsStale ? options.lockIsStale(holder) : options.clock.now().getTime() - Date.parse(holder.at) > STALE_LOCK_MS;
      if (!stale) {
        throw new MirrorBusyError(`another sync of mirror "${mirror.name}" is running (${holder.owner}, since ${holder.at}); wait for it to finish, or remove the lock if that process is gone`);
      }
      log.warn('taking over the lock of a sync that did not finish', { holder: holder.owner, since: holder.at });
    }
    await s.set(LOCK, JSON.stringify({ owner, at: options.clock.now().toISOString() } satisfies LockHolder));
  });

  let session: MirrorSession | null = null;
  try {
    session = await mirror.open({ signal, kv });
    const since = await kv.get(WATERMARK);
    const pull = await session.pull(since);
    report.pulled = pull.pages.length;
    report.notes.push(...pull.notes);
    const seenTitles = await absorbPulled(store, mirror, session, pull.pages, report, options);
    await kv.set(WATERMARK, pull.nextSince);
    log.info('pull finished', { pages: pull.pages.length, applied: report.applied.length, since, next: pull.nextSince });

    await push(store, mirror, session, { knowsAllPages: since === null && pull.complete, seenTitles }, report, { ...options, signal });
  } catch (error) {
    report.error = messageOf(error);
    log.error('mirror sync stopped', { error: report.error });
  } finally {
    if (session) report.requests = session.stats();
    try {
      await state(async (s) => {
        const raw = await s.get(LOCK);
        if (raw && (JSON.parse(raw) as LockHolder).owner === owner) await s.delete(LOCK);
      });
    } catch (error) {
      log.error('could not release the mirror lock', { error: messageOf(error) });
    }
    report.durationMs = Math.round(performance.now() - started);
  }
  return report;
}

/** Applies pulled pages; returns the titles seen (cases the push then need not look up). */
async function absorbPulled(store: LedgerStore, mirror: Mirror, session: MirrorSession, pages: readonly RemotePage[], report: MirrorSyncReport, options: MirrorSyncOptions): Promise<Set<string>> {
  const links = await store.transaction((tx) => tx.mirror(mirror.name).links());
  const byPage = new Map([...links.values()].map((l) => [l.pageId, l]));
  const titles = [...new Set(pages.filter((p) => !byPage.has(p.pageId)).map((p) => p.key))];
  const cases = titles.length > 0 ? await store.getCases(titles) : new Map<string, CaseRecord>();
  const adopted = new Set<string>();
  const seen = new Set<string>();
  for (const page of pages) {
    options.signal?.throwIfAborted();
    const linked = byPage.get(page.pageId);
    // Read back exactly as last synced (typically our own write): nothing to do.
    if (linked && linked.goneAt === null && sameValues(linked.values, page.values)) continue;
    if (linked) {
      await absorbPage(store, mirror, session, page, linked.caseKey, linked, report, options);
      continue;
    }
    seen.add(page.key);
    if (!cases.has(page.key)) continue;
    const current = links.get(page.key);
    if ((current && current.goneAt === null) || adopted.has(page.key)) {
      noteDuplicate(report, page.key, page.pageId);
      continue;
    }
    await absorbPage(store, mirror, session, page, page.key, undefined, report, options);
    adopted.add(page.key);
    report.adopted++;
  }
  return seen;
}

function noteDuplicate(report: MirrorSyncReport, caseKey: string, pageId: string): void {
  const entry = report.duplicates.find((d) => d.caseKey === caseKey);
  if (!entry) report.duplicates.push({ caseKey, pageIds: [pageId] });
  else if (!entry.pageIds.includes(pageId)) entry.pageIds.push(pageId);
}

/** The human-owned fields of a page that differ from the ledger in a way that needs the actor. */
function needsActor(mirror: Mirror, record: CaseRecord, page: RemotePage, base: FieldValues | undefined): boolean {
  const ledger = renderTriage(mirror, record);
  return HUMAN_FIELDS.some((f) => {
    const remote = page.values[f];
    if (remote === undefined) return false;
    const cmp = compareField(base?.[f], ledger[f] ?? '', remote);
    return cmp === 'pull' || cmp === 'both';
  });
}

/** A human-owned field's ledger value as history writes it (`in_progress`, not a mirror label). */
function ledgerValue(field: HumanField, triage: Triage): string {
  if (field === 'evidence') return `${triage.evidence.length} entr${triage.evidence.length === 1 ? 'y' : 'ies'}`;
  return triage[field] ?? '';
}

/** The human-owned fields of a record rendered the mirror's way (they depend on the record only). */
function renderTriage(mirror: Mirror, record: CaseRecord): FieldValues {
  return mirror.render({ record, findings: [], kev: false, epss: null }).values;
}

/**
 * Reconciles one page with its case in one ledger transaction: applies a person's triage edits,
 * records conflicts and refusals, and remembers what the page holds (the base of the next sync).
 */
async function absorbPage(
  store: LedgerStore,
  mirror: Mirror,
  session: MirrorSession,
  page: RemotePage,
  caseKey: string,
  link: MirrorLink | undefined,
  report: MirrorSyncReport,
  options: MirrorSyncOptions,
): Promise<void> {
  const before = await store.getCase(caseKey);
  if (!before) return;
  const base = link?.values ?? undefined;
  const actor = needsActor(mirror, before, page, base) ? `notion:${await session.userName(page.editedBy)}` : 'notion';
  await store.transaction(async (tx) => {
    const record = await tx.getCase(caseKey);
    if (!record) return;
    const now = options.clock.now();
    const at = now.toISOString();
    const ledger = renderTriage(mirror, record);
    let triage: Triage = record.triage;
    const changes: FieldChange[] = [];
    const evidence: Evidence[] = [];
    const history: HistoryEntry[] = [];
    let past: HistoryEntry[] | null = null;
    const entry = (who: string, field: string, oldValue: string | null, newValue: string | null): HistoryEntry => ({ caseKey, at, actor: who, field, oldValue, newValue, runId: null });

    for (const field of HUMAN_FIELDS) {
      const remote = page.values[field];
      if (remote === undefined) continue;
      const cmp = compareField(base?.[field], ledger[field] ?? '', remote);
      if (cmp === 'same' || cmp === 'push') continue;
      const name = historyFieldOf(field);
      const mine = ledgerValue(field, triage);
      if (cmp === 'both' && field !== 'evidence') {
        past ??= await tx.history(caseKey);
        const changedAt = past.filter((h) => h.field === name).reduce<string | null>((m, h) => (m === null || h.at > m ? h.at : m), null);
        const winner = conflictWinner(changedAt, page.editedAt);
        report.conflicts.push({ caseKey, field: name, ledger: mine, remote, actor, kept: winner });
        history.push(
          entry(
            SYSTEM_ACTOR,
            `notion.conflict.${name}`,
            `ledger: ${mine || '∅'}${changedAt ? ` (changed ${changedAt})` : ''}`,
            `Notion: ${remote || '∅'} (${actor}, edited ${page.editedAt}); kept the ${winner === 'ledger' ? "ledger's" : "Notion"} value`,
          ),
        );
        if (winner === 'ledger') continue;
      }
      const parsed = mirror.parse(field, remote, triage);
      if (!parsed.ok) {
        report.rejected.push({ caseKey, field: name, value: remote, reason: parsed.reason, actor });
        history.push(entry(actor, `notion.rejected.${name}`, mine || null, `${remote || '∅'}: ${parsed.reason}`));
        continue;
      }
      if (parsed.note) report.notes.push(`${caseKey}: ${parsed.note}`);
      if (Object.keys(parsed.edit).length === 0) continue;
      const result = applyTriageEdit(triage, parsed.edit, actor, now);
      if (!result.ok) {
        const reason = result.errors.join('; ');
        report.rejected.push({ caseKey, field: name, value: remote, reason, actor });
        history.push(entry(actor, `notion.rejected.${name}`, mine || null, `${remote || '∅'}: ${reason}`));
        continue;
      }
      triage = result.triage;
      changes.push(...result.changes);
      evidence.push(...result.addedEvidence);
    }

    if (changes.length > 0) {
      const after: CaseRecord = { ...record, triage, slaNotice: triage.dueDate !== record.triage.dueDate ? 'none' : record.slaNotice };
      await tx.saveCases([{ record: after, isNew: false }]);
      await tx.addEvidence(evidence.map((e) => ({ caseKey, evidence: e })));
      history.push(...changes.map((c) => entry(actor, c.field, c.oldValue, c.newValue)));
      report.applied.push({ caseKey, actor, changes });
    }
    if (history.length > 0) await tx.addHistory(history);
    const unchangedLink = link && link.pageId === page.pageId && link.goneAt === null && sameValues(link.values, page.values);
    if (!unchangedLink) {
      await tx.mirror(mirror.name).saveLink({ caseKey, pageId: page.pageId, url: page.url, values: page.values, bodyHash: link?.bodyHash ?? null, goneAt: null });
    }
  });
}

interface PushContext {
  /** The pull listed every page (first sync): a case whose key was not seen has no page. */
  knowsAllPages: boolean;
  /** Titles the pull saw (their cases were adopted there when they had no page). */
  seenTitles: ReadonlySet<string>;
}

async function push(
  store: LedgerStore,
  mirror: Mirror,
  session: MirrorSession,
  ctx: PushContext,
  report: MirrorSyncReport,
  options: MirrorSyncOptions & { signal: AbortSignal },
): Promise<void> {
  const links = await store.transaction((tx) => tx.mirror(mirror.name).links());
  const linkedPages = new Set([...links.values()].filter((l) => l.goneAt === null).map((l) => l.pageId));
  const threshold = mirror.minSeverity ?? options.minSeverity;
  const all = await listCases(store, {});
  const candidates = all.filter((c) => links.has(c.key) || meetsThreshold(c.severity, threshold)).sort(compareCases);
  const needsPage = (key: string): boolean => {
    const link = links.get(key);
    return !link || (link.goneAt !== null && options.recreateDeleted === true);
  };
  const toFind = candidates.filter((c) => needsPage(c.key) && !ctx.knowsAllPages && !ctx.seenTitles.has(c.key)).map((c) => c.key);
  const found: FoundPages = toFind.length > 0 ? await session.find(toFind) : new Map();

  let done = 0;
  for (const listed of candidates) {
    options.signal.throwIfAborted();
    options.progress?.({ source: `notion:${mirror.name}`, phase: 'push', rows: done, message: `${done}/${candidates.length} cases` });
    done++;
    let link = links.get(listed.key);
    if (link?.goneAt && !options.recreateDeleted) {
      report.gone.push(listed.key);
      continue;
    }
    let record = listed;
    if (!link || link.goneAt) {
      const hit = found.get(listed.key);
      if (hit && !linkedPages.has(hit.page.pageId)) {
        for (const id of hit.duplicates) noteDuplicate(report, listed.key, id);
        await absorbPage(store, mirror, session, hit.page, listed.key, undefined, report, options);
        report.adopted++;
        link = await store.transaction((tx) => tx.mirror(mirror.name).link(listed.key));
        record = { ...((await store.getCase(listed.key)) ?? listed), lastSeen: listed.lastSeen };
      } else {
        const mc = await mirrorCase(store, record);
        const rendered = mirror.render(mc);
        const { page, adopted } = await session.create(mc, rendered);
        link = { caseKey: record.key, pageId: page.pageId, url: page.url, values: page.values, bodyHash: adopted ? null : rendered.bodyHash, goneAt: null };
        await store.transaction((tx) => tx.mirror(mirror.name).saveLink(link!));
        linkedPages.add(page.pageId);
        if (adopted) report.adopted++;
        else report.created++;
        if (!adopted) continue;
      }
    }
    if (!link) continue;
    await pushCase(store, mirror, session, record, link, report, options.clock);
  }
  options.progress?.({ source: `notion:${mirror.name}`, phase: 'push', rows: done, message: `${done}/${candidates.length} cases` });
}

async function mirrorCase(store: LedgerStore, record: CaseRecord): Promise<MirrorCase> {
  return { record, findings: await store.findingsOfCase(record.key), ...enrichmentOf(record) };
}

/** Writes the fields (and body) of one linked case that differ from what its page holds. */
async function pushCase(
  store: LedgerStore,
  mirror: Mirror,
  session: MirrorSession,
  record: CaseRecord,
  link: MirrorLink,
  report: MirrorSyncReport,
  clock: Clock,
): Promise<void> {
  const mc = await mirrorCase(store, record);
  const rendered = mirror.render(mc);
  const base: FieldValues = link.values ?? {};
  const changed = (Object.keys(rendered.values) as Array<keyof FieldValues>).filter((f) => rendered.values[f] !== base[f]);
  const bodyChanged = link.bodyHash !== rendered.bodyHash;
  if (changed.length === 0 && !bodyChanged) {
    report.unchanged++;
    return;
  }
  let page: RemotePage | null;
  try {
    page = await session.update(link.pageId, Object.fromEntries(changed.map((f) => [f, rendered.values[f]])) as FieldValues, bodyChanged ? mc : null);
  } catch (error) {
    if (!(error instanceof MirrorPageGoneError)) throw error;
    report.gone.push(record.key);
    await store.transaction((tx) => tx.mirror(mirror.name).saveLink({ ...link, goneAt: clock.now().toISOString() }));
    return;
  }
  const values: FieldValues = { ...base };
  for (const f of changed) values[f] = page?.values[f] ?? rendered.values[f];
  await store.transaction((tx) =>
    tx.mirror(mirror.name).saveLink({ ...link, url: page?.url || link.url, values, bodyHash: bodyChanged ? rendered.bodyHash : link.bodyHash, goneAt: null }),
  );
  if (changed.length > 0) report.updated++;
  if (bodyChanged) report.bodies++;
}
