import { kevCatalogSchema, kevEntrySchema, type KevRawEntry } from './schema.js';
import { DocumentParseError, parseJsonDocument, sourcePrefix } from '../_shared/parse-error.js';

/**
 * CISA KEV catalog JSON → `KevEntry` list. A document that is not JSON or has no `vulnerabilities`
 * array fails as a whole (`KevParseError`, naming line and column of a syntax error); a bad entry is
 * dropped and counted, never the catalog.
 */

/** One KEV catalog entry, normalised. */
export interface KevEntry {
  cveId: string;
  /** YYYY-MM-DD */
  dateAdded: string;
  /** YYYY-MM-DD: the federal remediation deadline. */
  dueDate: string;
  /** "Known" → true; "Unknown" or absent → null (unknown, not "no"); false only from an explicit boolean false. */
  knownRansomware: boolean | null;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  shortDescription: string;
  requiredAction: string;
  /** `notes` split on " ; " (mostly reference URLs). */
  notes: string[];
  cwes: string[];
}

/** Why one entry was dropped. `index` is its position in `vulnerabilities` (0-based). */
export interface KevProblem {
  index: number;
  cveId: string | null;
  reason: string;
}

export interface KevCatalog {
  title: string | null;
  catalogVersion: string | null;
  dateReleased: string | null;
  /** `count` as the document states it (it may disagree with the array; see `entries.length`). */
  declaredCount: number | null;
  entries: KevEntry[];
  /** Entries that failed validation. */
  dropped: number;
  /** Entries whose CVE id appeared earlier in the catalog (the first is kept). */
  duplicates: number;
  /** The first problems (at most `MAX_PROBLEMS`), for a run report. */
  problems: KevProblem[];
}

export const MAX_PROBLEMS = 50;

/** A document that is not a KEV catalog at all. `line`/`column` are 1-based when known. */
export class KevParseError extends DocumentParseError {
  override readonly name = 'KevParseError';
}

export interface ParseKevOptions {
  /** URL or file the text came from, for messages. */
  source?: string;
}

/** Parses the KEV catalog JSON text. */
export function parseKevCatalog(text: string, options: ParseKevOptions = {}): KevCatalog {
  const source = options.source ?? null;
  const doc = parseJsonDocument(text, source, KevParseError);
  return readKevCatalog(doc, options);
}

/** Validates an already-parsed KEV document. */
export function readKevCatalog(doc: unknown, options: ParseKevOptions = {}): KevCatalog {
  const source = options.source ?? null;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KevParseError(`${sourcePrefix(source)}not a KEV catalog: expected a JSON object at the top level, found ${describeJson(doc)}`, source, null, null);
  }
  const top = kevCatalogSchema.safeParse(doc);
  if (!top.success) {
    const found = describeJson((doc as Record<string, unknown>)['vulnerabilities']);
    throw new KevParseError(`${sourcePrefix(source)}not a KEV catalog: $.vulnerabilities must be an array, found ${found}`, source, null, null);
  }

  const entries: KevEntry[] = [];
  const seen = new Set<string>();
  const problems: KevProblem[] = [];
  let dropped = 0;
  let duplicates = 0;
  top.data.vulnerabilities.forEach((raw, index) => {
    const parsed = kevEntrySchema.safeParse(raw);
    if (!parsed.success) {
      dropped++;
      if (problems.length < MAX_PROBLEMS) {
        const reason = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(entry)'}: ${i.message}`).join('; ');
        problems.push({ index, cveId: rawCveId(raw), reason });
      }
      return;
    }
    const entry = toEntry(parsed.data);
    if (seen.has(entry.cveId)) {
      duplicates++;
      return;
    }
    seen.add(entry.cveId);
    entries.push(entry);
  });

  return {
    title: top.data.title ?? null,
    catalogVersion: top.data.catalogVersion ?? null,
    dateReleased: top.data.dateReleased ?? null,
    declaredCount: top.data.count ?? null,
    entries,
    dropped,
    duplicates,
    problems,
  };
}

function toEntry(raw: KevRawEntry): KevEntry {
  return {
    cveId: raw.cveID,
    dateAdded: raw.dateAdded,
    dueDate: raw.dueDate,
    knownRansomware: ransomware(raw.knownRansomwareCampaignUse),
    vendorProject: raw.vendorProject,
    product: raw.product,
    vulnerabilityName: raw.vulnerabilityName,
    shortDescription: raw.shortDescription,
    requiredAction: raw.requiredAction,
    notes: (raw.notes ?? '')
      .split(/\s;\s/)
      .map((n) => n.trim())
      .filter((n) => n !== ''),
    cwes: (raw.cwes ?? []).map((c) => c.trim()).filter((c) => c !== ''),
  };
}

function ransomware(value: string | boolean | null | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  return value.trim().toLowerCase() === 'known' ? true : null;
}

function rawCveId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as Record<string, unknown>)['cveID'];
  return typeof id === 'string' ? id.slice(0, 40) : null;
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

