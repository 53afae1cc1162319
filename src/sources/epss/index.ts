/**
 * Source `epss`: FIRST EPSS scores, cached in the ledger (namespace `epss`, one entry per CVE with
 * its fetch time; `null` = asked, not scored yet). It produces no findings: the run applies the
 * cached scores to cases (app/enrichment.ts).
 *
 * - API mode (an API URL, the default): the CVEs of open findings whose cached score is missing or
 *   a day old or more are asked for in batched queries (`cve` ≤ 2000 characters). A CVE the API
 *   does not return is cached as not scored and asked again the next day.
 * - Document mode (a file, or a URL ending in .csv, .csv.gz, .gz or .json): the whole document
 *   replaces the cached scores; a URL is contacted at most once a day, conditionally; a file is
 *   re-read when its content changes. A CVE missing from the document is not scored.
 */
import { ENRICHMENT_CACHE, type EpssDocumentInfo, type EpssFact } from '../../core/enrichment.js';
import type { DoctorCheck, FindingSource, SkipRecord, SourceBatch, SourceContext, SourceResult } from '../../core/ports.js';
import { fetchWithRetry, safeUrl, type HttpRequestOptions } from '../../util/http.js';
import { commitDocument, notModifiedReason, probeDocument, readCapped, readDocument, resolveLocation, retryPolicy, USER_AGENT, type DocumentLocation } from '../_shared/document.js';
import { messageOf } from '../../util/errors.js';
import type { EpssConfig } from './config.js';
import { buildEpssQueryUrls, parseEpssDocument, parseEpssJson, type EpssParseResult } from './parse.js';

export const EPSS_TYPE = 'epss';
export const MAX_EPSS_DOCUMENT_BYTES = 256 * 1024 * 1024;
const MAX_API_RESPONSE_BYTES = 8 * 1024 * 1024;
const DAY_MS = 86_400_000;

/** Builds the source from its config; `baseDir` resolves relative file paths. */
export function createEpssSource(config: EpssConfig, baseDir: string): FindingSource {
  const name = config.name ?? EPSS_TYPE;
  return { name, type: EPSS_TYPE, kinds: [], role: 'enrichment', collect: (ctx) => collect(name, config, baseDir, ctx) };
}

/** Whether a location is a whole EPSS document (file or download) rather than the query API. */
function isEpssDocument(location: DocumentLocation): boolean {
  if (location.kind === 'file') return true;
  return /\.(csv|json)(\.gz)?$|\.gz$/i.test(new URL(location.url).pathname);
}

async function* collect(name: string, config: EpssConfig, baseDir: string, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  const location = resolveLocation(config.url, baseDir);
  if (isEpssDocument(location)) return yield* collectDocument(name, config, location, ctx);
  return yield* collectApi(name, config, location as Extract<DocumentLocation, { kind: 'url' }>, ctx);
}

function skips(result: EpssParseResult): SkipRecord[] {
  const out: SkipRecord[] = result.problems.map((p) => ({ reason: 'invalid', id: p.cveId ?? p.location, detail: `${p.location}: ${p.reason}` }));
  for (let i = out.length; i < result.dropped; i++) out.push({ reason: 'invalid', id: null, detail: 'malformed EPSS row' });
  return out;
}

async function* collectDocument(name: string, config: EpssConfig, location: DocumentLocation, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  const now = ctx.clock.now();
  const read = await readDocument(location, {
    state: ctx.state,
    now,
    signal: ctx.signal,
    timeoutMs: config.timeoutSeconds * 1000,
    retry: retryPolicy(config.retries),
    maxBytes: MAX_EPSS_DOCUMENT_BYTES,
    minIntervalMs: DAY_MS,
    onRetry: ({ attempt, waitMs, reason }) => ctx.log.warn('EPSS request failed; retrying', { source: name, attempt, waitMs, reason }),
  });
  if (read.status === 'not-modified') {
    // A 304 is a check: remember when, so the next run waits a day again.
    await commitDocument(ctx.state, read, { touch: read.why === 'http-304' });
    return { coverage: { complete: true }, notes: [`EPSS ${location.display}: ${notModifiedReason(read, DAY_MS)}; cached scores stay in use`] };
  }
  const result = parseEpssDocument(read.bytes, { source: location.display });
  if (result.scores.length === 0) {
    throw new Error(`${location.display}: the EPSS document holds no valid score (${result.dropped} row(s) dropped); the cached scores stay in use`);
  }
  yield { rows: result.scores.length + result.dropped + result.duplicates, findings: [], skipped: skips(result) };
  const fetchedAt = now.toISOString();
  await ctx.cache.clear(ENRICHMENT_CACHE.epss);
  await ctx.cache.put(
    ENRICHMENT_CACHE.epss,
    result.scores.map((s) => ({ key: s.cveId, value: { score: s.score, percentile: s.percentile, date: s.date } satisfies EpssFact })),
    fetchedAt,
  );
  const info: EpssDocumentInfo = { scoreDate: result.scoreDate ?? result.scores[0]?.date ?? null, entries: result.scores.length };
  await ctx.cache.put(ENRICHMENT_CACHE.epssDocument, [{ key: 'document', value: info }], fetchedAt);
  await commitDocument(ctx.state, read, { touch: true });
  const notes = [`EPSS ${result.format.toUpperCase()} from ${location.display}: ${result.scores.length} score(s)${info.scoreDate ? ` for ${info.scoreDate}` : ''}`];
  if (!result.complete) notes.push(`the document says more rows exist (total ${result.total}); CVEs missing from it count as not scored`);
  if (result.dropped > 0) notes.push(`${result.dropped} malformed row(s) dropped`);
  return { coverage: { complete: true }, notes };
}

async function* collectApi(name: string, config: EpssConfig, location: Extract<DocumentLocation, { kind: 'url' }>, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  if (!ctx.ledger) throw new Error(`${location.display}: EPSS API mode needs the ledger's open CVEs, which this run did not provide`);
  const now = ctx.clock.now();
  const open = await ctx.ledger.openCveIds();
  const cached = await ctx.cache.get(ENRICHMENT_CACHE.epss, open);
  const due = open.filter((cve) => {
    const entry = cached.get(cve);
    return !entry || now.getTime() - Date.parse(entry.fetchedAt) >= DAY_MS;
  });
  if (due.length === 0) {
    return { coverage: { complete: true }, notes: [`EPSS: all ${open.length} open CVE(s) were scored less than a day ago`] };
  }
  const urls = buildEpssQueryUrls(location.url, due);
  const entries: Array<{ key: string; value: EpssFact | null }> = [];
  const skipped: SkipRecord[] = [];
  let scored = 0;
  for (const [index, url] of urls.entries()) {
    const asked = (new URL(url).searchParams.get('cve') ?? '').split(',').filter((c) => c !== '');
    const where = `${safeUrl(url)} (batch ${index + 1} of ${urls.length})`;
    const result = await queryEpssApi(url, where, {
      timeoutMs: config.timeoutSeconds * 1000,
      retry: retryPolicy(config.retries),
      signal: ctx.signal,
      onRetry: ({ attempt, waitMs, reason }) => ctx.log.warn('EPSS request failed; retrying', { source: name, attempt, waitMs, reason }),
    });
    if (!result.complete) {
      throw new Error(`${where}: the API returned ${result.scores.length} of ${result.total ?? '?'} rows for ${asked.length} CVE(s); nothing was cached`);
    }
    const byCve = new Map(result.scores.map((s) => [s.cveId, s]));
    for (const cve of asked) {
      const s = byCve.get(cve);
      if (s) scored++;
      entries.push({ key: cve, value: s ? { score: s.score, percentile: s.percentile, date: s.date } : null });
    }
    skipped.push(...skips(result));
    ctx.progress({ source: name, phase: 'query', pages: index + 1, rows: entries.length });
  }
  yield { rows: entries.length, findings: [], skipped };
  await ctx.cache.put(ENRICHMENT_CACHE.epss, entries, now.toISOString());
  return {
    coverage: { complete: true },
    notes: [`EPSS API: ${due.length} of ${open.length} open CVE(s) asked in ${urls.length} request(s); ${scored} scored, ${due.length - scored} not scored yet (asked again after a day)`],
  };
}

/** One EPSS API request, as a run and `doctor` make it: JSON asked for, at most 8 MB read, parsed. */
async function queryEpssApi(
  url: string,
  where: string,
  options: Pick<HttpRequestOptions, 'timeoutMs' | 'retry' | 'signal' | 'onRetry'>,
): Promise<ReturnType<typeof parseEpssJson>> {
  const response = await fetchWithRetry(url, { ...options, headers: { 'User-Agent': USER_AGENT, Accept: 'application/json' }, describe: where });
  const text = Buffer.from(await readCapped(response, MAX_API_RESPONSE_BYTES, where)).toString('utf8');
  return parseEpssJson(text, { source: where });
}

/** `doctor`: the EPSS document or API answers with scores (nothing is written). */
export function epssChecks(config: EpssConfig, baseDir: string): DoctorCheck[] {
  const name = config.name ?? EPSS_TYPE;
  const check = `source ${name}: EPSS`;
  return [
    {
      name: check,
      async run(signal) {
        const location = resolveLocation(config.url, baseDir);
        try {
          if (isEpssDocument(location)) {
            const probed = await probeDocument(location, { signal, timeoutMs: config.timeoutSeconds * 1000, maxBytes: MAX_EPSS_DOCUMENT_BYTES });
            if (probed === null) return { name: check, status: 'ok', detail: `${location.display} reachable` };
            const result = parseEpssDocument(probed.bytes, { source: location.display });
            return { name: check, status: 'ok', detail: `${location.display}: ${result.scores.length} score(s)` };
          }
          const [url] = buildEpssQueryUrls(location.kind === 'url' ? location.url : '', ['CVE-2021-44228']);
          const result = await queryEpssApi(url!, safeUrl(url!), { timeoutMs: config.timeoutSeconds * 1000, retry: retryPolicy(0), signal });
          return { name: check, status: 'ok', detail: `${location.display}: API answers (${result.scores.length} score(s) for a test CVE)` };
        } catch (error) {
          return { name: check, status: 'fail', detail: messageOf(error), hint: 'Check the url (or file path) and that this machine can reach it.' };
        }
      },
    },
  ];
}
