/**
 * Advisories: one case per feed item (MSRC, JVN, any RSS/Atom feed). An advisory case is triaged
 * like any case (someone decides whether a response is needed) but never resolves by absence —
 * feeds roll items off. An advisory that names a CVE tracked in the ledger is linked to that case
 * both ways. Pure: the run and the store call these.
 */
import type { CaseRecord, CaseState, LedgerEvent } from './case.js';
import { SYSTEM_ACTOR } from './case.js';
import type { FindingKind } from './finding.js';
import type { CaseKind } from './identity.js';
import { initialTriage, type FieldChange } from './triage.js';
import { sha256Hex } from './identity.js';

/** One advisory as a source reports it now. */
export interface Advisory {
  /** Stable id within its source: the feed item's guid, else its link (else a hash of title + date). */
  itemKey: string;
  guid: string | null;
  title: string;
  link: string | null;
  publishedAt: string | null;
  updatedAt: string | null;
  categories: string[];
  /** Plain text (HTML already stripped by the source). */
  summary: string;
  /** Distinct upper-case CVE ids the advisory names. */
  cveIds: string[];
  /** The publisher's own id when it has one (JVNDB-2026-000101, JVN#12345678). */
  advisoryId: string | null;
  /**
   * False when the item is older than the source's announce window: on first sight it is recorded
   * without an `advisory.new` event. Not part of the stored content.
   */
  announce: boolean;
}

/** An advisory as the ledger holds it. */
export interface StoredAdvisory extends Omit<Advisory, 'announce'> {
  caseKey: string;
  source: string;
  firstSeen: string;
  /** When the item's content last changed (an unchanged feed writes nothing). */
  lastSeen: string;
  contentHash: string;
}

/** A stored link between an advisory and a case about one of its CVEs. */
export interface AdvisoryLink {
  advisoryKey: string;
  caseKey: string;
  cveId: string;
  linkedAt: string;
  runId: string | null;
}

/** A linked case as `show` and `export` present it from the advisory's side. */
export interface LinkedCase {
  key: string;
  cveId: string;
  kind: CaseKind;
  state: CaseState;
  title: string;
  /** Open findings of the case per finding kind ("open on 3 machines"). */
  openByKind: Partial<Record<FindingKind, number>>;
  linkedAt: string;
}

/** A linked advisory as `show` and `export` present it from the case's side. */
export interface LinkedAdvisory {
  key: string;
  cveId: string;
  source: string;
  title: string;
  link: string | null;
  publishedAt: string | null;
  linkedAt: string;
}

/** Read side of advisories (part of the ledger reader). */
export interface AdvisoryReader {
  /** The advisory behind an advisory case, if `key` is one. */
  advisory(key: string): Promise<StoredAdvisory | undefined>;
  /** Cases an advisory concerns. */
  linkedCases(advisoryKey: string): Promise<LinkedCase[]>;
  /** Advisories that concern a case. */
  linkedAdvisories(caseKey: string): Promise<LinkedAdvisory[]>;
}

/** Write side of advisories, inside the run transaction. */
export interface AdvisoryWriter {
  get(keys: readonly string[]): Promise<Map<string, StoredAdvisory>>;
  save(rows: ReadonlyArray<{ advisory: StoredAdvisory; isNew: boolean }>): Promise<void>;
  /** Links that the stored advisories and cases imply but that are not stored yet (advisory CVE = case vulnerability id). */
  pendingLinks(): Promise<Array<{ advisoryKey: string; caseKey: string; cveId: string }>>;
  addLinks(links: readonly AdvisoryLink[]): Promise<void>;
}

const SIMPLE_ID = /^[A-Za-z0-9][A-Za-z0-9._#-]{0,63}$/;

/**
 * The case key of a feed item: `advisory:<source>:<id>`, where `id` is the item's guid (else link)
 * when that is short and plain (`JVNDB-2026-000101`), else the first 12 hex digits of its SHA-256
 * (URLs). Deterministic, so an item is never duplicated across runs.
 */
export function advisoryCaseKey(source: string, itemKey: string): string {
  const id = SIMPLE_ID.test(itemKey) ? itemKey : sha256Hex(itemKey).slice(0, 12);
  return `advisory:${source}:${id}`;
}

/** Hash of the stored content of an advisory: equal hash → nothing to write. */
export function advisoryContentHash(a: Omit<Advisory, 'announce'>): string {
  const canonical = [a.itemKey, a.guid, a.title, a.link, a.publishedAt, a.updatedAt, a.categories, a.summary, a.cveIds, a.advisoryId];
  return sha256Hex(JSON.stringify(canonical)).slice(0, 32);
}

/** What the run needs to plan an advisory. */
export interface AdvisoryPlanContext {
  now: Date;
  source: string;
}

/** The planned write for one advisory: its case, its details, and the event and history they cause. */
export interface AdvisoryUpdate {
  status: 'new' | 'changed' | 'unchanged';
  record: CaseRecord;
  advisory: StoredAdvisory;
  events: LedgerEvent[];
  changes: FieldChange[];
}

const MAX_CVES_IN_EVENT = 20;

/**
 * Decides how an advisory case changes. Pure.
 * - first sight → a new advisory case (kind `advisory`, severity `Unknown`, no SLA due date,
 *   triage `new` / response required `undecided`) and `advisory.new`, unless the item is older
 *   than the announce window (`announce: false`): recorded, not announced;
 * - same content → nothing;
 * - changed content (title, summary, CVE ids…) → details updated, title and CVE changes in history;
 *   no event. The case's state and triage are never touched by a feed.
 */
export function planAdvisory(
  beforeCase: CaseRecord | undefined,
  beforeAdvisory: StoredAdvisory | undefined,
  fresh: Advisory,
  ctx: AdvisoryPlanContext,
): AdvisoryUpdate {
  const at = ctx.now.toISOString();
  const key = advisoryCaseKey(ctx.source, fresh.itemKey);
  const { announce, ...content } = fresh;
  const hash = advisoryContentHash(content);
  const vulnId = fresh.advisoryId ?? fresh.itemKey;

  if (!beforeCase || !beforeAdvisory) {
    const record: CaseRecord = beforeCase ?? {
      key,
      kind: 'advisory',
      vulnId,
      title: fresh.title,
      severity: 'Unknown',
      cvss: null,
      state: 'open',
      firstSeen: at,
      lastSeen: at,
      resolvedAt: null,
      reopenedAt: null,
      openFindings: 0,
      totalFindings: 0,
      slaNotice: 'none',
      triage: initialTriage(null),
    };
    const advisory: StoredAdvisory = { ...content, caseKey: key, source: ctx.source, firstSeen: at, lastSeen: at, contentHash: hash };
    const events: LedgerEvent[] = [];
    if (announce) {
      events.push({
        type: 'advisory.new',
        caseKey: key,
        at,
        details: {
          source: ctx.source,
          title: fresh.title,
          link: fresh.link,
          publishedAt: fresh.publishedAt,
          cves: fresh.cveIds.slice(0, MAX_CVES_IN_EVENT).join(', '),
        },
      });
    }
    const changes: FieldChange[] = beforeCase ? [] : [{ field: 'state', oldValue: null, newValue: 'open' }];
    if (!announce) changes.push({ field: 'advisory.announced', oldValue: null, newValue: `no: published ${fresh.publishedAt ?? '?'}, before the announce window` });
    return { status: 'new', record, advisory, events, changes };
  }

  if (beforeAdvisory.contentHash === hash) {
    return { status: 'unchanged', record: beforeCase, advisory: beforeAdvisory, events: [], changes: [] };
  }
  const changes: FieldChange[] = [];
  const record: CaseRecord = { ...beforeCase, lastSeen: at };
  if (beforeCase.title !== fresh.title) {
    changes.push({ field: 'title', oldValue: beforeCase.title, newValue: fresh.title });
    record.title = fresh.title;
  }
  const oldCves = beforeAdvisory.cveIds.join(', ');
  const newCves = fresh.cveIds.join(', ');
  if (oldCves !== newCves) changes.push({ field: 'advisory.cves', oldValue: oldCves || null, newValue: newCves || null });
  if (beforeAdvisory.link !== fresh.link) changes.push({ field: 'advisory.link', oldValue: beforeAdvisory.link, newValue: fresh.link });
  const advisory: StoredAdvisory = { ...content, caseKey: key, source: ctx.source, firstSeen: beforeAdvisory.firstSeen, lastSeen: at, contentHash: hash };
  return { status: 'changed', record, advisory, events: [], changes };
}

/** History entries for a new link, one on each side. */
export function linkHistory(link: AdvisoryLink): Array<{ caseKey: string; at: string; actor: string; field: string; oldValue: string | null; newValue: string | null; runId: string | null }> {
  return [
    { caseKey: link.caseKey, at: link.linkedAt, actor: SYSTEM_ACTOR, field: 'advisory.linked', oldValue: null, newValue: `${link.advisoryKey} (${link.cveId})` },
    { caseKey: link.advisoryKey, at: link.linkedAt, actor: SYSTEM_ACTOR, field: 'advisory.concerns', oldValue: null, newValue: `${link.caseKey} (${link.cveId})` },
  ].map((h) => ({ ...h, runId: link.runId }));
}

const KIND_WORDS: Record<FindingKind, [string, string]> = {
  registryImage: ['image', 'images'],
  runningContainer: ['running container', 'running containers'],
  machine: ['machine', 'machines'],
  sql: ['database', 'databases'],
};

/**
 * How exposed a linked case is, in words: "open on 3 machines", "open in 2 images and 1 running
 * container", or "(resolved)" / "(no open findings)".
 */
export function describeExposure(state: CaseState, openByKind: Partial<Record<FindingKind, number>>): string {
  const parts = (Object.keys(KIND_WORDS) as FindingKind[])
    .filter((k) => (openByKind[k] ?? 0) > 0)
    .map((k) => {
      const n = openByKind[k] ?? 0;
      return `${n} ${KIND_WORDS[k][n === 1 ? 0 : 1]}`;
    });
  if (parts.length === 0) return state === 'resolved' ? '(resolved)' : '(no open findings)';
  const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  const onlyMachinesOrDbs = (openByKind.registryImage ?? 0) === 0 && (openByKind.runningContainer ?? 0) === 0;
  return `open ${onlyMachinesOrDbs ? 'on' : 'in'} ${list}`;
}
