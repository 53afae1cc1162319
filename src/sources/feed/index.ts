/**
 * Source `feed`: security advisories from RSS / Atom feeds (MSRC, JVN, any feed). Each item becomes
 * an advisory case (see core/advisory.ts); the source finds no findings, so it never resolves
 * anything — feeds roll items off. An unchanged feed costs one conditional GET answered 304.
 */
import type { Advisory } from '../../core/advisory.js';
import { addDays, isoDate } from '../../core/clock.js';
import type { DoctorCheck, FindingSource, SkipRecord, SourceContext, SourceResult, SourceBatch } from '../../core/ports.js';
import { commitDocument, probeDocument, readDocument, resolveLocation, retryPolicy, type DocumentLocation } from '../_shared/document.js';
import { messageOf } from '../../util/errors.js';
import type { FeedConfig } from './config.js';
import { FEED_PRESETS, matchesFilters, parseFeed, type FeedItem } from './parse.js';

export const FEED_TYPE = 'feed';
/** Feeds larger than this are refused (a feed is normally well under 1 MB). */
export const MAX_FEED_BYTES = 32 * 1024 * 1024;

/** The URL (or file) and keywords a feed config resolves to. */
export function feedTarget(config: FeedConfig, baseDir: string): { location: DocumentLocation; include: readonly string[]; exclude: readonly string[] } {
  const preset = config.preset ? FEED_PRESETS[config.preset] : undefined;
  const url = config.url ?? preset?.url;
  if (url === undefined) throw new Error(`feed source ${config.name ?? FEED_TYPE}: give url or preset`);
  return { location: resolveLocation(url, baseDir), include: config.include ?? preset?.defaultInclude ?? [], exclude: config.exclude };
}

/** Builds the source from its config; `baseDir` resolves relative file paths. */
export function createFeedSource(config: FeedConfig, baseDir: string): FindingSource {
  const name = config.name ?? FEED_TYPE;
  return {
    name,
    type: FEED_TYPE,
    kinds: [],
    role: 'advisories',
    collect: (ctx) => collect(name, config, baseDir, ctx),
  };
}

/** The advisory a feed item becomes. */
function itemToAdvisory(item: FeedItem, announceFrom: string): Advisory {
  return { ...item, announce: item.publishedAt === null || item.publishedAt.slice(0, 10) >= announceFrom };
}

async function* collect(name: string, config: FeedConfig, baseDir: string, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  const target = feedTarget(config, baseDir);
  const now = ctx.clock.now();
  const read = await readDocument(target.location, {
    state: ctx.state,
    now,
    signal: ctx.signal,
    timeoutMs: config.timeoutSeconds * 1000,
    retry: retryPolicy(config.retries),
    maxBytes: MAX_FEED_BYTES,
    accept: 'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1',
    onRetry: ({ attempt, waitMs, reason }) => ctx.log.warn('feed request failed; retrying', { source: name, attempt, waitMs, reason }),
  });
  if (read.status === 'not-modified') {
    await commitDocument(ctx.state, read);
    return { coverage: { complete: true }, notes: [`${target.location.display} not modified since the last run${target.location.kind === 'url' ? ' (304)' : ''}; advisories unchanged`] };
  }
  ctx.progress({ source: name, phase: 'read', bytes: read.bytes.byteLength, totalBytes: read.bytes.byteLength });
  const parsed = parseFeed(read.bytes, {
    source: target.location.display,
    baseUrl: target.location.kind === 'url' ? target.location.url : undefined,
    charset: read.charset,
  });
  const announceFrom = addDays(isoDate(now), -config.announceWindowDays);
  const advisories: Advisory[] = [];
  const skipped: SkipRecord[] = [];
  for (const item of parsed.items) {
    if (!matchesFilters(item, { include: target.include, exclude: target.exclude })) {
      skipped.push({ reason: 'not-ours', id: item.itemKey, detail: 'not matched by include/exclude' });
      continue;
    }
    advisories.push(itemToAdvisory(item, announceFrom));
  }
  for (let i = 0; i < parsed.stats.skipped; i++) skipped.push({ reason: 'invalid', id: null, detail: 'item with no guid, link, title or text' });
  yield { rows: parsed.stats.itemsInDocument, findings: [], skipped, advisories };
  await commitDocument(ctx.state, read);
  const notes = [`${parsed.meta.title || target.location.display}: ${parsed.items.length} item(s), ${advisories.length} kept by the filters`];
  if (parsed.stats.duplicates > 0) notes.push(`${parsed.stats.duplicates} duplicate item(s) in the feed, kept once`);
  if (parsed.stats.truncated > 0) notes.push(`${parsed.stats.truncated} item(s) beyond the item limit were ignored`);
  return { coverage: { complete: true }, notes };
}

/** `doctor`: the feed can be read and parsed (nothing is written). */
export function feedChecks(config: FeedConfig, baseDir: string): DoctorCheck[] {
  const name = config.name ?? FEED_TYPE;
  const check = `source ${name}: feed`;
  return [
    {
      name: check,
      async run(signal) {
        const target = feedTarget(config, baseDir);
        try {
          const read = await probeDocument(target.location, { signal, timeoutMs: config.timeoutSeconds * 1000, maxBytes: MAX_FEED_BYTES });
          if (read === null) return { name: check, status: 'ok', detail: `${target.location.display} not modified` };
          const parsed = parseFeed(read.bytes, { source: target.location.display, charset: read.charset });
          const kept = parsed.items.filter((i) => matchesFilters(i, { include: target.include, exclude: target.exclude })).length;
          const unconfirmed = config.preset && !config.url && !FEED_PRESETS[config.preset].confirmed ? ' (preset URL not confirmed by vulnledger: check it is the feed you want)' : '';
          return { name: check, status: 'ok', detail: `${target.location.display}: ${parsed.meta.format}, ${parsed.items.length} item(s), ${kept} kept by the filters${unconfirmed}` };
        } catch (error) {
          return { name: check, status: 'fail', detail: messageOf(error), hint: 'Check the url (or preset) and that this machine can reach it; a file path is read relative to the config file.' };
        }
      },
    },
  ];
}
