import { gunzipSync } from 'node:zlib';
import { isCveId } from '../../core/identity.js';
import { messageOf } from '../../util/errors.js';
import { epssApiResponseSchema, epssRowSchema, isPlainEpssRow } from './schema.js';
import { DocumentParseError, parseJsonDocument, sourcePrefix } from '../_shared/parse-error.js';

/**
 * FIRST EPSS → `EpssScore` list, from the API JSON (`/data/v1/epss`) or the daily CSV download
 * (`epss_scores-YYYY-MM-DD.csv[.gz]`). Scores arrive as decimal strings and leave as numbers. A row
 * that is not numeric or outside 0..1 is dropped and counted; a document that is not EPSS data at
 * all fails as a whole with `EpssParseError` naming the position.
 */

export const DEFAULT_EPSS_URL = 'https://api.first.org/data/v1/epss';
/** FIRST: "The maximum size accepted for this parameter is 2000 characters (including commas)." */
export const EPSS_MAX_CVE_PARAM_CHARS = 2000;
export const MAX_PROBLEMS = 50;

export interface EpssScore {
  cveId: string;
  /** Probability of exploitation activity in the next 30 days, 0..1. */
  score: number;
  /** 0..1 */
  percentile: number;
  /** YYYY-MM-DD the score is for. */
  date: string;
}

/** Why one row was dropped: `location` is `data[3]` (JSON) or `line 12` (CSV). */
export interface EpssProblem {
  location: string;
  cveId: string | null;
  reason: string;
}

export interface EpssParseResult {
  format: 'json' | 'csv';
  scores: EpssScore[];
  dropped: number;
  /** Rows whose CVE appeared earlier (the first is kept). */
  duplicates: number;
  problems: EpssProblem[];
  /** API `total` (rows matching the query), when given. */
  total: number | null;
  /** False when the API says more rows exist than this page holds (raise `limit` or page with `offset`). */
  complete: boolean;
  /** CSV `#model_version:` (e.g. v2023.03.01). */
  modelVersion: string | null;
  /** CSV `score_date` as YYYY-MM-DD. */
  scoreDate: string | null;
}

/** A document that is not EPSS data. `line`/`column` are 1-based when known. */
export class EpssParseError extends DocumentParseError {
  override readonly name = 'EpssParseError';
}

export interface ParseEpssOptions {
  /** URL or file, for messages. */
  source?: string;
  /** Score date for a CSV without a `score_date` comment or `date` column (YYYY-MM-DD). */
  date?: string;
}

/** Parses EPSS API JSON text. */
export function parseEpssJson(text: string, options: ParseEpssOptions = {}): EpssParseResult {
  const source = options.source ?? null;
  const doc = parseJsonDocument(text, source, EpssParseError);
  return readEpssJson(doc, options);
}

/** Validates an already-parsed EPSS API response. */
function readEpssJson(doc: unknown, options: ParseEpssOptions = {}): EpssParseResult {
  const source = options.source ?? null;
  const envelope = epssApiResponseSchema.safeParse(doc);
  if (!envelope.success) {
    const record = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
    const status = typeof record['status'] === 'string' ? ` (status "${record['status']}"${typeof record['message'] === 'string' ? `: ${record['message'].slice(0, 200)}` : ''})` : '';
    throw new EpssParseError(`${sourcePrefix(source)}not an EPSS API response: $.data must be an array${status}`, source, null, null);
  }
  const acc = new Accumulator();
  envelope.data.data.forEach((raw, index) => acc.add(raw, `data[${index}]`));
  const { total, offset } = envelope.data;
  const rows = envelope.data.data.length;
  return {
    ...acc.result('json'),
    total: total ?? null,
    complete: total === null || total === undefined || (offset ?? 0) + rows >= total,
  };
}

/**
 * Parses the EPSS CSV download: optional `#model_version:…,score_date:…` comment, a header naming
 * `cve`, `epss` and `percentile` (any order; an optional `date` column), then rows.
 */
export function parseEpssCsv(text: string, options: ParseEpssOptions = {}): EpssParseResult {
  const source = options.source ?? null;
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const meta = new Map<string, string>();
  let header: { cve: number; epss: number; percentile: number; date: number; width: number } | null = null;
  let scoreDate: string | null = null;
  const acc = new Accumulator();

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      if (header === null) readMeta(line, meta);
      continue;
    }
    if (header === null) {
      header = readHeader(line);
      if (header === null) {
        throw new EpssParseError(
          `${sourcePrefix(source)}not an EPSS CSV at line ${n + 1}: expected a header with cve, epss and percentile, found "${line.slice(0, 80)}"`,
          source,
          n + 1,
          1,
        );
      }
      scoreDate = calendarDate(meta.get('score_date')) ?? calendarDate(options.date);
      if (scoreDate === null && header.date < 0) {
        throw new EpssParseError(
          `${sourcePrefix(source)}EPSS CSV has no score date: expected a "#model_version:…,score_date:…" line or a date column before line ${n + 1}`,
          source,
          n + 1,
          1,
        );
      }
      continue;
    }
    const fields = line.split(',').map(unquote);
    if (fields.length < header.width) {
      acc.drop(`line ${n + 1}`, fields[header.cve] ?? null, `expected ${header.width} columns, found ${fields.length}`);
      continue;
    }
    const cve = fields[header.cve] ?? '';
    const score = fields[header.epss] ?? '';
    const percentile = fields[header.percentile] ?? '';
    if (header.date < 0 && scoreDate !== null && isPlainEpssRow(cve, score, percentile)) {
      acc.addValid({ cveId: cve, score: Number(score), percentile: Number(percentile), date: scoreDate });
      continue;
    }
    acc.add(
      {
        cve: fields[header.cve],
        epss: fields[header.epss],
        percentile: fields[header.percentile],
        date: header.date >= 0 ? fields[header.date] : scoreDate,
      },
      `line ${n + 1}`,
    );
  }
  if (header === null) throw new EpssParseError(`${sourcePrefix(source)}not an EPSS CSV: no header line`, source, null, null);
  return {
    ...acc.result('csv'),
    total: null,
    complete: true,
    modelVersion: meta.get('model_version') ?? null,
    scoreDate,
  };
}

/**
 * Parses EPSS data of either kind: gunzips `.gz` bytes, then reads JSON when the text starts with
 * `{`, CSV otherwise.
 */
export function parseEpssDocument(input: string | Uint8Array, options: ParseEpssOptions = {}): EpssParseResult {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input[0] === 0x1f && input[1] === 0x8b) {
    try {
      text = gunzipSync(input, { maxOutputLength: 512 * 1024 * 1024 }).toString('utf8');
    } catch (error) {
      const reason = messageOf(error);
      throw new EpssParseError(`${sourcePrefix(options.source ?? null)}cannot gunzip EPSS data: ${reason}`, options.source ?? null, null, null);
    }
  } else text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  return text.trimStart().replace(/^\uFEFF/, '').startsWith('{') ? parseEpssJson(text, options) : parseEpssCsv(text, options);
}

/**
 * Splits CVE ids into EPSS API query URLs whose `cve` parameter (comma-separated, commas written
 * literally) stays within `maxCveChars` (default 2000). Ids are upper-cased and de-duplicated;
 * anything that is not a CVE id is left out. Other query parameters of `baseUrl` are kept; `offset`
 * is removed, `envelope=true` set and `limit` raised to at least the batch size, so one request
 * returns every row of its batch.
 */
export function buildEpssQueryUrls(baseUrl: string, cveIds: readonly string[], options: { maxCveChars?: number } = {}): string[] {
  const max = options.maxCveChars ?? EPSS_MAX_CVE_PARAM_CHARS;
  const ids = [...new Set(cveIds.map((id) => id.trim().toUpperCase()).filter((id) => isCveId(id)))];
  if (ids.length === 0) return [];
  const base = new URL(baseUrl);

  const batches: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const id of ids) {
    const next = current.length === 0 ? id.length : length + 1 + id.length;
    if (next > max && current.length > 0) {
      batches.push(current);
      current = [id];
      length = id.length;
      continue;
    }
    current.push(id);
    length = next;
  }
  batches.push(current);

  return batches.map((batch) => {
    const url = new URL(base.href);
    url.searchParams.delete('cve');
    url.searchParams.delete('offset');
    const limit = Number(url.searchParams.get('limit'));
    url.searchParams.set('limit', String(Number.isInteger(limit) && limit > batch.length ? limit : batch.length));
    url.searchParams.set('envelope', 'true');
    url.search = `?${url.searchParams.toString()}&cve=${batch.join(',')}`;
    return url.href;
  });
}

// ---------------------------------------------------------------------------------------------

class Accumulator {
  private readonly byCve = new Map<string, EpssScore>();
  private dropped = 0;
  private duplicates = 0;
  private readonly problems: EpssProblem[] = [];

  add(raw: unknown, location: string): void {
    const parsed = epssRowSchema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(row)'}: ${i.message}`).join('; ');
      this.drop(location, rawCve(raw), reason);
      return;
    }
    const row = parsed.data;
    this.addValid({ cveId: row.cve, score: row.epss, percentile: row.percentile, date: row.date });
  }

  /** A row already known to be valid. */
  addValid(score: EpssScore): void {
    if (this.byCve.has(score.cveId)) {
      this.duplicates++;
      return;
    }
    this.byCve.set(score.cveId, score);
  }

  drop(location: string, cveId: string | null, reason: string): void {
    this.dropped++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ location, cveId, reason });
  }

  result(format: 'json' | 'csv'): Omit<EpssParseResult, 'total' | 'complete'> {
    return {
      format,
      scores: [...this.byCve.values()],
      dropped: this.dropped,
      duplicates: this.duplicates,
      problems: this.problems,
      modelVersion: null,
      scoreDate: null,
    };
  }
}

function rawCve(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const cve = (raw as Record<string, unknown>)['cve'];
  return typeof cve === 'string' ? cve.slice(0, 40) : null;
}

function readMeta(line: string, meta: Map<string, string>): void {
  for (const part of line.slice(1).split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) meta.set(part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim());
  }
}

function readHeader(line: string): { cve: number; epss: number; percentile: number; date: number; width: number } | null {
  const names = line.split(',').map((h) => unquote(h).toLowerCase());
  const cve = names.indexOf('cve');
  const epss = names.indexOf('epss');
  const percentile = names.indexOf('percentile');
  if (cve < 0 || epss < 0 || percentile < 0) return null;
  const date = names.indexOf('date');
  return { cve, epss, percentile, date, width: Math.max(cve, epss, percentile, date) + 1 };
}

function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** YYYY-MM-DD from a date or date-time string, when it is a real calendar date. */
function calendarDate(value: string | undefined): string | null {
  if (!value) return null;
  const day = value.trim().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day ? day : null;
}

