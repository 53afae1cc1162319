/**
 * Text helpers every channel's renderer uses: clean untrusted strings, cut them visibly (never
 * silently), and fill message templates. Lengths are JS string lengths (UTF-16 units), the
 * conservative measure Slack's limits are checked with.
 */
import type { Messages } from '../../core/i18n.js';
import { SEVERITIES, type Severity } from '../../core/severity.js';
import type { SeverityCounts } from '../../core/notification.js';

// C0/C1 controls except tab and newline, and the bidi overrides that can make text read backwards.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Removes control and bidi-override characters; with `oneLine`, collapses all whitespace to single spaces. */
export function cleanText(text: string, oneLine = true): string {
  const stripped = text.replace(CONTROL, '');
  return oneLine ? stripped.replace(/\s+/g, ' ').trim() : stripped.replace(/[ \t]+/g, ' ').trim();
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cuts `text` to at most `max` units, ending with `…` when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = max - 1;
  if (isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/**
 * Escapes `text` character by character with `escapeChar` and, when the result would pass `max`
 * units, stops early and ends with `…`: an escape sequence (`&amp;`) is never cut in half.
 * `escapeChar` must never shorten a character.
 */
export function escapeWithin(text: string, max: number, escapeChar: (ch: string) => string): string {
  // Escaping never shortens, so the first max + 1 units decide whether a cut is needed.
  const pieces = Array.from(text.length > max + 1 ? text.slice(0, max + 1) : text, escapeChar);
  const full = pieces.join('');
  if (full.length <= max) return full;
  let out = '';
  for (const piece of pieces) {
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Fills `{name}` placeholders of a message template. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

/** `Critical 1 · High 2` (only severities with a count), or the word for "none". */
export function severityCountsText(counts: SeverityCounts, m: Messages, separator = ' · '): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${m.severity[s]} ${counts[s]}`);
  return parts.length > 0 ? parts.join(separator) : m.notify.none;
}

/** Sum of a severity count record. */
export function total(counts: SeverityCounts): number {
  return SEVERITIES.reduce((n, s: Severity) => n + counts[s], 0);
}

/** `YYYY-MM-DD` of an ISO instant. */
export function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

/** The title line of a message: "changes" or "weekly report", and the date. */
export function messageTitle(message: { kind: string; run?: { at: string } | null; report?: { at: string } | null }, n: { changesTitle: string; reportTitle: string }): string {
  const at = message.run?.at ?? message.report?.at ?? '';
  return `${message.kind === 'changes' ? n.changesTitle : n.reportTitle} · ${dateOf(at)}`;
}

/**
 * A case key with its vulnerability id linked (to NVD for CVEs), in a channel's own text and link
 * syntax: `machine:` + link(CVE-…), or `key (link)` when the key does not end with the id.
 */
export function caseKeyWithLink(
  key: string,
  vulnId: string,
  url: string | null,
  text: (value: string, max: number) => string,
  link: (url: string, label: string, max: number) => string,
): string {
  const clean = cleanText(key);
  if (!url) return text(clean, 150);
  const vuln = vulnId.toUpperCase();
  if (clean.toUpperCase().endsWith(vuln)) return `${text(clean.slice(0, clean.length - vuln.length), 100)}${link(url, vuln, 40)}`;
  return `${text(clean, 100)} (${link(url, vuln, 40)})`;
}
