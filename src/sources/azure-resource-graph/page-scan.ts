/**
 * Finds the byte ranges of a Resource Graph page's top-level fields and of each element of its
 * `data` array, without parsing the rows. The client parses the envelope fields at once and each
 * row only when the source asks for it, so a 1000-row page never exists as one big string plus one
 * big object tree (which the GC promotes while the ledger writes, and which then inflates the
 * heap: ~100 MB of peak RSS on a 100k-row run).
 *
 * Only the structure is checked here (braces, brackets, strings, commas, colons, nothing after the
 * object); the content of every range is checked by `JSON.parse` when it is read. Structural bytes
 * are ASCII, so scanning UTF-8 bytes is safe. Anything unexpected returns null and the caller
 * parses the body whole, which gives the precise error.
 */

/** A byte range `[start, end)` of the body. */
export type ByteRange = readonly [number, number];

/** The top-level fields of a page (key → value range) and, when `data` is an array, its elements. */
export interface ScannedPage {
  fields: Map<string, ByteRange>;
  /** Element ranges of `data`; null when `data` is missing or not an array (table format). */
  rows: ByteRange[] | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i])) i++;
  return i;
}

/** Index just after the string starting at `i` (a quote), or -1. */
function skipString(bytes: Buffer, i: number): number {
  let at = i + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let k = quote - 1; k > i && bytes[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** Index just after the JSON value starting at `i`, or -1 when its structure is broken. */
function skipValue(bytes: Buffer, i: number): number {
  const first = bytes[i];
  if (first === undefined) return -1;
  if (first === QUOTE) return skipString(bytes, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    const stack: number[] = [];
    let at = i;
    while (at < bytes.length) {
      const byte = bytes[at]!;
      if (byte === QUOTE) {
        at = skipString(bytes, at);
        if (at < 0) return -1;
        continue;
      }
      if (byte === OPEN_BRACE) stack.push(CLOSE_BRACE);
      else if (byte === OPEN_BRACKET) stack.push(CLOSE_BRACKET);
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (stack.pop() !== byte) return -1;
        if (stack.length === 0) return at + 1;
      }
      at++;
    }
    return -1;
  }
  // A number or a literal: up to the next delimiter.
  let at = i;
  while (at < bytes.length) {
    const byte = bytes[at]!;
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) break;
    if (byte === QUOTE || byte === OPEN_BRACE || byte === OPEN_BRACKET || byte === COLON) return -1;
    at++;
  }
  return at > i ? at : -1;
}

/** Scans a page body. Null when it is not a JSON object whose structure the scanner accepts. */
export function scanPage(bytes: Buffer): ScannedPage | null {
  let i = skipSpace(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (bytes[i] !== OPEN_BRACE) return null;
  i = skipSpace(bytes, i + 1);
  const fields = new Map<string, ByteRange>();
  let rows: ByteRange[] | null = null;
  if (bytes[i] === CLOSE_BRACE) return finish(bytes, i + 1, fields, rows);
  for (;;) {
    if (bytes[i] !== QUOTE) return null;
    const keyEnd = skipString(bytes, i);
    if (keyEnd < 0) return null;
    let key: string;
    try {
      key = JSON.parse(bytes.toString('utf8', i, keyEnd)) as string;
    } catch {
      return null;
    }
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return null;
    i = skipSpace(bytes, i + 1);
    if (key === 'data' && bytes[i] === OPEN_BRACKET) {
      rows = [];
      i = skipSpace(bytes, i + 1);
      if (bytes[i] === CLOSE_BRACKET) {
        i++;
      } else {
        for (;;) {
          const end = skipValue(bytes, i);
          if (end < 0) return null;
          rows.push([i, end]);
          i = skipSpace(bytes, end);
          if (bytes[i] === COMMA) {
            i = skipSpace(bytes, i + 1);
            continue;
          }
          if (bytes[i] !== CLOSE_BRACKET) return null;
          i++;
          break;
        }
      }
      fields.set(key, [-1, -1]);
    } else {
      const end = skipValue(bytes, i);
      if (end < 0) return null;
      fields.set(key, [i, end]);
      if (key === 'data') rows = null;
      i = end;
    }
    i = skipSpace(bytes, i);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === CLOSE_BRACE) return finish(bytes, i + 1, fields, rows);
    return null;
  }
}

function finish(bytes: Uint8Array, i: number, fields: Map<string, ByteRange>, rows: ByteRange[] | null): ScannedPage | null {
  return skipSpace(bytes, i) === bytes.length ? { fields, rows } : null;
}
