/**
 * Streams the rows of a JSON export without holding the file in memory: the array of rows is
 * split into elements by a byte scanner (strings and nesting tracked, so braces inside strings do
 * not count), and each element is parsed on its own. Memory stays flat as exports grow.
 *
 * Rows on lines of their own (pretty-printed JSON, or one row per line) are mostly parsed in
 * runs instead (`bulkRegion`): a raw newline cannot occur inside a JSON string, so a newline
 * followed by the rows' indentation and `{` very likely starts a row; the rows before it are
 * parsed with one `JSON.parse`, which also proves the guess (see `parseRun`). A guess that does
 * not parse leaves those rows to the scanner.
 *
 * Accepted shapes: a bare array `[...]`; `{ "data": [...] }` (az graph query, Resource Graph REST
 * pages with `totalRecords`/`count`/`$skipToken`); `{ "value": [...] }` (Defender REST lists).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { messageOf } from '../../util/errors.js';

/** What the envelope said besides the rows. */
export interface EnvelopeInfo {
  shape: 'array' | 'data' | 'value';
  /** The file is one page of several (`$skipToken`, `skip_token`, `nextLink` present). */
  morePages: boolean;
  /** Resource Graph said the result was truncated (`resultTruncated: "true"`). */
  truncated: boolean;
  rows: number;
  /** How the rows were read, not what the envelope said: rows parsed in runs rather than one by one (see `bulkRegion`); 0 for compact JSON. */
  bulkRows: number;
}

/** A JSON file that cannot be read: names the file and the byte, line and column. */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';
  constructor(
    readonly file: string,
    readonly byteOffset: number,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}: ${reason} at byte ${byteOffset} (line ${line}, column ${column})`);
  }
}

/**
 * Rows per batch. With run's 250-finding writes, 125-row batches took the 100k import from
 * ~2.75 s to ~2.35 s against 500 rows and 1,000-finding writes (medians of six alternating runs),
 * likely because a small batch is still in the CPU cache when it is posted and written; 50 rows
 * was slower again.
 */
export const BATCH_ROWS = 125;

export interface JsonRowsOptions {
  /** Rows per yielded batch (default `BATCH_ROWS`). */
  batchSize?: number;
  /** Read chunk size in bytes. */
  chunkSize?: number;
  /** Called after each chunk with bytes read so far. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Bytes of rows parsed in one run when rows are on lines of their own (default `BULK_BYTES`). */
  bulkBytes?: number;
}

/**
 * Bytes per run of rows parsed at once. On the 100k bench export (rows of ~2.8 KB, one per line),
 * a prototype read it in ~0.85–1.0 s of CPU with 16 KB runs against ~1.4–1.5 s row by row, and
 * 64 KB and 256 KB runs were slower again (more system time: a larger run's rows outlive the young
 * generation). This reader, alternating with the row-by-row one: 1.03 s of CPU against 1.25 s.
 */
export const BULK_BYTES = 16 * 1024;

/** A run parsed wrongly this often in one file turns runs off for the rest of it. */
const BULK_MISSES_MAX = 3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const BOM = [0xef, 0xbb, 0xbf];

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Computes line and column (1-based, columns in bytes) of a byte offset by reading the file up to it. */
async function locate(file: string, offset: number): Promise<{ line: number; column: number }> {
  const handle = await open(file, 'r');
  try {
    let line = 1;
    let lastNewline = -1;
    const buf = Buffer.alloc(1 << 20);
    let pos = 0;
    while (pos < offset) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, offset - pos), pos);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        if (buf[i] === 0x0a) {
          line++;
          lastNewline = pos + i;
        }
      }
      pos += bytesRead;
    }
    return { line, column: offset - lastNewline };
  } finally {
    await handle.close();
  }
}

type Mode =
  | 'start' // before the root value
  | 'root-object-key' // inside the root object, expecting a key or '}'
  | 'root-object-colon'
  | 'root-object-value'
  | 'root-object-after-value'
  | 'array-element' // inside the rows array, expecting an element or ']'
  | 'array-after-element'
  | 'done';

interface Failure {
  offset: number;
  reason: string;
}

/**
 * Yields batches of parsed rows and returns the envelope information. Throws `JsonFileError`
 * (with the position) for malformed or truncated JSON and for files without a rows array.
 */
export async function* readJsonRows(file: string, options: JsonRowsOptions = {}): AsyncGenerator<unknown[], EnvelopeInfo, void> {
  const batchSize = options.batchSize ?? BATCH_ROWS;
  const stream = createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 });
  let mode: Mode = 'start';
  let shape: EnvelopeInfo['shape'] | null = null;
  let morePages = false;
  let truncated = false;
  let rows = 0;
  let bulkRows = 0;
  let batch: unknown[] = [];
  const bulkBytes = options.bulkBytes ?? BULK_BYTES;
  // The bytes that start a row on a line of its own: '\n', the rows' indentation, '{' (learned from the rows).
  let rowStart: Buffer | null = null;
  let bulkMisses = 0;

  // The current partial token (element, or a root-level key/value) carried across chunks.
  let carry: Buffer | null = null;
  let carryStart = 0; // absolute offset of carry[0]
  // Scanner state inside the current value.
  let depth = 0;
  let inString = false;
  let currentKey: string | null = null;
  let base = 0; // absolute offset of chunk[0]

  const fail = (f: Failure): never => {
    throw f;
  };

  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new Error(`reading ${file} was cancelled`);
      const chunk = raw;
      // Work on carry + chunk when a value spans chunks.
      let buf: Buffer;
      let bufStart: number; // absolute offset of buf[0]
      let i: number;
      if (carry) {
        const scanFrom = carry.length;
        buf = Buffer.concat([carry, chunk]);
        bufStart = carryStart;
        i = scanFrom;
      } else {
        buf = chunk;
        bufStart = base;
        i = 0;
      }
      let tokenStart = carry ? 0 : -1; // index in buf where the carried token starts
      carry = null;
      // Set once a search found no row start in the rest of buf: a later row's search would not either.
      let noRowStartLeft = false;

      while (i < buf.length) {
        if (mode === 'done') {
          if (!isSpace(buf[i]!)) fail({ offset: bufStart + i, reason: 'unexpected data after the end of the JSON document' });
          i++;
          continue;
        }
        if (tokenStart >= 0) {
          // Scanning a value: find where it ends.
          if (inString) {
            const q = buf.indexOf(QUOTE, i);
            if (q === -1) {
              i = buf.length;
              break;
            }
            let backslashes = 0;
            for (let k = q - 1; k >= tokenStart && buf[k] === BACKSLASH; k--) backslashes++;
            i = q + 1;
            if (backslashes % 2 === 0) {
              inString = false;
              if (depth === 0) {
                // A string value at the top of the token ends here.
                ({ mode, currentKey } = finishToken(buf.subarray(tokenStart, i), bufStart + tokenStart));
                tokenStart = -1;
              }
            }
            continue;
          }
          const b = buf[i]!;
          if (b === QUOTE) {
            inString = true;
            i++;
            continue;
          }
          if (b === OPEN_BRACE || b === OPEN_BRACKET) {
            depth++;
            i++;
            continue;
          }
          if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
            if (depth === 0) {
              // A scalar ended right before a closing bracket of the container.
              ({ mode, currentKey } = finishToken(buf.subarray(tokenStart, i), bufStart + tokenStart));
              tokenStart = -1;
              continue;
            }
            depth--;
            i++;
            if (depth === 0) {
              ({ mode, currentKey } = finishToken(buf.subarray(tokenStart, i), bufStart + tokenStart));
              tokenStart = -1;
            }
            continue;
          }
          if (depth === 0 && (b === COMMA || isSpace(b))) {
            ({ mode, currentKey } = finishToken(buf.subarray(tokenStart, i), bufStart + tokenStart));
            tokenStart = -1;
            continue;
          }
          i++;
          continue;
        }

        const b = buf[i]!;
        if (isSpace(b)) {
          i++;
          continue;
        }
        switch (mode) {
          case 'start':
            if (bufStart + i < 3 && b === BOM[bufStart + i]) {
              i++;
            } else if (b === OPEN_BRACKET) {
              shape = 'array';
              mode = 'array-element';
              i++;
            } else if (b === OPEN_BRACE) {
              mode = 'root-object-key';
              i++;
            } else {
              fail({ offset: bufStart + i, reason: 'expected a JSON array of rows or an object with "data" or "value"' });
            }
            break;
          case 'root-object-key':
            if (b === CLOSE_BRACE) {
              mode = 'done';
              i++;
            } else if (b === QUOTE) {
              tokenStart = i;
              inString = true;
              depth = 0;
              i++;
            } else {
              fail({ offset: bufStart + i, reason: 'expected a property name' });
            }
            break;
          case 'root-object-colon':
            if (b !== COLON) fail({ offset: bufStart + i, reason: "expected ':' after a property name" });
            mode = 'root-object-value';
            i++;
            break;
          case 'root-object-value':
            if ((currentKey === 'data' || currentKey === 'value') && shape === null && b === OPEN_BRACKET) {
              shape = currentKey;
              mode = 'array-element';
              i++;
              break;
            }
            tokenStart = i;
            depth = 0;
            break;
          case 'root-object-after-value':
            if (b === COMMA) {
              mode = 'root-object-key';
              i++;
            } else if (b === CLOSE_BRACE) {
              mode = 'done';
              i++;
            } else {
              fail({ offset: bufStart + i, reason: "expected ',' or '}' in the top-level object" });
            }
            break;
          case 'array-element': {
            if (b === CLOSE_BRACKET) {
              mode = shape === 'array' ? 'done' : 'root-object-after-value';
              i++;
              break;
            }
            // A run needs the byte before its row (see parseRun): not at the very start of a chunk.
            if (b === OPEN_BRACE && i > 0 && !noRowStartLeft && bulkMisses < BULK_MISSES_MAX) {
              rowStart ??= rowStartBefore(buf, i);
              const end = rowStart ? bulkRegion(buf, i, rowStart, bulkBytes) : 'none';
              if (end === 'none') {
                noRowStartLeft = rowStart !== null;
              } else if (end === 'misshapen') {
                bulkMisses++;
              } else {
                const parsed = parseRun(buf, i, end);
                if (parsed) {
                  for (const row of parsed) batch.push(row);
                  rows += parsed.length;
                  bulkRows += parsed.length;
                  mode = 'array-after-element';
                  i = end;
                  break;
                }
                bulkMisses++;
              }
            }
            tokenStart = i;
            depth = 0;
            break;
          }
          case 'array-after-element':
            if (b === COMMA) {
              mode = 'array-element';
              i++;
            } else if (b === CLOSE_BRACKET) {
              mode = shape === 'array' ? 'done' : 'root-object-after-value';
              i++;
            } else {
              fail({ offset: bufStart + i, reason: "expected ',' or ']' between rows" });
            }
            break;
          default:
            i++;
        }
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }

      if (tokenStart >= 0) {
        carry = buf.subarray(tokenStart);
        carryStart = bufStart + tokenStart;
      }
      base += chunk.length;
      options.onBytes?.(base);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }

    if (carry || mode !== 'done') {
      const at = carry ? carryStart + carry.length : base;
      if (mode === 'start' && !carry) fail({ offset: at, reason: 'the file is empty' });
      fail({ offset: at, reason: 'the file ends before the JSON document is complete (truncated?)' });
    }
    if (shape === null) fail({ offset: 0, reason: 'no rows found: expected a JSON array, or an object with a "data" or "value" array' });
    if (batch.length > 0) yield batch;
    return { shape: shape!, morePages, truncated, rows, bulkRows };
  } catch (error) {
    if (isFailure(error)) {
      const { line, column } = await locate(file, error.offset);
      throw new JsonFileError(file, error.offset, line, column, error.reason);
    }
    if (error instanceof Error && 'code' in error) {
      throw new Error(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code}): ${error.message}`);
    }
    throw error;
  } finally {
    stream.destroy();
  }

  /** Handles a complete token in the current mode; returns the next mode. */
  function finishToken(bytes: Buffer, offset: number): { mode: Mode; currentKey: string | null } {
    switch (mode) {
      case 'root-object-key':
        return { mode: 'root-object-colon', currentKey: parseToken(bytes, offset) as string };
      case 'root-object-value': {
        // A top-level property other than the rows: keep what tells us about completeness.
        if (bytes.length < 1 << 16) {
          const value = parseToken(bytes, offset);
          if ((currentKey === '$skipToken' || currentKey === 'skip_token' || currentKey === 'nextLink') && value) morePages = true;
          if (currentKey === 'resultTruncated' && (value === true || value === 'true')) truncated = true;
          if ((currentKey === 'data' || currentKey === 'value') && shape === null && value !== null && typeof value === 'object') {
            fail({ offset, reason: `"${currentKey}" is not an array of rows (table format is not supported: export with resultFormat objectArray)` });
          }
        } else if (currentKey === 'data' || currentKey === 'value') {
          fail({ offset, reason: `"${currentKey}" is not an array of rows` });
        }
        return { mode: 'root-object-after-value', currentKey };
      }
      case 'array-element':
        batch.push(parseToken(bytes, offset));
        rows++;
        return { mode: 'array-after-element', currentKey };
      default:
        return fail({ offset, reason: 'unexpected value' });
    }
  }
}

/**
 * The row-start bytes ('\n' + indentation + '{') of the row whose '{' is at `at`, when that row
 * begins a line; null when it does not (compact JSON) or the line start is not in `buf`.
 */
function rowStartBefore(buf: Buffer, at: number): Buffer | null {
  let k = at - 1;
  while (k >= 0 && (buf[k] === 0x20 || buf[k] === 0x09)) k--;
  if (k < 0 || buf[k] !== 0x0a) return null;
  // A copy: a view would keep the whole chunk it came from alive until the file is read.
  return Buffer.from(buf.subarray(k, at + 1));
}

/**
 * Where a run of whole rows starting at `from` (a row's '{') likely ends: just after the '}' that
 * precedes the first row start at least `minBytes` on, with only whitespace and the comma between
 * them. 'none' when the rest of `buf` holds no row start; 'misshapen' when the one found does not
 * follow `},` (the rows are not laid out as learned: a miss). A guess: `parseRun` proves or rejects it.
 */
function bulkRegion(buf: Buffer, from: number, rowStart: Buffer, minBytes: number): number | 'none' | 'misshapen' {
  const next = buf.indexOf(rowStart, from + minBytes);
  if (next < 0) return 'none';
  let k = next - 1;
  while (k > from && isSpace(buf[k]!)) k--;
  if (buf[k] !== COMMA) return 'misshapen';
  k--;
  while (k > from && isSpace(buf[k]!)) k--;
  return buf[k] === CLOSE_BRACE ? k + 1 : 'misshapen';
}

/**
 * The rows in `buf[from, end)`, or null when those bytes are not whole rows. `from` (> 0) is
 * where a row starts and `end` follows a '}', so `[` + bytes + `]` parses only if the bytes are
 * complete values separated by commas: a cut inside a string leaves it unterminated, a cut inside
 * a row leaves a brace open. Malformed JSON also gives null; the scanner then reports where it is.
 */
function parseRun(buf: Buffer, from: number, end: number): unknown[] | null {
  // The brackets are written over the byte before the run and the byte after it (whitespace or
  // commas) and put back after decoding: concatenating them would copy the text again.
  const before = buf[from - 1]!;
  const after = buf[end]!;
  buf[from - 1] = OPEN_BRACKET;
  buf[end] = CLOSE_BRACKET;
  const text = buf.toString('utf8', from - 1, end + 1);
  buf[from - 1] = before;
  buf[end] = after;
  try {
    // Text that starts with '[' and parses is an array.
    return JSON.parse(text) as unknown[];
  } catch {
    return null;
  }
}

function parseToken(bytes: Buffer, offset: number): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = messageOf(error);
    const match = /position (\d+)/.exec(message);
    const charPos = match ? Number(match[1]) : 0;
    const bytePos = Buffer.byteLength(text.slice(0, charPos), 'utf8');
    throw { offset: offset + bytePos, reason: `invalid JSON (${message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '')})` } satisfies Failure;
  }
}

function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'offset' in value && 'reason' in value && !(value instanceof Error);
}
