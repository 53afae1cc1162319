import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import type { Advisory } from '../../core/advisory.js';
import { extractCveIds } from '../../core/identity.js';
import { htmlToText, plainText } from '../../util/html-text.js';
import { messageOf } from '../../util/errors.js';
import { DocumentParseError, sourcePrefix } from '../_shared/parse-error.js';

/**
 * RSS 2.0, Atom 1.0 and RSS 1.0 (RDF, as JVN publishes it) → plain feed items.
 *
 * XML is read by fast-xml-parser (validated first, so a broken document fails with its line and
 * column), never by regexes. Entities are decoded exactly once by our own decoder: the five XML
 * entities and numeric character references. Entities declared in a DOCTYPE are never expanded
 * (no billion laughs, no external entities); an unknown `&name;` stays as written. HTML carried in
 * descriptions is then turned into text by `htmlToText` (a real HTML parser that drops `<script>`).
 * Output is bounded whatever the input: summary, title, categories, CVE ids and item count are capped.
 */

export type FeedFormat = 'rss2' | 'rss1' | 'atom';

/**
 * One advisory as read from a feed (the ledger's `Advisory` less the announce decision, which the
 * source makes). `itemKey`: guid (Atom id, RDF rdf:about), else link, else `sha256:` of title +
 * published, stable across runs. Links are http(s) only, relative ones resolved against the feed
 * URL; dates ISO-8601 UTC (`updatedAt`: Atom `updated`, RDF `dcterms:modified`); the summary plain
 * text, capped (default 20 000 characters); CVE ids from title, summary, full content and (JVN)
 * `sec:references`; `advisoryId` from `sec:identifier` or `dc:identifier` (JVNDB-2026-000001).
 */
export type FeedItem = Omit<Advisory, 'announce'>;

/** Channel / feed level information. */
export interface FeedMeta {
  format: FeedFormat;
  title: string;
  link: string | null;
  description: string;
  language: string | null;
  updatedAt: string | null;
}

export interface ParsedFeed {
  meta: FeedMeta;
  /** Distinct items (by key), in document order. */
  items: FeedItem[];
  stats: {
    /** `<item>` / `<entry>` elements in the document. */
    itemsInDocument: number;
    /** Items dropped because an earlier item had the same key. */
    duplicates: number;
    /** Items with nothing to identify them (no guid, link or title). */
    skipped: number;
    /** Items beyond `maxItems`. */
    truncated: number;
  };
}

export interface ParseFeedOptions {
  /** Where the document came from (URL or file), used in error messages. */
  source?: string;
  /** Base for relative links (normally the feed URL). Falls back to the feed's own link. */
  baseUrl?: string;
  /** Charset from the HTTP Content-Type, for byte input. */
  charset?: string | null;
  maxSummaryChars?: number;
  maxItems?: number;
  /** Refuse larger documents (characters after decoding). */
  maxInputChars?: number;
}

export const DEFAULT_MAX_SUMMARY_CHARS = 20_000;
export const DEFAULT_MAX_ITEMS = 10_000;
export const DEFAULT_MAX_INPUT_CHARS = 64 * 1024 * 1024;
const MAX_TITLE_CHARS = 1_000;
const MAX_CATEGORY_CHARS = 200;
const MAX_CATEGORIES = 100;
const MAX_CVE_IDS = 1_000;
const MAX_KEY_CHARS = 1_024;
const MAX_LINK_CHARS = 4_096;
const MAX_META_DESCRIPTION_CHARS = 2_000;

/** A document that is not well-formed XML or not a feed. `line`/`column` are 1-based when known. */
export class FeedParseError extends DocumentParseError {
  override readonly name = 'FeedParseError';
}

/** A preset fills in a feed URL by name (`preset: msrc`). */
export interface FeedPreset {
  url: string;
  title: string;
  format: FeedFormat;
  /** Keywords applied when the source configures no `include` of its own. */
  defaultInclude: readonly string[];
  /** False when the URL could not be fetched while writing this: users should confirm it. */
  confirmed: boolean;
  note: string;
}

/**
 * Known feeds. None of these URLs could be fetched from the build environment (UNCONFIRMED);
 * see readme.md for the evidence behind each.
 */
export const FEED_PRESETS = {
  msrc: {
    url: 'https://msrc.microsoft.com/blog/feed',
    title: 'Microsoft Security Response Center blog',
    format: 'rss2',
    defaultInclude: ['Coordinated Vulnerability Disclosure', 'CVE-'],
    confirmed: false,
    note: 'Main MSRC blog feed (RSS 2.0). No Coordinated-Vulnerability-Disclosure-only feed is known; the keywords select CVD posts and posts naming CVEs.',
  },
  jvn: {
    url: 'https://jvn.jp/rss/jvn.rdf',
    title: 'Japan Vulnerability Notes (JVN)',
    format: 'rss1',
    defaultInclude: [],
    confirmed: false,
    note: 'JVN advisories (JVN#, JVNVU#), RSS 1.0 / RDF, Japanese.',
  },
  jvndb: {
    url: 'https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf',
    title: 'JVN iPedia — new entries',
    format: 'rss1',
    defaultInclude: [],
    confirmed: false,
    note: 'JVN iPedia new entries (JVNDB-…), RSS 1.0 / RDF with mod_sec (sec:identifier, sec:references, sec:cvss), Japanese. High volume.',
  },
} as const satisfies Record<string, FeedPreset>;

export type FeedPresetName = keyof typeof FEED_PRESETS;

/** Keyword filters: case-insensitive (and width-insensitive) substring match. */
export interface FeedFilters {
  include?: readonly string[];
  exclude?: readonly string[];
}

/**
 * True when the item's title, categories or summary contain an `include` keyword (any item when
 * `include` is empty) and none of the `exclude` keywords. Exclude wins. Blank keywords are ignored.
 */
export function matchesFilters(item: Pick<FeedItem, 'title' | 'categories' | 'summary'>, filters: FeedFilters): boolean {
  const include = normalizeKeywords(filters.include);
  const exclude = normalizeKeywords(filters.exclude);
  if (include.length === 0 && exclude.length === 0) return true;
  const haystack = foldForMatch([item.title, ...item.categories, item.summary].join('\n'));
  if (exclude.some((keyword) => haystack.includes(keyword))) return false;
  if (include.length === 0) return true;
  return include.some((keyword) => haystack.includes(keyword));
}

function normalizeKeywords(list: readonly string[] | undefined): string[] {
  if (!list) return [];
  return list.map((k) => foldForMatch(k.trim())).filter((k) => k !== '');
}

function foldForMatch(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Bytes → text

/**
 * Decodes feed bytes: BOM first, then the HTTP charset, then the XML declaration's `encoding`,
 * else UTF-8 (RFC 7303 order). Shift_JIS / EUC-JP feeds decode through the runtime's ICU.
 */
export function decodeFeedBytes(bytes: Uint8Array, charset?: string | null, source?: string): string {
  let label = 'utf-8';
  let offset = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) offset = 3;
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, offset] = ['utf-16le', 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, offset] = ['utf-16be', 2];
  else if (charset && charset.trim() !== '') label = charset.trim();
  else label = declaredEncoding(bytes) ?? 'utf-8';
  const decoder = makeDecoder(label);
  if (decoder === null) throw new FeedParseError(`${sourcePrefix(source)}unsupported character encoding "${label}"`, source ?? null, null, null);
  return decoder.decode(offset === 0 ? bytes : bytes.subarray(offset));
}

function makeDecoder(label: string): { decode(input: Uint8Array): string } | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

function declaredEncoding(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match?.[1] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Entities: decoded once, DTD never expanded

const XML_ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const ENTITY_RE = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z_][A-Za-z0-9._-]*));/g;

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Decodes the XML predefined entities and character references in one pass. Exported for tests. */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY_RE, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return XML_ENTITIES.get(name) ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    return isXmlChar(code) ? String.fromCodePoint(code) : '\uFFFD';
  });
}

const ENTITY_DECODER: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  // DOCTYPE <!ENTITY> declarations: ignored on purpose, so they are never expanded.
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeXmlEntities,
};

function makeParser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: false,
    entityDecoder: ENTITY_DECODER,
    ignoreDeclaration: true,
    ignorePiTags: true,
    removeNSPrefix: false,
    commentPropName: false,
    cdataPropName: false,
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses an RSS 2.0, Atom or RSS 1.0 (RDF) document. Throws `FeedParseError` (with line/column)
 * for malformed XML and for well-formed documents that are not feeds.
 */
export function parseFeed(input: string | Uint8Array, options: ParseFeedOptions = {}): ParsedFeed {
  const source = options.source ?? null;
  const decoded = typeof input === 'string' ? input : decodeFeedBytes(input, options.charset, options.source);
  const maxInput = options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS;
  if (decoded.length > maxInput) {
    throw new FeedParseError(`${sourcePrefix(source)}feed is ${decoded.length} characters, over the limit of ${maxInput}`, source, null, null);
  }
  const { xml, skippedLines, skippedColumns } = stripLeadingNoise(decoded);

  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const line = typeof validation.err.line === 'number' ? validation.err.line + skippedLines : null;
    const rawColumn = typeof validation.err.col === 'number' ? validation.err.col : null;
    const column = rawColumn !== null && validation.err.line === 1 ? rawColumn + skippedColumns : rawColumn;
    throw new FeedParseError(`${sourcePrefix(source)}malformed XML${at(line, column)}: ${validation.err.msg}`, source, line, column);
  }

  let doc: unknown;
  try {
    doc = makeParser().parse(xml);
  } catch (error) {
    // The validator passed, so this is the parser refusing something: in practice the DOCTYPE
    // (external entities, too many or too large entity declarations). Point at the DOCTYPE.
    const reason = messageOf(error);
    const doctype = /doctype|entit/i.test(reason) ? xml.indexOf('<!DOCTYPE') : -1;
    const pos = doctype >= 0 ? lineColumn(xml, doctype, skippedLines, skippedColumns) : { line: null, column: null };
    throw new FeedParseError(`${sourcePrefix(source)}unsupported XML${at(pos.line, pos.column)}: ${reason}`, source, pos.line, pos.column);
  }
  if (!isRecord(doc)) throw new FeedParseError(`${sourcePrefix(source)}empty document`, source, null, null);

  const ctx: Context = {
    base: safeBase(options.baseUrl),
    maxSummary: Math.max(1, options.maxSummaryChars ?? DEFAULT_MAX_SUMMARY_CHARS),
  };
  const maxItems = Math.max(0, options.maxItems ?? DEFAULT_MAX_ITEMS);

  const shape = locate(doc);
  if (shape === null) {
    const root = Object.keys(doc).find((k) => !k.startsWith('#') && !k.startsWith('?')) ?? '(none)';
    throw new FeedParseError(`${sourcePrefix(source)}not an RSS or Atom feed: the root element is <${root}>, expected <rss>, <feed> or <rdf:RDF>`, source, null, null);
  }

  const meta = readMeta(shape, ctx);
  if (ctx.base === null && meta.link !== null) ctx.base = safeBase(meta.link);

  const byKey = new Map<string, FeedItem>();
  let duplicates = 0;
  let skipped = 0;
  let truncated = 0;
  for (const node of shape.items) {
    if (byKey.size >= maxItems) {
      truncated++;
      continue;
    }
    const item = buildItem(draftItem(node, shape.format, ctx), ctx);
    if (item === null) {
      skipped++;
      continue;
    }
    if (byKey.has(item.itemKey)) {
      duplicates++;
      continue;
    }
    byKey.set(item.itemKey, item);
  }
  return {
    meta,
    items: [...byKey.values()],
    stats: { itemsInDocument: shape.items.length, duplicates, skipped, truncated },
  };
}

interface Context {
  base: string | null;
  maxSummary: number;
}

interface FeedShape {
  format: FeedFormat;
  channel: Record<string, unknown>;
  items: unknown[];
}

function locate(doc: Record<string, unknown>): FeedShape | null {
  const rss = firstRecord(doc['rss']);
  if (rss) {
    const channel = firstRecord(rss['channel']) ?? {};
    return { format: 'rss2', channel, items: [...asArray(channel['item']), ...asArray(rss['item'])] };
  }
  const feed = firstRecord(doc['feed']);
  if (feed) return { format: 'atom', channel: feed, items: asArray(feed['entry']) };
  const rdf = firstRecord(doc['rdf:RDF']);
  if (rdf) {
    const channel = firstRecord(rdf['channel']) ?? {};
    return { format: 'rss1', channel, items: [...asArray(rdf['item']), ...asArray(channel['item'])] };
  }
  return null;
}

function readMeta(shape: FeedShape, ctx: Context): FeedMeta {
  const c = shape.channel;
  if (shape.format === 'atom') {
    return {
      format: 'atom',
      title: singleLine(atomText(c['title']), MAX_TITLE_CHARS),
      link: safeLink(atomLink(c['link']), ctx.base),
      description: cap(atomText(c['subtitle']), MAX_META_DESCRIPTION_CHARS),
      language: firstAttr(c, 'xml:lang'),
      updatedAt: parseFeedDate(firstText(c, 'updated')),
    };
  }
  return {
    format: shape.format,
    title: singleLine(plainText(firstText(c, 'title') ?? ''), MAX_TITLE_CHARS),
    link: safeLink(firstText(c, 'link'), ctx.base),
    description: cap(htmlToText(firstText(c, 'description') ?? ''), MAX_META_DESCRIPTION_CHARS),
    language: firstText(c, 'language', 'dc:language')?.trim() || null,
    updatedAt: parseFeedDate(firstText(c, 'lastBuildDate', 'dc:date', 'pubDate', 'dcterms:modified')),
  };
}

/** What an item says, before keys, caps and CVE extraction. */
interface ItemDraft {
  guid: string | null;
  title: string;
  link: string | null;
  published: string | null;
  updated: string | null;
  categories: string[];
  /** Full plain text of the description / summary. */
  summaryText: string;
  /** Full plain text of content:encoded / Atom content. */
  contentText: string;
  /** Extra text to look for CVE ids in (JVN sec:references ids and URLs). */
  references: string[];
  advisoryId: string | null;
}

function draftItem(node: unknown, format: FeedFormat, ctx: Context): ItemDraft | null {
  if (!isRecord(node)) return null;
  const common = {
    categories: [...textsOf(node['category']), ...textsOf(node['dc:subject'])],
    references: referencesOf(node),
    advisoryId: firstText(node, 'sec:identifier', 'dc:identifier')?.trim() || null,
    contentText: htmlToText(firstText(node, 'content:encoded') ?? ''),
  };
  if (format === 'atom') {
    const content = firstRecordOrText(node['content']);
    return {
      ...common,
      guid: firstText(node, 'id'),
      title: atomText(node['title']),
      link: atomLink(node['link']),
      published: firstText(node, 'published', 'dcterms:issued', 'dc:date') ?? firstText(node, 'updated'),
      updated: firstText(node, 'updated', 'dcterms:modified'),
      categories: [...asArray(node['category']).map((c) => attrOf(c, 'term') ?? attrOf(c, 'label') ?? textOf(c) ?? ''), ...textsOf(node['dc:subject'])],
      summaryText: atomText(node['summary']),
      contentText: content === undefined ? common.contentText : atomText(content),
    };
  }
  if (format === 'rss1') {
    return {
      ...common,
      guid: attrOf(node, 'rdf:about'),
      title: plainText(firstText(node, 'title', 'dc:title') ?? ''),
      link: firstText(node, 'link'),
      published: firstText(node, 'dcterms:issued', 'dc:date'),
      updated: firstText(node, 'dcterms:modified', 'dc:date'),
      // RSS 1.0 descriptions are plain text (JVN's are): "<script>" in an XSS advisory is words, not markup.
      summaryText: plainText(firstText(node, 'description', 'dc:description') ?? ''),
    };
  }
  const guidNode = asArray(node['guid'])[0];
  const guid = textOf(guidNode);
  const isPermaLink = (attrOf(guidNode, 'isPermaLink') ?? 'true').trim().toLowerCase() !== 'false';
  const link = firstText(node, 'link') ?? (isPermaLink && guid !== null && safeLink(guid, ctx.base) !== null ? guid : null);
  return {
    ...common,
    guid,
    title: plainText(firstText(node, 'title', 'dc:title') ?? ''),
    link,
    published: firstText(node, 'pubDate', 'dc:date', 'dcterms:issued'),
    updated: firstText(node, 'dcterms:modified', 'atom:updated'),
    summaryText: htmlToText(firstText(node, 'description', 'dc:description') ?? ''),
  };
}

function buildItem(draft: ItemDraft | null, ctx: Context): FeedItem | null {
  if (draft === null) return null;
  const guid = draft.guid?.trim() || null;
  const link = safeLink(draft.link, ctx.base);
  const title = singleLine(draft.title, MAX_TITLE_CHARS);
  const summaryFull = draft.summaryText !== '' ? draft.summaryText : draft.contentText;
  if (guid === null && link === null && title === '' && summaryFull === '') return null;
  const publishedAt = parseFeedDate(draft.published);
  const key = boundedKey(guid ?? link ?? `sha256:${sha256(`${title}\n${publishedAt ?? ''}`)}`);
  const cveText = [title, draft.references.join('\n'), draft.summaryText, draft.contentText].join('\n');
  return {
    itemKey: key,
    guid: guid === null ? null : boundedKey(guid),
    title: title === '' ? '(untitled)' : title,
    link,
    publishedAt,
    updatedAt: parseFeedDate(draft.updated),
    categories: uniqueCategories(draft.categories),
    summary: cap(summaryFull, ctx.maxSummary),
    cveIds: extractCveIds(cveText).slice(0, MAX_CVE_IDS),
    advisoryId: draft.advisoryId === null ? null : singleLine(draft.advisoryId, 200),
  };
}

function referencesOf(node: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const ref of asArray(node['sec:references'])) {
    const id = attrOf(ref, 'id');
    if (id) out.push(id);
    const text = textOf(ref);
    if (text) out.push(text);
  }
  return out;
}

function uniqueCategories(list: string[]): string[] {
  const seen = new Set<string>();
  for (const raw of list) {
    if (seen.size >= MAX_CATEGORIES) break;
    const category = singleLine(plainText(raw), MAX_CATEGORY_CHARS);
    if (category !== '') seen.add(category);
  }
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Atom text constructs and links

/** Atom text construct: type="text" (default) is plain, "html" is escaped HTML, "xhtml" is inline markup. */
function atomText(value: unknown): string {
  const node = Array.isArray(value) ? value[0] : value;
  if (node === undefined || node === null) return '';
  const type = (attrOf(node, 'type') ?? 'text').trim().toLowerCase();
  if (type === 'xhtml') return plainText(deepText(node));
  const text = textOf(node) ?? '';
  if (type === 'html' || type.includes('html')) return htmlToText(text);
  return plainText(text);
}

function atomLink(value: unknown): string | null {
  const links = asArray(value);
  const alternate =
    links.find((l) => (attrOf(l, 'rel') ?? 'alternate') === 'alternate' && (attrOf(l, 'type') ?? 'text/html').includes('html')) ??
    links.find((l) => (attrOf(l, 'rel') ?? 'alternate') === 'alternate');
  return alternate === undefined ? null : attrOf(alternate, 'href');
}

const SKIPPED_XHTML = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object']);

/** Text of an inline XHTML tree, skipping attributes and script-like elements. */
function deepText(node: unknown, depth = 0): string {
  if (depth > 64) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return node.map((n) => deepText(n, depth + 1)).join(' ');
  if (!isRecord(node)) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_')) continue;
    const local = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
    if (SKIPPED_XHTML.has(local.toLowerCase())) continue;
    parts.push(deepText(value, depth + 1));
  }
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS = new Map([
  ['jan', 1], ['feb', 2], ['mar', 3], ['apr', 4], ['may', 5], ['jun', 6],
  ['jul', 7], ['aug', 8], ['sep', 9], ['oct', 10], ['nov', 11], ['dec', 12],
]);
const ZONES = new Map([
  ['ut', 0], ['utc', 0], ['gmt', 0], ['z', 0],
  ['est', -300], ['edt', -240], ['cst', -360], ['cdt', -300],
  ['mst', -420], ['mdt', -360], ['pst', -480], ['pdt', -420],
  ['jst', 540],
]);
const W3C_DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;
const RFC822_DATE_RE =
  /^(?:[A-Za-z]{2,9},?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[+-]\d{2}:\d{2}|[A-Za-z]{1,5})?$/;

/**
 * Parses feed dates into ISO-8601 UTC: RFC 822/2822 (`pubDate`, numeric zones such as `+0900` and
 * the common zone names) and RFC 3339 / W3C-DTF (Atom, `dc:date`, with or without seconds, or a
 * bare date). A time without a zone is taken as UTC. Anything else, or an impossible date, is null.
 */
export function parseFeedDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim().replace(/\s+/g, ' ');
  if (text === '') return null;
  const w3c = W3C_DATE_RE.exec(text);
  if (w3c) {
    const [, y, mo, d, h, mi, s, frac, zone] = w3c;
    const offset = zone === undefined ? 0 : zoneOffset(zone);
    if (offset === null) return null;
    const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
    return utcIso(Number(y), Number(mo ?? 1), Number(d ?? 1), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms, offset);
  }
  const rfc = RFC822_DATE_RE.exec(text);
  if (rfc) {
    const [, d, monthName, y, h, mi, s, zone] = rfc;
    const month = MONTHS.get((monthName ?? '').slice(0, 3).toLowerCase());
    if (month === undefined) return null;
    let year = Number(y);
    if ((y ?? '').length <= 2) year += year < 50 ? 2000 : 1900;
    else if ((y ?? '').length === 3) year += 1900;
    const offset = zone === undefined ? 0 : zoneOffset(zone);
    if (offset === null) return null;
    return utcIso(year, month, Number(d), Number(h), Number(mi), Number(s ?? 0), 0, offset);
  }
  return null;
}

/** Minutes east of UTC, or null for an unknown zone. */
function zoneOffset(zone: string): number | null {
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (numeric) {
    const hours = Number(numeric[2]);
    const minutes = Number(numeric[3] ?? 0);
    if (hours > 23 || minutes > 59) return null;
    return (numeric[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const named = ZONES.get(zone.toLowerCase());
  if (named !== undefined) return named;
  // RFC 2822 §4.3: military single-letter zones are unreliable; treat them as UTC (-0000).
  if (/^[A-Za-z]$/.test(zone)) return 0;
  return null;
}

function utcIso(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, offsetMinutes: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  const check = new Date(local);
  if (check.getUTCDate() !== day && !(hour === 24 && minute === 0)) return null;
  const instant = new Date(local - offsetMinutes * 60_000);
  return Number.isNaN(instant.getTime()) ? null : instant.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Small helpers over the fast-xml-parser tree

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function firstRecord(value: unknown): Record<string, unknown> | null {
  const first = asArray(value)[0];
  if (isRecord(first)) return first;
  if (typeof first === 'string') return {};
  return null;
}

function firstRecordOrText(value: unknown): unknown {
  return asArray(value)[0];
}

/** Text content of an element (string leaf, or `#text` of an element with attributes/children). */
function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = textOf(v);
      if (t !== null && t.trim() !== '') return t;
    }
    return null;
  }
  if (isRecord(value)) {
    const t = value['#text'];
    if (typeof t === 'string') return t;
    if (typeof t === 'number' || typeof t === 'boolean') return String(t);
    if (Array.isArray(t)) return t.map(String).join('');
    return '';
  }
  return null;
}

function textsOf(value: unknown): string[] {
  return asArray(value)
    .map((v) => textOf(v))
    .filter((t): t is string => t !== null && t.trim() !== '');
}

/** First non-blank text among the named children. */
function firstText(node: Record<string, unknown>, ...names: string[]): string | null {
  for (const name of names) {
    for (const candidate of asArray(node[name])) {
      const text = textOf(candidate);
      if (text !== null && text.trim() !== '') return text;
    }
  }
  return null;
}

function attrOf(node: unknown, name: string): string | null {
  if (!isRecord(node)) return null;
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : null;
}

function firstAttr(node: Record<string, unknown>, name: string): string | null {
  const value = attrOf(node, name);
  return value === null || value.trim() === '' ? null : value.trim();
}

// ---------------------------------------------------------------------------------------------
// Text helpers

function singleLine(text: string, max: number): string {
  return cap(text.replace(/\s+/g, ' ').trim(), max);
}

/** Caps text at `max` characters (ending in "…"), never splitting a surrogate pair. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end);
  if (end > 0 && code >= 0xdc00 && code <= 0xdfff) end--;
  return `${text.slice(0, end)}…`;
}

function boundedKey(value: string): string {
  return value.length <= MAX_KEY_CHARS ? value : `sha256:${sha256(value)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** http(s) URL, resolved against `base` when relative; anything else (javascript:, data:, junk) is null. */
function safeLink(raw: string | null, base: string | null): string | null {
  if (raw === null) return null;
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.length > MAX_LINK_CHARS) return null;
  let url: URL;
  try {
    url = base === null ? new URL(trimmed) : new URL(trimmed, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href;
}

function safeBase(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Removes a BOM and whitespace before the first `<`, remembering how far the positions moved. */
function stripLeadingNoise(text: string): { xml: string; skippedLines: number; skippedColumns: number } {
  let start = 0;
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  let lines = 0;
  let columns = 0;
  while (start < text.length && /\s/.test(text[start] ?? '')) {
    if (text[start] === '\n') {
      lines++;
      columns = 0;
    } else if (text[start] !== '\r') columns++;
    start++;
  }
  return { xml: start === 0 ? text : text.slice(start), skippedLines: lines, skippedColumns: columns };
}

function lineColumn(text: string, offset: number, skippedLines: number, skippedColumns: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNewline = i;
    }
  }
  const column = offset - lastNewline;
  return { line: line + skippedLines, column: line === 1 ? column + skippedColumns : column };
}


function at(line: number | null, column: number | null): string {
  if (line === null) return '';
  return column === null ? ` at line ${line}` : ` at line ${line}, column ${column}`;
}
