/**
 * Enrichment: the two signals security teams prioritise by, on every case about a CVE —
 * known exploitation (CISA KEV) and exploit probability (FIRST EPSS). Sources cache the raw facts
 * per CVE; the run applies them to cases with `planEnrichment` (pure) and the store keeps what was
 * applied, so a change between runs is noticed exactly once.
 */
import type { CaseRecord, LedgerEvent } from './case.js';
import { SYSTEM_ACTOR } from './case.js';
import { slaDueDate, type SlaPolicy } from './sla.js';
import type { FieldChange } from './triage.js';

/**
 * Cache namespaces (the `EnrichmentCache` port) the enrichment sources write and the run reads:
 * per-CVE KEV entries and EPSS scores (a `null` EPSS value = asked, not scored), plus one record
 * about the loaded KEV catalog and, for a full EPSS download, about that document.
 */
export const ENRICHMENT_CACHE = {
  kev: 'kev',
  kevCatalog: 'kev-catalog',
  epss: 'epss',
  epssDocument: 'epss-document',
} as const;

/** The `kev-catalog` record (key `catalog`). */
export interface KevCatalogInfo {
  catalogVersion: string | null;
  dateReleased: string | null;
  entries: number;
  /** When a KEV catalog was first loaded into this ledger: additions are flagged only after that. */
  firstLoadedAt: string;
}

/** The `epss-document` record (key `document`): a full EPSS file is loaded, so a CVE missing from it is not scored. */
export interface EpssDocumentInfo {
  scoreDate: string | null;
  entries: number;
}

/** KEV membership as shown on a case and in the export. */
export interface CaseKev {
  /** YYYY-MM-DD the CVE was added to the KEV catalog. */
  dateAdded: string;
  /** CISA's remediation deadline for US federal agencies (YYYY-MM-DD). */
  dueDate: string | null;
  /** true = known ransomware use; null = unknown (CISA's "Unknown"), not "no". */
  knownRansomware: boolean | null;
  /** When vulnledger first saw this case in KEV (ISO instant): where the KEV SLA rule starts. */
  since: string;
}

/** EPSS as shown on a case and in the export: numbers, never decimal strings. */
export interface CaseEpss {
  score: number;
  percentile: number;
  /** YYYY-MM-DD the score is for. */
  date: string;
}

/** A KEV catalog entry as cached per CVE. */
export interface KevFact {
  dateAdded: string;
  dueDate: string | null;
  knownRansomware: boolean | null;
  vendorProject?: string;
  product?: string;
  vulnerabilityName?: string;
}

/** An EPSS score as cached per CVE. */
export interface EpssFact {
  score: number;
  percentile: number;
  date: string;
}

/** What the ledger has applied to one case. */
export interface CaseEnrichmentState {
  kev: CaseKev | null;
  epss: CaseEpss | null;
  /**
   * The EPSS score a rise is measured from: the score when the case was first scored or last
   * flagged for EPSS, lowered whenever the score falls below it.
   */
  epssBaseline: number | null;
}

export const EMPTY_ENRICHMENT: CaseEnrichmentState = { kev: null, epss: null, epssBaseline: null };

/**
 * What the caches say about a CVE now. `undefined` = no data (no catalog loaded, never looked up):
 * the case keeps what it has. `null` = looked up and absent (not in KEV, not scored).
 */
export interface EnrichmentFacts {
  kev: KevFact | null | undefined;
  epss: EpssFact | null | undefined;
}

/** A case the enrichment step considers. */
export interface EnrichmentCandidate {
  caseKey: string;
  /** The CVE id of the case. */
  cveId: string;
  open: boolean;
  stored: CaseEnrichmentState | null;
}

/** Write side of enrichment, inside the run transaction. */
export interface EnrichmentWriter {
  /** True when anything could apply: a cached KEV catalog or EPSS score, or applied enrichment. */
  hasAny(): Promise<boolean>;
  /** Every non-advisory case whose vulnerability id is a CVE, with what was applied to it. */
  candidates(): Promise<EnrichmentCandidate[]>;
  save(rows: ReadonlyArray<{ caseKey: string; state: CaseEnrichmentState }>): Promise<void>;
  /** Distinct CVE ids of open findings (what EPSS is asked about). */
  openCveIds(): Promise<string[]>;
}

/** How the run applies enrichment. */
export interface EnrichmentPolicy {
  /** An EPSS rise of at least this flags an open case as worsened (default 0.1). */
  epssStep: number;
}

export const DEFAULT_ENRICHMENT_POLICY: EnrichmentPolicy = { epssStep: 0.1 };

/** Context of one enrichment decision. */
export interface EnrichmentContext {
  at: string;
  policy: EnrichmentPolicy;
  /** The case was created in this run: it gets `case.new`, not `case.worsened`. */
  isNewCase: boolean;
  /** The KEV catalog was loaded for the first time in this run: record, do not flag. */
  firstKevLoad: boolean;
}

/** The planned enrichment of a case and what it causes. */
export interface EnrichmentUpdate {
  after: CaseEnrichmentState;
  /** Anything to write. */
  changed: boolean;
  /** KEV membership was added or removed (the SLA due date may move). */
  kevChanged: boolean;
  events: LedgerEvent[];
  changes: FieldChange[];
}

const EPSS_EPSILON = 1e-9;

function describeKev(k: Pick<CaseKev, 'dateAdded' | 'dueDate' | 'knownRansomware'>): string {
  const ransomware = k.knownRansomware === true ? 'known' : k.knownRansomware === false ? 'no' : 'unknown';
  return `added ${k.dateAdded}, CISA due ${k.dueDate ?? '-'}, ransomware ${ransomware}`;
}

/**
 * Applies fresh KEV / EPSS facts to a case. Pure. Rules:
 * - KEV added to an open case that existed before this run → `case.worsened` (reason `kev`),
 *   unless this is the first KEV catalog the ledger ever loaded (then it is recorded quietly);
 *   ransomware use becoming known on an open KEV case → `case.worsened` (reason `kev-ransomware`);
 *   every KEV change is in history.
 * - EPSS: the first score sets the baseline (history, no event). A rise of at least
 *   `policy.epssStep` over the baseline on an open case that existed before this run →
 *   `case.worsened` (reason `epss`) and the baseline moves up to the new score; a fall lowers the
 *   baseline. Day-to-day drift updates the score without history.
 */
export function planEnrichment(candidate: EnrichmentCandidate, facts: EnrichmentFacts, ctx: EnrichmentContext): EnrichmentUpdate {
  const before = candidate.stored ?? EMPTY_ENRICHMENT;
  const after: CaseEnrichmentState = { ...before };
  const events: LedgerEvent[] = [];
  const changes: FieldChange[] = [];
  const mayFlag = candidate.open && !ctx.isNewCase;
  let kevChanged = false;

  if (facts.kev !== undefined) {
    if (facts.kev === null) {
      if (before.kev !== null) {
        changes.push({ field: 'kev', oldValue: describeKev(before.kev), newValue: null });
        after.kev = null;
        kevChanged = true;
      }
    } else {
      const next: CaseKev = {
        dateAdded: facts.kev.dateAdded,
        dueDate: facts.kev.dueDate,
        knownRansomware: facts.kev.knownRansomware,
        since: before.kev?.since ?? ctx.at,
      };
      if (before.kev === null) {
        changes.push({ field: 'kev', oldValue: null, newValue: describeKev(next) });
        kevChanged = true;
        if (mayFlag && !ctx.firstKevLoad) {
          events.push({
            type: 'case.worsened',
            caseKey: candidate.caseKey,
            at: ctx.at,
            details: { reason: 'kev', cveId: candidate.cveId, dateAdded: next.dateAdded, dueDate: next.dueDate, knownRansomware: next.knownRansomware },
          });
        }
      } else if (describeKev(before.kev) !== describeKev(next)) {
        changes.push({ field: 'kev', oldValue: describeKev(before.kev), newValue: describeKev(next) });
        if (mayFlag && before.kev.knownRansomware !== true && next.knownRansomware === true) {
          events.push({ type: 'case.worsened', caseKey: candidate.caseKey, at: ctx.at, details: { reason: 'kev-ransomware', cveId: candidate.cveId } });
        }
      }
      after.kev = next;
    }
  }

  if (facts.epss !== undefined) {
    if (facts.epss === null) {
      if (before.epss !== null) {
        changes.push({ field: 'epss', oldValue: String(before.epss.score), newValue: null });
        after.epss = null;
        after.epssBaseline = null;
      }
    } else {
      const next: CaseEpss = { score: facts.epss.score, percentile: facts.epss.percentile, date: facts.epss.date };
      const baseline = before.epssBaseline ?? before.epss?.score ?? null;
      if (baseline === null) {
        changes.push({ field: 'epss', oldValue: null, newValue: `${next.score} (percentile ${next.percentile}, ${next.date})` });
        after.epssBaseline = next.score;
      } else if (next.score - baseline >= ctx.policy.epssStep - EPSS_EPSILON) {
        changes.push({ field: 'epss', oldValue: String(baseline), newValue: `${next.score} (percentile ${next.percentile}, ${next.date})` });
        if (mayFlag) {
          events.push({
            type: 'case.worsened',
            caseKey: candidate.caseKey,
            at: ctx.at,
            details: { reason: 'epss', cveId: candidate.cveId, from: baseline, to: next.score, percentile: next.percentile, date: next.date },
          });
        }
        after.epssBaseline = next.score;
      } else {
        after.epssBaseline = Math.min(baseline, next.score);
      }
      after.epss = next;
    }
  }

  const changed = JSON.stringify(before) !== JSON.stringify(after);
  return { after, changed, kevChanged, events, changes };
}

/**
 * The due date the SLA policy gives a case, KEV rule included: days per severity from first
 * sighting (or the reopen date with `restartOnReopen`), or — for a case in KEV when
 * `policy.kevDays` is set — `kevDays` after it entered KEV, whichever is earlier.
 */
export function policyDueDate(record: Pick<CaseRecord, 'severity' | 'firstSeen' | 'reopenedAt' | 'kev'>, policy: SlaPolicy): string | null {
  const start = policy.restartOnReopen && record.reopenedAt ? record.reopenedAt : record.firstSeen;
  return slaDueDate(record.severity, start, policy, record.kev?.since ?? null);
}

/** History entries of an enrichment change (actor `vulnledger`). */
export function enrichmentHistory(caseKey: string, changes: readonly FieldChange[], at: string, runId: string) {
  return changes.map((c) => ({ caseKey, at, actor: SYSTEM_ACTOR, field: c.field, oldValue: c.oldValue, newValue: c.newValue, runId }));
}

/** Filters on enrichment (`cases --kev`, `--epss-min`). */
export interface EnrichmentFilter {
  kev?: boolean;
  epssMin?: number;
}

