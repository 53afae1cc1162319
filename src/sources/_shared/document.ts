/**
 * Reading a document that lives at a URL or in a local file (an offline mirror), for the feed,
 * KEV and EPSS sources. URLs: a timeout, bounded retries with backoff honouring Retry-After
 * (util/http.ts), a size cap, and a conditional GET (If-None-Match / If-Modified-Since) with the
 * validators kept in the source's state, so an unchanged document costs one 304. Files: read
 * whole, with a SHA-256 of the content as the validator. Validators are written through the
 * source state, inside the run transaction: a source that fails later keeps the old ones.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceStateStore } from '../../core/ports.js';
import { fetchWithRetry, safeUrl, type RetryPolicy } from '../../util/http.js';

/** Where a document is: an http(s) URL or a local file. */
export type DocumentLocation = { kind: 'url'; url: string; display: string } | { kind: 'file'; path: string; display: string };

/** `http(s)://…` is a URL; `file://…` or anything else is a file path, relative to `baseDir`. */
export function resolveLocation(value: string, baseDir: string): DocumentLocation {
  const trimmed = value.trim();
  if (/^https?:\/\//i.test(trimmed)) return { kind: 'url', url: trimmed, display: safeUrl(trimmed) };
  const file = /^file:\/\//i.test(trimmed) ? new URL(trimmed).pathname : path.resolve(baseDir, trimmed);
  return { kind: 'file', path: file, display: file };
}

/** The validators of the last document read, per location. */
interface Validators {
  location: string;
  etag: string | null;
  lastModified: string | null;
  sha256: string | null;
  /** When the location was last checked (a 200, a 304 or an unchanged file). */
  checkedAt: string;
}

const STATE_KEY = 'document';

/** A read that found the document unchanged, or the new content. */
export type DocumentRead =
  | {
      status: 'not-modified';
      /** A file with the same content, a URL checked less than `minIntervalMs` ago (not contacted), or a 304. */
      why: 'file-unchanged' | 'checked-recently' | 'http-304';
      location: DocumentLocation;
      checkedAt: string | null;
    }
  | { status: 'fresh'; location: DocumentLocation; bytes: Uint8Array; charset: string | null; contentType: string | null };

export interface ReadDocumentOptions {
  state: SourceStateStore;
  now: Date;
  signal: AbortSignal;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Refuse bodies larger than this (bytes). */
  maxBytes: number;
  /** Send If-None-Match / If-Modified-Since and answer `not-modified` for an unchanged file. Default true. */
  conditional?: boolean;
  /** Do not contact a URL checked less than this long ago (ms); answer `not-modified`. Files are always read. */
  minIntervalMs?: number;
  accept?: string;
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

export const USER_AGENT = 'vulnledger/0.1 (+https://github.com/vulnledger/vulnledger)';

/** A document larger than the source accepts. */
export class DocumentTooLargeError extends Error {
  override readonly name = 'DocumentTooLargeError';
}

async function readValidators(state: SourceStateStore, location: DocumentLocation): Promise<Validators | null> {
  const raw = await state.get(STATE_KEY);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as Validators;
    return parsed.location === (location.kind === 'url' ? location.url : location.path) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Reads a document, conditionally. Throws (naming the location) on HTTP errors, timeouts, a missing
 * file or an oversized body. Call `commitDocument` once the content has been used successfully.
 */
export async function readDocument(location: DocumentLocation, options: ReadDocumentOptions): Promise<DocumentRead & PendingValidators> {
  const conditional = options.conditional ?? true;
  const previous = conditional ? await readValidators(options.state, location) : null;
  const nowIso = options.now.toISOString();

  if (location.kind === 'file') {
    let size: number;
    try {
      size = statSync(location.path).size;
    } catch {
      throw new Error(`${location.display}: no such file; check the source's url/path (a URL must start with http:// or https://)`);
    }
    if (size > options.maxBytes) throw new DocumentTooLargeError(`${location.display}: the file is ${size} bytes, over the limit of ${options.maxBytes}`);
    const bytes = new Uint8Array(readFileSync(location.path));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const pending: Validators = { location: location.path, etag: null, lastModified: null, sha256, checkedAt: nowIso };
    if (previous?.sha256 === sha256) return { status: 'not-modified', why: 'file-unchanged', location, checkedAt: previous.checkedAt, pending, previous };
    return { status: 'fresh', location, bytes, charset: null, contentType: null, pending, previous };
  }

  if (previous && options.minIntervalMs !== undefined && options.now.getTime() - Date.parse(previous.checkedAt) < options.minIntervalMs) {
    return { status: 'not-modified', why: 'checked-recently', location, checkedAt: previous.checkedAt, pending: previous, previous };
  }
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
  if (options.accept) headers['Accept'] = options.accept;
  if (previous?.etag) headers['If-None-Match'] = previous.etag;
  if (previous?.lastModified) headers['If-Modified-Since'] = previous.lastModified;
  const response = await fetchWithRetry(location.url, {
    headers,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    signal: options.signal,
    acceptStatus: [304],
    onRetry: options.onRetry,
  });
  if (response.status === 304) {
    await response.body?.cancel();
    const pending: Validators = {
      location: location.url,
      etag: response.headers.get('etag') ?? previous?.etag ?? null,
      lastModified: response.headers.get('last-modified') ?? previous?.lastModified ?? null,
      sha256: previous?.sha256 ?? null,
      checkedAt: nowIso,
    };
    return { status: 'not-modified', why: 'http-304', location, checkedAt: previous?.checkedAt ?? null, pending, previous };
  }
  const bytes = await readCapped(response, options.maxBytes, location.display);
  const contentType = response.headers.get('content-type');
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? null;
  const pending: Validators = {
    location: location.url,
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
    sha256: null,
    checkedAt: nowIso,
  };
  return { status: 'fresh', location, bytes, charset, contentType, pending, previous };
}

/** What `commitDocument` stores: the new validators, and the old ones to compare with. */
export interface PendingValidators {
  pending: Validators;
  previous: Validators | null;
}

/**
 * Stores the validators of a document that was read (or found unchanged) and used. Writes nothing
 * when they are unchanged, unless `touch` (sources that check at most once a day record each check).
 */
export async function commitDocument(state: SourceStateStore, read: PendingValidators, options: { touch?: boolean } = {}): Promise<void> {
  const same = (v: Validators | null) => (v === null ? null : JSON.stringify([v.location, v.etag, v.lastModified, v.sha256]));
  if (!options.touch && same(read.previous) === same(read.pending)) return;
  await state.set(STATE_KEY, JSON.stringify(read.pending));
}

/**
 * Why a document was not read again, for a run note: `file unchanged`, `not modified (304)`, or
 * when a URL was last checked and when it will be checked next (`intervalMs` after that).
 */
export function notModifiedReason(read: Extract<DocumentRead, { status: 'not-modified' }>, intervalMs: number): string {
  if (read.why === 'file-unchanged') return 'file unchanged';
  if (read.why === 'http-304') return 'not modified (304)';
  if (read.checkedAt === null) return 'checked recently';
  return `checked ${read.checkedAt}, less than a day ago; next check after ${new Date(Date.parse(read.checkedAt) + intervalMs).toISOString()}`;
}

/** Reads a response body, refusing more than `maxBytes` (named by `where` in the error). */
export async function readCapped(response: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new DocumentTooLargeError(`${where}: the response is ${declared} bytes, over the limit of ${maxBytes}`);
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new DocumentTooLargeError(`${where}: the response is over the limit of ${maxBytes} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** The retry policy for a configured number of retries. */
export function retryPolicy(retries: number): RetryPolicy {
  return { retries, baseDelayMs: 500, maxDelayMs: 60_000 };
}

/**
 * Reads a document once for `doctor`: no conditional GET, no retries, nothing remembered.
 * Returns null when the server answered without a body to check (e.g. 304).
 */
export async function probeDocument(
  location: DocumentLocation,
  options: { signal: AbortSignal; timeoutMs: number; maxBytes: number },
): Promise<{ bytes: Uint8Array; charset: string | null } | null> {
  const read = await readDocument(location, {
    state: { get: async () => null, set: async () => undefined },
    now: new Date(),
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    retry: retryPolicy(0),
    maxBytes: options.maxBytes,
    conditional: false,
  });
  return read.status === 'fresh' ? { bytes: read.bytes, charset: read.charset } : null;
}
