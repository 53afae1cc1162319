/**
 * Case figures counted in memory from the findings one transaction inserts, so that a first import
 * need not read its 100k findings back to count them (a grouped scan of the findings table, ~0.3 s
 * of the 100k benchmark import).
 *
 * The figures of a case are exact when every finding of the case is one this transaction inserted.
 * That holds for a case that has no row in `cases` yet (every run that writes a finding saves its
 * case in the same transaction, and cases are never deleted) and whose findings the transaction
 * wrote in no other way. An update (a finding reported again later in the run, changed or reopened)
 * or a resolution takes the cases it touches, before and after, out of the tally (`exclude`); those
 * are counted in SQL. A rolled-back savepoint removes rows the tally counted, so it makes the whole
 * tally unusable (`invalidate`).
 */
import type { Finding } from '../core/finding.js';
import { severityRank } from '../core/severity.js';

/** What the tally knows of one case: the same figures the SQL aggregation reads from the findings table. */
export interface TalliedCase {
  /** Smallest `kind` and `vuln_id` by byte order, as SQL `min()` picks them. */
  kind: string;
  vulnId: string;
  /** Findings inserted (all open: an insert is a new finding). */
  total: number;
  cvss: number | null;
  /** Highest severity rank (`severityRank`). */
  rank: number;
  firstSeen: string;
  lastSeen: string;
}

/** The tally of one transaction. */
export class InsertedCases {
  #cases: Map<string, TalliedCase> | null = new Map();
  readonly #excluded = new Set<string>();

  /** Counts a finding inserted with `firstSeen = lastSeen = at`. */
  add(f: Finding, at: string): void {
    const cases = this.#cases;
    if (!cases || this.#excluded.has(f.caseKey)) return;
    const rank = severityRank(f.severity);
    // SQLite stores NaN as NULL.
    const cvss = f.cvss === null || Number.isNaN(f.cvss) ? null : f.cvss;
    const known = cases.get(f.caseKey);
    if (!known) {
      cases.set(f.caseKey, { kind: f.kind, vulnId: f.vulnId, total: 1, cvss, rank, firstSeen: at, lastSeen: at });
      return;
    }
    known.total++;
    if (cvss !== null && (known.cvss === null || cvss > known.cvss)) known.cvss = cvss;
    if (rank > known.rank) known.rank = rank;
    known.kind = minByBytes(known.kind, f.kind);
    known.vulnId = minByBytes(known.vulnId, f.vulnId);
    known.firstSeen = minByBytes(known.firstSeen, at);
    if (minByBytes(known.lastSeen, at) !== at) known.lastSeen = at;
  }

  /** A finding of this case was written otherwise than by an insert: the case is counted in SQL. */
  exclude(caseKey: string): void {
    this.#excluded.add(caseKey);
    this.#cases?.delete(caseKey);
  }

  /** Rows the tally counted were rolled back: from now on nothing is answered from memory. */
  invalidate(): void {
    this.#cases = null;
  }

  /** The tallied cases (none excluded), or null when the tally is unusable. */
  usable(): ReadonlyMap<string, TalliedCase> | null {
    return this.#cases;
  }
}

/**
 * The smaller of two strings in UTF-8 byte order, which is Unicode code point order and how SQLite
 * compares text by default. JavaScript's `<` compares UTF-16 units, which orders characters above
 * U+FFFF (surrogate pairs) before U+E000–U+FFFF.
 */
export function minByBytes(a: string, b: string): string {
  if (a === b) return a;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? a : b;
    if (x > 0xffff) i++;
  }
  return a.length <= b.length ? a : b;
}
