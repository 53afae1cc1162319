import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_SUMMARY_CHARS,
  FEED_PRESETS,
  FeedParseError,
  decodeFeedBytes,
  decodeXmlEntities,
  matchesFilters,
  parseFeed,
  parseFeedDate,
  type FeedItem,
} from './parse.js';
import { feedFiltersSchema, feedItemSchema, feedPresetNameSchema } from './schema.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

function parseError(fn: () => unknown): FeedParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FeedParseError) return error;
    throw error;
  }
  throw new Error('expected a FeedParseError');
}

function byKey(items: FeedItem[], key: string): FeedItem {
  const item = items.find((i) => i.itemKey === key);
  if (!item) throw new Error(`no item ${key}`);
  return item;
}

describe('parseFeed: RSS 2.0 (MSRC sample)', () => {
  const feed = parseFeed(fixture('msrc-blog-feed-sample.xml'), { source: 'https://msrc.microsoft.com/blog/feed' });

  it('reads the channel', () => {
    expect(feed.meta).toEqual({
      format: 'rss2',
      title: 'Microsoft Security Response Center',
      link: 'https://msrc.microsoft.com/blog/',
      description: 'Recent content on Microsoft Security Response Center',
      language: 'en-us',
      updatedAt: '2026-05-27T17:00:00.000Z',
    });
    expect(feed.stats).toEqual({ itemsInDocument: 2, duplicates: 0, skipped: 0, truncated: 0 });
  });

  it('reads a Hugo-style minimal item; entities are decoded once per layer (XML, then HTML)', () => {
    expect(feed.items[0]).toEqual({
      itemKey: 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/',
      guid: 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/',
      title: 'Protecting customers through Coordinated Vulnerability Disclosure',
      link: 'https://msrc.microsoft.com/blog/2026/05/protecting-customers-through-coordinated-vulnerability-disclosure/',
      publishedAt: '2026-05-27T17:00:00.000Z',
      updatedAt: null,
      categories: [],
      // `&amp;lt;em&amp;gt;` is HTML that *shows* "<em>": decoding it a third time would invent a tag.
      summary:
        'Over the past weeks several vulnerabilities were disclosed publicly <em>before</em> fixes were available. Coordinated Vulnerability Disclosure (CVD) gives vendors time to ship updates…',
      cveIds: [],
      advisoryId: null,
    });
  });

  it('reads a WordPress-style item: guid isPermaLink=false, +0900 pubDate, CDATA categories, CVEs from content:encoded', () => {
    expect(feed.items[1]).toEqual({
      itemKey: 'https://msrc.microsoft.com/blog/?p=20260528',
      guid: 'https://msrc.microsoft.com/blog/?p=20260528',
      title: '協調的な脆弱性開示 (CVD) に関するお知らせ — 2026 年 5 月',
      link: 'https://msrc.microsoft.com/blog/2026/05/20260528_cvd/',
      publishedAt: '2026-05-28T00:00:00.000Z',
      updatedAt: null,
      categories: ['MSRC', 'Coordinated Vulnerability Disclosure'],
      summary: 'マイクロソフトは協調的な脆弱性開示 (CVD) を推奨しています。詳細は本文をご覧ください。',
      cveIds: ['CVE-2026-00001', 'CVE-2026-00002'],
      advisoryId: null,
    });
  });

  it('satisfies the item schema', () => {
    for (const item of feed.items) expect(feedItemSchema.safeParse(item).success).toBe(true);
  });
});

describe('parseFeed: Atom', () => {
  const feed = parseFeed(fixture('atom-feed.xml'), { source: 'atom-feed.xml' });

  it('reads feed metadata (html subtitle to text, xml:lang)', () => {
    expect(feed.meta).toEqual({
      format: 'atom',
      title: 'Example Security Advisories',
      link: 'https://advisories.example.com/',
      description: 'Advisories from Example Corp',
      language: 'en',
      updatedAt: '2026-06-02T01:00:00.000Z',
    });
  });

  it('takes link[rel=alternate], resolves it against the feed link, and drops script from html and xhtml', () => {
    expect(feed.items[0]).toEqual({
      itemKey: 'tag:advisories.example.com,2026:entry-1',
      guid: 'tag:advisories.example.com,2026:entry-1',
      title: 'Remote code execution in ExampleServer (CVE-2026-10001)',
      link: 'https://advisories.example.com/2026/06/exampleserver-rce/',
      publishedAt: '2026-06-01T00:30:00.000Z',
      updatedAt: '2026-06-01T23:00:00.000Z',
      categories: ['Coordinated Vulnerability Disclosure', 'exampleserver'],
      summary: 'A flaw in ExampleServer allows remote code execution.',
      // CVE-2099-99999 sits in an xhtml <script>: not text, not extracted.
      cveIds: ['CVE-2026-10001', 'CVE-2026-10002', 'CVE-2026-10003'],
      advisoryId: null,
    });
  });

  it('keeps type="text" literal, uses updated when published is missing, falls back to content for the summary', () => {
    expect(feed.items[1]).toEqual({
      itemKey: 'urn:uuid:5f2b7c1e-0000-4000-8000-000000000002',
      guid: 'urn:uuid:5f2b7c1e-0000-4000-8000-000000000002',
      title: 'Plain title with 5 < 6 & no markup',
      link: 'https://advisories.example.com/2026/05/plain/',
      publishedAt: '2026-05-20T00:00:00.000Z',
      updatedAt: '2026-05-20T00:00:00.000Z',
      categories: [],
      summary: 'Plain text content: <b> stays literal. CVE-2026-10004',
      cveIds: ['CVE-2026-10004'],
      advisoryId: null,
    });
  });
});

describe('parseFeed: RSS 1.0 / RDF (JVN iPedia shape)', () => {
  const feed = parseFeed(fixture('jvn-rdf.xml'), { source: FEED_PRESETS.jvndb.url });

  it('reads the channel', () => {
    expect(feed.meta).toEqual({
      format: 'rss1',
      title: 'JVNDB 新着脆弱性対策情報',
      link: 'https://jvndb.jvn.jp/apis/myjvn',
      description: 'JVNDB 新着脆弱性対策情報',
      language: null,
      updatedAt: '2026-06-03T02:00:00.000Z',
    });
    expect(feed.items.map((i) => i.advisoryId)).toEqual(['JVNDB-2026-000101', 'JVNDB-2026-000102', 'JVNDB-2026-004321']);
  });

  it('uses rdf:about as guid, dcterms:issued as published (W3C-DTF without seconds), sec:references for CVEs', () => {
    expect(feed.items[0]).toEqual({
      itemKey: 'https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-000101.html',
      guid: 'https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-000101.html',
      title: 'サンプル社製無線 LAN ルータにおける複数の脆弱性',
      link: 'https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-000101.html',
      publishedAt: '2026-06-02T00:00:00.000Z',
      updatedAt: '2026-06-03T01:15:00.000Z',
      categories: [],
      summary: 'サンプル株式会社が提供する無線 LAN ルータには、次の複数の脆弱性が存在します。 ・OS コマンドインジェクション (CWE-78) ・認証の欠如 (CWE-306)',
      cveIds: ['CVE-2026-20001', 'CVE-2026-20002'],
      advisoryId: 'JVNDB-2026-000101',
    });
  });

  it('treats RDF descriptions as plain text: a "<script>" in an XSS advisory is kept as words', () => {
    expect(feed.items[1]?.summary).toBe(
      'サンプル株式会社が提供するグループウェアには、格納型のクロスサイトスクリプティング (CWE-79) の脆弱性 (CVE-2026-20003) が存在します。細工された <script> を含む投稿により、任意のスクリプトが実行される可能性があります。',
    );
    expect(feed.items[1]?.cveIds).toEqual(['CVE-2026-20003']);
  });

  it('falls back to dc:date and takes CVE ids from sec:references of any source', () => {
    expect(feed.items[2]?.publishedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(feed.items[2]?.updatedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(feed.items[2]?.cveIds).toEqual(['CVE-2026-20004']);
  });
});

describe('parseFeed: hostile and awkward content', () => {
  const feed = parseFeed(fixture('script-entities-cdata.xml'));

  it('drops escaped <script> and <style> from descriptions', () => {
    expect(byKey(feed.items, 'https://hostile.example.com/1').summary).toBe('Patch now');
  });

  it('reads CDATA as raw HTML: script dropped, its CVE not extracted, &amp; decoded by the HTML layer', () => {
    const item = byKey(feed.items, 'hostile-2');
    expect(item.summary).toBe('Fix & more: CVE-2026-30001');
    expect(item.cveIds).toEqual(['CVE-2026-30001']);
    expect(item.title).toBe('CDATA title with <b>tags</b> & ampersand');
    expect(item.publishedAt).toBe('2026-06-01T12:00:00.000Z');
  });

  it('decodes entities exactly once; unknown entities stay as written', () => {
    const item = byKey(feed.items, 'hostile-3');
    expect(item.title).toBe('Fish &amp; Chips © ☃ &unknown;');
    expect(item.summary).toBe('Decoded once: &lt;not a tag&gt; and <b>bold</b>');
    expect(item.publishedAt).toBe('2026-06-02T13:00:00.000Z');
  });

  it('drops non-http links and joins text with CDATA', () => {
    const item = byKey(feed.items, 'hostile-4');
    expect(item.link).toBeNull();
    expect(item.summary).toBe('mixed text & cdata end');
  });

  it('keeps Japanese text, percent-encodes the link path, extracts CVEs next to Japanese characters from content:encoded', () => {
    const item = byKey(feed.items, 'hostile-5');
    expect(item.title).toBe('Japanese: 協調的な脆弱性開示 — ＣＶＥ表記');
    expect(item.link).toBe('https://hostile.example.com/ja/%E8%A8%98%E4%BA%8B/5');
    expect(item.summary).toBe('短い説明');
    expect(item.cveIds).toEqual(['CVE-2026-30002', 'CVE-2026-30003', 'CVE-2026-30004']);
  });
});

describe('parseFeed: DTD entities are never expanded', () => {
  it('parses a billion-laughs document quickly, leaving entity references literal', () => {
    const started = performance.now();
    const feed = parseFeed(fixture('dtd-entities.xml'));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(feed.items).toHaveLength(1);
    expect(feed.items[0]?.title).toBe('&lol3; &internal;');
    expect(feed.items[0]?.summary).toBe('&lol3;&lol3;&lol3;');
  });

  it('refuses an external entity, pointing at the DOCTYPE', () => {
    const xml = '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<rss><channel><item><title>&xxe;</title></item></channel></rss>';
    const error = parseError(() => parseFeed(xml, { source: 'evil.xml' }));
    expect(error.line).toBe(2);
    expect(error.column).toBe(1);
    expect(error.message).toBe('evil.xml: unsupported XML at line 2, column 1: External entities are not supported');
  });
});

describe('parseFeed: keys and duplicates', () => {
  it('falls back from guid to link (resolved against the channel link) to a hash of title + published', () => {
    const feed = parseFeed(fixture('missing-guid.xml'));
    expect(feed.items.map((i) => [i.itemKey, i.guid, i.link])).toEqual([
      ['https://noguid.example.com/blog/2026/06/only-link/', null, 'https://noguid.example.com/blog/2026/06/only-link/'],
      ['https://noguid.example.com/blog/2026/06/relative/', null, 'https://noguid.example.com/blog/2026/06/relative/'],
      ['sha256:3339f5a8d4b49af6550ede160ed12fe31c8659d09fd635d7b0ff7f541452b8e1', null, null],
      [
        'https://noguid.example.com/blog/2026/06/permalink-guid/',
        'https://noguid.example.com/blog/2026/06/permalink-guid/',
        'https://noguid.example.com/blog/2026/06/permalink-guid/',
      ],
    ]);
    // The empty <item> has nothing to identify it.
    expect(feed.stats).toEqual({ itemsInDocument: 5, duplicates: 0, skipped: 1, truncated: 0 });
  });

  it('gives the same hash key on every parse (stable across runs)', () => {
    const a = parseFeed(fixture('missing-guid.xml')).items[2]?.itemKey;
    const b = parseFeed(fixture('missing-guid.xml')).items[2]?.itemKey;
    expect(a).toBe(b);
  });

  it('resolves relative links against baseUrl when given', () => {
    const feed = parseFeed(fixture('missing-guid.xml'), { baseUrl: 'https://mirror.example.net/feeds/x.xml' });
    expect(feed.items[1]?.link).toBe('https://mirror.example.net/feeds/2026/06/relative/');
  });

  it('keeps the first of duplicate items and counts the rest', () => {
    const feed = parseFeed(fixture('duplicates.xml'));
    expect(feed.items.map((i) => [i.itemKey, i.title])).toEqual([
      ['dup-a', 'First copy'],
      ['https://dup.example.com/b', 'No guid, link b'],
      ['dup-c', 'Distinct'],
    ]);
    expect(feed.stats).toEqual({ itemsInDocument: 5, duplicates: 2, skipped: 0, truncated: 0 });
  });

  it('titles an item without a title "(untitled)" and ignores Atom links that are not alternates', () => {
    const atom =
      '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x:1</id><link rel="self" href="https://a.example.com/self"/><summary>s</summary></entry></feed>';
    const item = parseFeed(atom).items[0];
    expect([item?.itemKey, item?.title, item?.link, item?.summary]).toEqual(['urn:x:1', '(untitled)', null, 's']);
  });

  it('stops at maxItems and counts the rest as truncated', () => {
    const feed = parseFeed(fixture('duplicates.xml'), { maxItems: 1 });
    expect(feed.items.map((i) => i.itemKey)).toEqual(['dup-a']);
    expect(feed.stats.truncated).toBe(4);
  });
});

describe('parseFeed: malformed input', () => {
  it('names source, line and column of broken XML', () => {
    const error = parseError(() => parseFeed(fixture('malformed.xml'), { source: 'https://feeds.example.com/broken' }));
    expect(error.line).toBe(7);
    expect(error.column).toBe(24);
    expect(error.source).toBe('https://feeds.example.com/broken');
    expect(error.message).toBe(
      "https://feeds.example.com/broken: malformed XML at line 7, column 24: Expected closing tag 'description' (opened in line 7, col 7) instead of closing tag 'descripton'.",
    );
  });

  it('counts lines skipped before the document (leading blank lines, BOM)', () => {
    const error = parseError(() => parseFeed('\uFEFF\n\n  <rss><channel><title>x</titl></channel></rss>'));
    // line 3 is "  <rss><channel><title>x</titl>…": the bad closing tag starts in column 25.
    expect([error.line, error.column]).toEqual([3, 25]);
  });

  it('rejects text that is not XML', () => {
    const error = parseError(() => parseFeed('404 page not found'));
    expect([error.line, error.column]).toEqual([1, 1]);
  });

  it('rejects an empty body', () => {
    const error = parseError(() => parseFeed(''));
    expect(error.message).toMatch(/^malformed XML at line 1: /);
  });

  it('rejects well-formed XML that is not a feed', () => {
    const error = parseError(() => parseFeed('<html><body><p>Sign in</p></body></html>', { source: 'login.html' }));
    expect(error.message).toBe('login.html: not an RSS or Atom feed: the root element is <html>, expected <rss>, <feed> or <rdf:RDF>');
  });

  it('refuses a document over maxInputChars', () => {
    const error = parseError(() => parseFeed('<rss/>'.padEnd(100, ' '), { maxInputChars: 50 }));
    expect(error.message).toBe('feed is 100 characters, over the limit of 50');
  });
});

describe('parseFeed: a 5 MB item', () => {
  it('parses, caps the summary, and still finds a CVE at the very end', () => {
    const chunk = '&lt;p&gt;Lorem ipsum dolor sit amet &amp;amp; more text.&lt;/p&gt;\n';
    const body = chunk.repeat(Math.ceil((5 * 1024 * 1024) / chunk.length));
    const xml = `<rss version="2.0"><channel><title>Big</title><item><title>Huge</title><guid isPermaLink="false">big-1</guid><description>${body}&lt;p&gt;CVE-2026-99999&lt;/p&gt;</description></item></channel></rss>`;
    expect(xml.length).toBeGreaterThan(5 * 1024 * 1024);
    const started = performance.now();
    const feed = parseFeed(xml);
    expect(performance.now() - started).toBeLessThan(15_000);
    const item = feed.items[0];
    expect(item?.summary.length).toBe(DEFAULT_MAX_SUMMARY_CHARS);
    expect(item?.summary.endsWith('…')).toBe(true);
    expect(item?.summary.slice(0, 60)).toBe('Lorem ipsum dolor sit amet & more text.\n\nLorem ipsum dolor s');
    expect(item?.cveIds).toEqual(['CVE-2026-99999']);
  }, 60_000);

  it('honours maxSummaryChars without splitting a surrogate pair', () => {
    const xml = '<rss><channel><item><guid>g</guid><description>ab😀😀😀</description></item></channel></rss>';
    expect(parseFeed(xml, { maxSummaryChars: 4 }).items[0]?.summary).toBe('ab…');
    expect(parseFeed(xml, { maxSummaryChars: 5 }).items[0]?.summary).toBe('ab😀…');
  });
});

describe('decodeFeedBytes', () => {
  const sjis = Buffer.from('90c68ee390ab82cc82a8926d82e782b9', 'hex'); // 脆弱性のお知らせ in Shift_JIS
  const eucjp = Buffer.from('c0c8bce5c0ada4cea4aac3cea4e9a4bb', 'hex'); // the same in EUC-JP

  it('follows the XML declaration (Shift_JIS)', () => {
    const bytes = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><item><guid>1</guid><title>'),
      sjis,
      Buffer.from('</title></item></channel></rss>'),
    ]);
    expect(parseFeed(bytes).items[0]?.title).toBe('脆弱性のお知らせ');
  });

  it('prefers the HTTP charset over the declaration (RFC 7303)', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><a>'), eucjp, Buffer.from('</a>')]);
    expect(decodeFeedBytes(bytes, 'EUC-JP')).toBe('<?xml version="1.0" encoding="Shift_JIS"?><a>脆弱性のお知らせ</a>');
  });

  it('honours a UTF-8 BOM and strips it', () => {
    expect(decodeFeedBytes(Buffer.from([0xef, 0xbb, 0xbf, 0x3c, 0x61, 0x2f, 0x3e]))).toBe('<a/>');
  });

  it('names an unknown encoding', () => {
    const error = parseError(() => decodeFeedBytes(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>'), null, 'k.xml'));
    expect(error.message).toBe('k.xml: unsupported character encoding "x-klingon"');
  });
});

describe('decodeXmlEntities', () => {
  it('decodes the five XML entities and character references once', () => {
    expect(decodeXmlEntities('&lt;&gt;&amp;&quot;&apos; &#65;&#x1F600; &amp;lt;')).toBe('<>&"\' A😀 &lt;');
  });

  it('leaves unknown and prototype-named entities literal and replaces invalid code points', () => {
    expect(decodeXmlEntities('&nbsp; &constructor; &__proto__; &#0; &#x110000; &#xD800;')).toBe('&nbsp; &constructor; &__proto__; \uFFFD \uFFFD \uFFFD');
  });
});

describe('parseFeedDate', () => {
  it.each([
    ['Thu, 28 May 2026 09:00:00 +0900', '2026-05-28T00:00:00.000Z'],
    ['Wed, 27 May 2026 17:00:00 +0000', '2026-05-27T17:00:00.000Z'],
    ['Wed, 27 May 2026 17:00:00 GMT', '2026-05-27T17:00:00.000Z'],
    ['27 May 2026 17:00 -0530', '2026-05-27T22:30:00.000Z'],
    ['Tue, 2 Jun 26 08:00 EST', '2026-06-02T13:00:00.000Z'],
    ['Mon, 01 June 2026 09:00:00 JST', '2026-06-01T00:00:00.000Z'],
    ['Mon, 01 Jun 2026 09:00:00 +09:00', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01T09:00:00+09:00', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01T09:00+09:00', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01T00:00:00.123456Z', '2026-06-01T00:00:00.123Z'],
    ['2026-06-01T00:00:00', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01', '2026-06-01T00:00:00.000Z'],
    ['  2026-06-01 10:00:00 +0200 ', '2026-06-01T08:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(parseFeedDate(input)).toBe(expected);
  });

  it.each([['not a date'], [''], ['31 Feb 2026 10:00 GMT'], ['2026-02-30'], ['Mon, 01 Jun 2026 09:00:00 XYZ'], ['2026-13-01']])('%s → null', (input) => {
    expect(parseFeedDate(input)).toBeNull();
  });
});

describe('matchesFilters', () => {
  const item = {
    title: 'Protecting customers through Coordinated Vulnerability Disclosure',
    categories: ['MSRC', 'Security Research'],
    summary: 'Details for CVE-2026-00001 are in the update guide.',
  };

  it('lets everything through without include keywords', () => {
    expect(matchesFilters(item, {})).toBe(true);
    expect(matchesFilters(item, { include: [] })).toBe(true);
    expect(matchesFilters(item, { include: ['  '] })).toBe(true);
  });

  it('matches title, categories and summary case-insensitively', () => {
    expect(matchesFilters(item, { include: ['coordinated vulnerability disclosure'] })).toBe(true);
    expect(matchesFilters(item, { include: ['security research'] })).toBe(true);
    expect(matchesFilters(item, { include: ['cve-'] })).toBe(true);
    expect(matchesFilters(item, { include: ['Patch Tuesday', 'bluehat'] })).toBe(false);
  });

  it('lets exclude win over include', () => {
    expect(matchesFilters(item, { include: ['CVE-'], exclude: ['msrc'] })).toBe(false);
    expect(matchesFilters(item, { exclude: ['nothing-like-this'] })).toBe(true);
  });

  it('matches full-width text (NFKC) and Japanese', () => {
    const ja = { title: '協調的な脆弱性開示 (CVD)', categories: [], summary: 'ＣＶＥ－2026－00001' };
    expect(matchesFilters(ja, { include: ['脆弱性開示'] })).toBe(true);
    expect(matchesFilters(ja, { include: ['cve-2026'] })).toBe(true);
  });
});

describe('presets and schemas', () => {
  it('has the expected preset URLs, all marked unconfirmed', () => {
    expect(Object.fromEntries(Object.entries(FEED_PRESETS).map(([name, p]) => [name, p.url]))).toEqual({
      msrc: 'https://msrc.microsoft.com/blog/feed',
      jvn: 'https://jvn.jp/rss/jvn.rdf',
      jvndb: 'https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf',
    });
    expect(Object.values(FEED_PRESETS).every((p) => !p.confirmed)).toBe(true);
    expect(FEED_PRESETS.msrc.defaultInclude).toEqual(['Coordinated Vulnerability Disclosure', 'CVE-']);
    expect(feedPresetNameSchema.options).toEqual(Object.keys(FEED_PRESETS));
  });

  it('drops blank filter keywords', () => {
    expect(feedFiltersSchema.parse({ include: [' CVE- ', ''] })).toEqual({ include: ['CVE-'], exclude: [] });
  });
});
