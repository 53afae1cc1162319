/**
 * Mirrors (DESIGN §1: the ledger mirrored into a tool people triage in, e.g. a Notion database).
 * The pure part: which fields a mirror shows and who owns them, how a pulled value is reconciled
 * with the ledger (three-way, against the value last synced), and how evidence becomes text lines
 * and back. The ports a mirror plugin implements are declared here too.
 */
import type { CaseRecord } from './case.js';
import type { StoredFinding } from './finding.js';
import type { SeverityThreshold } from './severity.js';
import type { Evidence, Triage, TriageEdit } from './triage.js';

/** Every field a mirrored page shows. `title` is the case key. */
export type MirrorField =
  | 'title'
  | 'severity'
  | 'state'
  | 'status'
  | 'responseRequired'
  | 'owner'
  | 'dueDate'
  | 'respondedAt'
  | 'acceptedUntil'
  | 'firstSeen'
  | 'lastSeen'
  | 'resolvedAt'
  | 'resources'
  | 'repositories'
  | 'resourceGroups'
  | 'subscriptions'
  | 'databases'
  | 'description'
  | 'impact'
  | 'remediation'
  | 'evidence'
  | 'justification'
  | 'cvss'
  | 'epss'
  | 'kev'
  | 'links';

/** Triage fields people own: edits in the mirror flow back into the ledger. */
export type HumanField = 'status' | 'responseRequired' | 'owner' | 'dueDate' | 'respondedAt' | 'acceptedUntil' | 'evidence' | 'justification';

/** Human-owned fields in the order edits are applied (an expiry before the status that needs it). */
export const HUMAN_FIELDS: readonly HumanField[] = ['acceptedUntil', 'dueDate', 'respondedAt', 'owner', 'justification', 'responseRequired', 'status', 'evidence'];

/** The ledger's history field name of a human-owned mirror field (`triage.status`, …). */
export function historyFieldOf(field: HumanField): string {
  return `triage.${field}`;
}

/**
 * A mirror's canonical text for each field: exactly what the mirror holds after a push, so that a
 * pulled page compares equal to what was pushed. `''` is an empty value; an absent key is "not shown".
 */
export type FieldValues = Partial<Record<MirrorField, string>>;

/** Everything a mirror needs to render one case. */
export interface MirrorCase {
  record: CaseRecord;
  findings: readonly StoredFinding[];
  /** On CISA's KEV list (false also when no KEV data is loaded: a checkbox has no "unknown"). */
  kev: boolean;
  /** EPSS probability 0–1; null when not scored or not loaded (an empty number). */
  epss: number | null;
}

/** A case as a mirror shows it: field values and a digest of the page body. */
export interface RenderedCase {
  values: FieldValues;
  bodyHash: string;
}

/** A page as read from the mirror. */
export interface RemotePage {
  pageId: string;
  url: string;
  /** The page's title: a case key. */
  key: string;
  /** When the page was last edited (the mirror's own clock and precision). */
  editedAt: string;
  /** Who edited it last (a user id of the mirror). */
  editedBy: string;
  values: FieldValues;
}

/** The stored link between a case and its page, with what the page is known to hold. */
export interface MirrorLink {
  caseKey: string;
  pageId: string;
  url: string;
  /** Field values the page held at the last sync; null when unknown (an adopted page). */
  values: FieldValues | null;
  /** Digest of the page body last written; null when unknown. */
  bodyHash: string | null;
  /** Set when the page was deleted or trashed in the mirror: the case is no longer mirrored. */
  goneAt: string | null;
}

/** How one field of a pulled page compares with the ledger and the last synced value. */
export type FieldComparison = 'same' | 'push' | 'pull' | 'both';

/**
 * Three-way comparison of one field. `base` is the value the page held at the last sync (undefined
 * when never synced, e.g. a page adopted from the old setup), `ledger` the ledger's value rendered
 * the mirror's way, `remote` what the page holds now.
 * - equal values → `same`;
 * - only the ledger moved away from base (or the page is empty and was never synced) → `push`;
 * - only the page moved → `pull`;
 * - both moved → `both` (a conflict: see {@link conflictWinner}).
 */
export function compareField(base: string | undefined, ledger: string, remote: string): FieldComparison {
  if (remote === ledger) return 'same';
  if (base === undefined) return remote === '' ? 'push' : 'both';
  if (remote === base) return 'push';
  if (ledger === base) return 'pull';
  return 'both';
}

function minute(iso: string): string {
  return `${iso.slice(0, 16)}:00.000Z`;
}

/**
 * Who wins when both sides changed a field: the newer change. The mirror reports edit times to the
 * minute (Notion rounds down), so the ledger's time is compared at the same precision, and a tie
 * goes to the mirror — the people triaging there are the truth for triage fields. A ledger value
 * that was never changed by anyone (`ledgerChangedAt` null) always loses.
 */
export function conflictWinner(ledgerChangedAt: string | null, remoteEditedAt: string): 'ledger' | 'remote' {
  if (ledgerChangedAt === null) return 'remote';
  return minute(ledgerChangedAt) > minute(remoteEditedAt) ? 'ledger' : 'remote';
}

/** One evidence entry as one line of text: `2026-11-30 sato: https://tickets.example/SEC-42`. */
export function evidenceLine(e: Evidence): string {
  return `${e.at.slice(0, 10)} ${e.author}: ${e.text.replace(/\s*[\r\n]+\s*/g, ' ').trim()}`;
}

/** The evidence of a triage record as text, one entry a line, oldest first. */
export function evidenceText(evidence: readonly Evidence[]): string {
  return evidence.map(evidenceLine).join('\n');
}

/** What a person's edit of the evidence text means: lines to add, and known lines they removed. */
export interface EvidenceEdit {
  added: string[];
  /** Lines of existing entries missing from the text (evidence is append-only: they stay). */
  removed: number;
}

/**
 * Compares evidence text from a mirror with the ledger's entries. Each line that is not the
 * rendering of an existing entry becomes a new entry (one line, one entry); `ignore` drops marker
 * lines the mirror added itself (e.g. "full text in the ledger").
 */
export function evidenceEdit(text: string, existing: readonly Evidence[], ignore: (line: string) => boolean = () => false): EvidenceEdit {
  const known = new Set(existing.map(evidenceLine));
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !ignore(l));
  const present = new Set(lines);
  const added: string[] = [];
  for (const line of lines) if (!known.has(line) && !added.includes(line)) added.push(line);
  let removed = 0;
  for (const line of known) if (!present.has(line)) removed++;
  return { added, removed };
}

/** A human-owned field read from a mirror: a ledger edit, or why it cannot be one. */
export type ParsedField = { ok: true; edit: TriageEdit; note?: string } | { ok: false; reason: string };

// ---------------------------------------------------------------- ports

/** Small persistent key/value state of a mirror (cached ids, watermarks). */
export interface MirrorKv {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** The stored state of one mirror (links, key/value state), inside a ledger transaction. */
export interface MirrorStateTx extends MirrorKv {
  /** Every link of this mirror, by case key. */
  links(): Promise<Map<string, MirrorLink>>;
  link(caseKey: string): Promise<MirrorLink | undefined>;
  /** URLs of the live pages (not deleted) of these cases, by case key (notifications link them). */
  pageUrls(caseKeys: readonly string[]): Promise<Map<string, string>>;
  /** Inserts or replaces the link of `link.caseKey`. */
  saveLink(link: MirrorLink): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What one pull returned. */
export interface PullResult {
  /** Pages edited on or after `since` (every page when `since` is null), newest version of each. */
  pages: RemotePage[];
  /** The watermark for the next pull: no edit at or after it can have been missed. */
  nextSince: string;
  /** False when the mirror could not list everything (reported in `notes`). */
  complete: boolean;
  notes: string[];
}

/** Pages found by key: the most recently edited page per key, and any other pages with that key. */
export type FoundPages = Map<string, { page: RemotePage; duplicates: string[] }>;

/** Request counts of a session (every HTTP attempt, retries and refused ones included). */
export interface MirrorRequestStats {
  reads: number;
  writes: number;
  /** Answers with 429 (rate limited). */
  rateLimited: number;
}

/** The page a write targeted no longer exists or is in the trash. */
export class MirrorPageGoneError extends Error {
  override readonly name = 'MirrorPageGoneError';
}

/** A connection to a mirror for one sync. Writes throw on errors that must stop the sync. */
export interface MirrorSession {
  pull(since: string | null): Promise<PullResult>;
  find(keys: readonly string[]): Promise<FoundPages>;
  /** Creates the page of a case. Never creates twice: a failed create is followed by a look-up. */
  create(c: MirrorCase, rendered: RenderedCase): Promise<{ page: RemotePage; adopted: boolean }>;
  /**
   * Writes the given fields (and replaces the body when `body` is given). Returns the page as the
   * write left it, or null when no field was written. Throws MirrorPageGoneError.
   */
  update(pageId: string, values: FieldValues, body: MirrorCase | null): Promise<RemotePage | null>;
  /** A display name for a user id (falls back to the id). */
  userName(userId: string): Promise<string>;
  stats(): MirrorRequestStats;
}

/** A configured mirror (one Notion database). Creating it contacts nothing. */
export interface Mirror {
  readonly name: string;
  readonly type: string;
  /** Cases below this severity get no page (once a case has a page it stays mirrored); null: the ledger's. */
  readonly minSeverity: SeverityThreshold | null;
  /** Field values and body digest of a case, exactly as the mirror will hold them. */
  render(c: MirrorCase): RenderedCase;
  /** Reads a human-owned field's text as a ledger edit (`current` is the case's triage). */
  parse(field: HumanField, text: string, current: Triage): ParsedField;
  open(options: { signal: AbortSignal; kv: MirrorKv }): Promise<MirrorSession>;
}
