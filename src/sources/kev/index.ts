/**
 * Source `kev`: the CISA Known Exploited Vulnerabilities catalog, cached in the ledger (namespace
 * `kev`, one entry per CVE, with the fetch time). It produces no findings: the run applies the
 * cached catalog to every case about a CVE (app/enrichment.ts). A URL is contacted at most once a
 * day, with a conditional GET; a file is re-read when its content changes.
 */
import { ENRICHMENT_CACHE, type KevCatalogInfo, type KevFact } from '../../core/enrichment.js';
import type { DoctorCheck, FindingSource, SkipRecord, SourceBatch, SourceContext, SourceResult } from '../../core/ports.js';
import { commitDocument, notModifiedReason, probeDocument, readDocument, resolveLocation, retryPolicy } from '../_shared/document.js';
import { messageOf } from '../../util/errors.js';
import type { KevConfig } from './config.js';
import { parseKevCatalog, type KevCatalog } from './parse.js';

export const KEV_TYPE = 'kev';
export const MAX_KEV_BYTES = 64 * 1024 * 1024;
const DAY_MS = 86_400_000;
/** A catalog that shrinks below half of a previous one of at least this size is refused (a cut-off download). */
const SHRINK_GUARD_MIN = 100;

/** Builds the source from its config; `baseDir` resolves relative file paths. */
export function createKevSource(config: KevConfig, baseDir: string): FindingSource {
  const name = config.name ?? KEV_TYPE;
  return { name, type: KEV_TYPE, kinds: [], role: 'enrichment', collect: (ctx) => collect(name, config, baseDir, ctx) };
}

function describeCatalog(info: KevCatalogInfo | undefined): string {
  return info ? `cached catalog ${info.catalogVersion ?? '(no version)'} with ${info.entries} entries` : 'no catalog cached yet';
}

async function* collect(name: string, config: KevConfig, baseDir: string, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  const location = resolveLocation(config.url, baseDir);
  const now = ctx.clock.now();
  const cached = (await ctx.cache.get(ENRICHMENT_CACHE.kevCatalog, ['catalog'])).get('catalog');
  const previous = cached?.value as KevCatalogInfo | undefined;
  const read = await readDocument(location, {
    state: ctx.state,
    now,
    signal: ctx.signal,
    timeoutMs: config.timeoutSeconds * 1000,
    retry: retryPolicy(config.retries),
    maxBytes: MAX_KEV_BYTES,
    minIntervalMs: DAY_MS,
    accept: 'application/json',
    onRetry: ({ attempt, waitMs, reason }) => ctx.log.warn('KEV request failed; retrying', { source: name, attempt, waitMs, reason }),
  });
  if (read.status === 'not-modified') {
    // A 304 is a check: remember when, so the next run waits a day again.
    await commitDocument(ctx.state, read, { touch: read.why === 'http-304' });
    return { coverage: { complete: true }, notes: [`KEV ${location.display}: ${notModifiedReason(read, DAY_MS)}; ${describeCatalog(previous)}`] };
  }

  const catalog = parseKevCatalog(Buffer.from(read.bytes).toString('utf8'), { source: location.display });
  if (previous && previous.entries >= SHRINK_GUARD_MIN && catalog.entries.length < previous.entries / 2) {
    throw new Error(
      `${location.display}: the KEV catalog has ${catalog.entries.length} entries, less than half of the ${previous.entries} cached; refusing it as a truncated or wrong document. The cached catalog stays in use.`,
    );
  }
  yield { rows: catalog.entries.length + catalog.dropped + catalog.duplicates, findings: [], skipped: skips(catalog) };

  const fetchedAt = now.toISOString();
  await ctx.cache.clear(ENRICHMENT_CACHE.kev);
  await ctx.cache.put(
    ENRICHMENT_CACHE.kev,
    catalog.entries.map((e) => ({
      key: e.cveId,
      value: {
        dateAdded: e.dateAdded,
        dueDate: e.dueDate,
        knownRansomware: e.knownRansomware,
        vendorProject: e.vendorProject,
        product: e.product,
        vulnerabilityName: e.vulnerabilityName,
      } satisfies KevFact,
    })),
    fetchedAt,
  );
  const info: KevCatalogInfo = {
    catalogVersion: catalog.catalogVersion,
    dateReleased: catalog.dateReleased,
    entries: catalog.entries.length,
    firstLoadedAt: previous?.firstLoadedAt ?? fetchedAt,
  };
  await ctx.cache.put(ENRICHMENT_CACHE.kevCatalog, [{ key: 'catalog', value: info }], fetchedAt);
  await commitDocument(ctx.state, read, { touch: true });
  const notes = [`KEV catalog ${catalog.catalogVersion ?? '(no version)'} from ${location.display}: ${catalog.entries.length} entries`];
  if (catalog.dropped > 0) notes.push(`${catalog.dropped} malformed entr${catalog.dropped === 1 ? 'y' : 'ies'} dropped`);
  if (catalog.duplicates > 0) notes.push(`${catalog.duplicates} duplicate CVE id(s) kept once`);
  if (!previous) notes.push('first KEV catalog in this ledger: cases in it are marked, not flagged as worsened');
  return { coverage: { complete: true }, notes };
}

function skips(catalog: KevCatalog): SkipRecord[] {
  const out: SkipRecord[] = catalog.problems.map((p) => ({ reason: 'invalid', id: p.cveId ?? `vulnerabilities[${p.index}]`, detail: p.reason }));
  for (let i = out.length; i < catalog.dropped; i++) out.push({ reason: 'invalid', id: null, detail: 'malformed KEV entry' });
  return out;
}

/** `doctor`: the catalog can be read and parsed (nothing is written, no state is kept). */
export function kevChecks(config: KevConfig, baseDir: string): DoctorCheck[] {
  const name = config.name ?? KEV_TYPE;
  const check = `source ${name}: KEV catalog`;
  return [
    {
      name: check,
      async run(signal) {
        const location = resolveLocation(config.url, baseDir);
        try {
          const probed = await probeDocument(location, { signal, timeoutMs: config.timeoutSeconds * 1000, maxBytes: MAX_KEV_BYTES });
          if (probed === null) return { name: check, status: 'ok', detail: `${location.display} reachable` };
          const catalog = parseKevCatalog(Buffer.from(probed.bytes).toString('utf8'), { source: location.display });
          return { name: check, status: 'ok', detail: `${location.display}: catalog ${catalog.catalogVersion ?? '(no version)'}, ${catalog.entries.length} entries` };
        } catch (error) {
          return { name: check, status: 'fail', detail: messageOf(error), hint: 'Check the url (or file path) and that this machine can reach it.' };
        }
      },
    },
  ];
}
