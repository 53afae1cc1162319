/**
 * Proves the fake Notion server against the real `@notionhq/client` v5 (API 2025-09-03):
 * wire shapes, schema rules, queries, validation errors, retries and fault injection.
 */
import { APIResponseError, Client, RequestTimeoutError, UnknownHTTPResponseError } from '@notionhq/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERSON_NAME, PERSON_USER_ID, startFakeNotion, type FakeNotion, type FakeNotionOptions } from './index.js';

const TOKEN = 'secret_test_token';

/** A settable clock. */
function testClock(start: string): { now: () => Date; set: (iso: string) => void } {
  let at = new Date(start);
  return { now: () => new Date(at.getTime()), set: (iso) => (at = new Date(iso)) };
}

function client(fake: FakeNotion, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}): Client {
  return new Client({
    auth: TOKEN,
    baseUrl: fake.url,
    notionVersion: '2025-09-03',
    timeoutMs: 2000,
    retry: { maxRetries: 2, initialRetryDelayMs: 10, maxRetryDelayMs: 50 },
    logger: () => undefined,
    ...extra,
  });
}

const SCHEMA = {
  'CVE ID': { title: {} },
  Severity: { select: { options: [{ name: 'Critical', color: 'red' }, { name: 'High', color: 'orange' }, { name: 'Low', color: 'gray' }] } },
  Description: { rich_text: {} },
  Resources: { multi_select: { options: [] } },
  'Due date': { date: {} },
  CVSS: { number: { format: 'number' } },
  KEV: { checkbox: {} },
  Links: { url: {} },
};

const title = (content: string): { title: { text: { content: string } }[] } => ({ title: [{ text: { content } }] });
const rich = (...parts: string[]): { rich_text: { text: { content: string } }[] } => ({ rich_text: parts.map((content) => ({ text: { content } })) });

/** Calls `fn`, expecting a Notion error; returns it. */
async function apiError(fn: () => Promise<unknown>): Promise<APIResponseError> {
  try {
    await fn();
  } catch (err) {
    if (APIResponseError.isAPIResponseError(err)) return err;
    throw err;
  }
  throw new Error('expected an APIResponseError');
}

type PageLike = { id: string; last_edited_time: string; properties: Record<string, Record<string, unknown>> };
const asPage = (v: unknown): PageLike => v as PageLike;

let fake: FakeNotion;
let notion: Client;
let ids: { databaseId: string; dataSourceId: string };
const clock = testClock('2026-11-30T10:15:42.123Z');

async function setup(opts: Partial<FakeNotionOptions> = {}): Promise<void> {
  if (fake) await fake.close();
  clock.set('2026-11-30T10:15:42.123Z');
  fake = await startFakeNotion({ token: TOKEN, clock, ...opts });
  notion = client(fake);
  ids = fake.createDatabase({ title: 'Vulns', properties: SCHEMA });
}

async function createCve(key: string, extra: Record<string, unknown> = {}): Promise<PageLike> {
  return asPage(await notion.pages.create({
    parent: { type: 'data_source_id', data_source_id: ids.dataSourceId },
    properties: { 'CVE ID': title(key), ...extra } as never,
  }));
}

beforeEach(async () => setup());
afterEach(async () => {
  await fake.close();
});

describe('databases and data sources', () => {
  it('retrieves the database with its data source and no properties', async () => {
    const db = await notion.databases.retrieve({ database_id: ids.databaseId.replace(/-/g, '') });
    expect(db.object).toBe('database');
    expect('properties' in db).toBe(false);
    expect((db as { data_sources: unknown }).data_sources).toEqual([{ id: ids.dataSourceId, name: 'Vulns' }]);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: `/v1/databases/${ids.databaseId.replace(/-/g, '')}`, status: 200 });
    const ds = await notion.dataSources.retrieve({ data_source_id: ids.dataSourceId });
    expect(ds.object).toBe('data_source');
    const props = (ds as { properties: Record<string, { type: string; id: string }> }).properties;
    expect(Object.keys(props)).toEqual(Object.keys(SCHEMA));
    expect(props['CVE ID']).toMatchObject({ id: 'title', type: 'title' });
  });

  it('updates the schema: add, rename, delete, and removes select options left out', async () => {
    const before = fake.schema(ids.dataSourceId).properties as Record<string, { select: { options: { id: string; name: string }[] } }>;
    const critical = before.Severity!.select.options[0]!;
    const low = await createCve('CVE-2026-0001', { Severity: { select: { name: 'Low' } } });
    const high = await createCve('CVE-2026-0002', { Severity: { select: { name: 'High' } } });
    await notion.dataSources.update({
      data_source_id: ids.dataSourceId,
      properties: {
        Severity: { select: { options: [{ id: critical.id }, { name: 'High' }, { name: 'Medium', color: 'yellow' }] } },
        Links: { name: 'Link' },
        KEV: null,
        EPSS: { number: {} },
      } as never,
    });
    const props = fake.schema(ids.dataSourceId).properties as Record<string, { type: string; select?: { options: { name: string; color: string }[] } }>;
    expect(Object.keys(props)).toEqual(['CVE ID', 'Severity', 'Description', 'Resources', 'Due date', 'CVSS', 'Link', 'EPSS']);
    expect(props.Severity!.select!.options.map((o) => [o.name, o.color])).toEqual([['Critical', 'red'], ['High', 'orange'], ['Medium', 'yellow']]);
    expect(asPage(fake.page(low.id)).properties.Severity).toEqual({ id: expect.any(String), type: 'select', select: null });
    expect((asPage(fake.page(high.id)).properties.Severity!.select as { name: string }).name).toBe('High');
    expect(asPage(fake.page(high.id)).properties.KEV).toBeUndefined();

    const color = await apiError(() => notion.dataSources.update({
      data_source_id: ids.dataSourceId,
      properties: { Severity: { select: { options: [{ name: 'Critical', color: 'blue' }, { name: 'High' }, { name: 'Medium' }] } } } as never,
    }));
    expect([color.status, color.code, color.message]).toEqual([400, 'validation_error', 'Cannot update color of select with name: Critical.']);
    const retitle = await apiError(() => notion.dataSources.update({ data_source_id: ids.dataSourceId, properties: { 'CVE ID': { rich_text: {} } } as never }));
    expect(retitle.code).toBe('validation_error');
    expect(retitle.message).toBe('Cannot change the type of the title property CVE ID.');
    const comma = await apiError(() => notion.dataSources.update({ data_source_id: ids.dataSourceId, properties: { Tags: { multi_select: { options: [{ name: 'a,b' }] } } } as never }));
    expect(comma.code).toBe('validation_error');
    const missing = await apiError(() => notion.dataSources.update({ data_source_id: ids.dataSourceId, properties: { Ghost: null } as never }));
    expect(missing.message).toBe('Ghost is not a property that exists.');
  });
});

describe('pages', () => {
  it('creates, retrieves, queries and updates pages in response shape', async () => {
    const created = await createCve('CVE-2024-3094', {
      Severity: { select: { name: 'Critical' } },
      Description: rich('xz ', 'backdoor'),
      Resources: { multi_select: [{ name: 'repo-a' }, { name: 'repo-b' }] },
      'Due date': { date: { start: '2026-12-07' } },
      CVSS: { number: 10 },
      KEV: { checkbox: true },
      Links: { url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-3094' },
    });
    expect(created).toMatchObject({
      object: 'page', in_trash: false, archived: false,
      created_time: '2026-11-30T10:15:00.000Z', last_edited_time: '2026-11-30T10:15:00.000Z',
      created_by: { object: 'user', id: fake.botUserId },
      parent: { type: 'data_source_id', data_source_id: ids.dataSourceId, database_id: ids.databaseId },
    });
    const p = created.properties;
    expect(p['CVE ID']!.title).toEqual([{
      type: 'text', text: { content: 'CVE-2024-3094', link: null }, plain_text: 'CVE-2024-3094', href: null,
      annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
    }]);
    expect(p.Severity!.select).toEqual({ id: expect.any(String), name: 'Critical', color: 'red' });
    expect((p.Description!.rich_text as { plain_text: string }[]).map((r) => r.plain_text)).toEqual(['xz ', 'backdoor']);
    expect((p.Resources!.multi_select as { name: string }[]).map((o) => o.name)).toEqual(['repo-a', 'repo-b']);
    expect(p['Due date']!.date).toEqual({ start: '2026-12-07', end: null, time_zone: null });
    expect([p.CVSS!.number, p.KEV!.checkbox, p.Links!.url]).toEqual([10, true, 'https://nvd.nist.gov/vuln/detail/CVE-2024-3094']);
    // new multi_select options were added to the schema
    const schemaRes = fake.schema(ids.dataSourceId).properties as Record<string, { multi_select?: { options: { name: string }[] } }>;
    expect(schemaRes.Resources!.multi_select!.options.map((o) => o.name)).toEqual(['repo-a', 'repo-b']);

    await createCve('CVE-2024-0001');
    const found = await notion.dataSources.query({ data_source_id: ids.dataSourceId, filter: { property: 'CVE ID', title: { equals: 'CVE-2024-3094' } } });
    expect(found.results.map((r) => r.id)).toEqual([created.id]);
    expect([found.has_more, found.next_cursor]).toEqual([false, null]);

    clock.set('2026-11-30T11:02:59.999Z');
    const updated = asPage(await notion.pages.update({
      page_id: created.id,
      properties: { Description: rich('replaced'), Resources: { multi_select: [{ name: 'repo-c' }] } } as never,
    }));
    expect(updated.last_edited_time).toBe('2026-11-30T11:02:00.000Z');
    expect((updated.properties.Description!.rich_text as { plain_text: string }[]).map((r) => r.plain_text)).toEqual(['replaced']);
    expect((updated.properties.Resources!.multi_select as { name: string }[]).map((o) => o.name)).toEqual(['repo-c']);
    expect(updated.properties.CVSS!.number).toBe(10); // not sent → unchanged
    const retrieved = asPage(await notion.pages.retrieve({ page_id: created.id }));
    expect(retrieved).toEqual(updated);

    const trashed = asPage(await notion.pages.update({ page_id: created.id, in_trash: true }));
    expect((trashed as unknown as { in_trash: boolean }).in_trash).toBe(true);
    const after = await notion.dataSources.query({ data_source_id: ids.dataSourceId });
    expect(after.results).toHaveLength(1);
    const archived = await apiError(() => notion.pages.update({ page_id: created.id, properties: { CVSS: { number: 1 } } }));
    expect(archived.message).toBe("Can't edit block that is archived. You must unarchive the block before editing.");
  });

  it('accepts a database_id parent only for single-source databases', async () => {
    const page = await notion.pages.create({ parent: { database_id: ids.databaseId }, properties: { 'CVE ID': title('CVE-1') } as never });
    expect(asPage(page).properties['CVE ID']!.title).toHaveLength(1);
    fake.addDataSource(ids.databaseId, { title: 'Second', properties: { Name: { title: {} } } });
    const err = await apiError(() => notion.pages.create({ parent: { database_id: ids.databaseId }, properties: {} }));
    expect(err.code).toBe('validation_error');
  });

  it('paginates queries with cursors and refuses page_size over 100', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await createCve(`CVE-2026-${i}`)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    const pages: boolean[] = [];
    do {
      const res = await notion.dataSources.query({ data_source_id: ids.dataSourceId, page_size: 3, ...(cursor ? { start_cursor: cursor } : {}) });
      seen.push(...res.results.map((r) => r.id));
      pages.push(res.has_more);
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(created);
    expect(pages).toEqual([true, true, false]);
    const big = await apiError(() => notion.dataSources.query({ data_source_id: ids.dataSourceId, page_size: 101 }));
    expect([big.status, big.code, big.message]).toEqual([400, 'validation_error', 'body.page_size should be ≤ `100`, instead was `101`.']);
  });

  it('filters and sorts on last_edited_time (minute-rounded) and sees edits made as a person', async () => {
    const a = await createCve('CVE-A', { Severity: { select: { name: 'High' } } });
    const b = await createCve('CVE-B');
    const c = await createCve('CVE-C');
    clock.set('2026-11-30T10:20:31.000Z');
    await notion.pages.update({ page_id: c.id, properties: { CVSS: { number: 5 } } });
    clock.set('2026-11-30T10:21:05.000Z');
    const edited = asPage(fake.editPageAsPerson(a.id, { Severity: { select: { name: 'Critical' } }, Description: rich('looked at it') }));
    expect(edited.last_edited_time).toBe('2026-11-30T10:21:00.000Z');
    const res = await notion.dataSources.query({
      data_source_id: ids.dataSourceId,
      filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '2026-11-30T10:20:00.000Z' } },
      sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
    });
    expect(res.results.map((r) => r.id)).toEqual([c.id, a.id]);
    const pa = asPage(res.results[1]);
    expect((pa.properties.Severity!.select as { name: string }).name).toBe('Critical');
    expect((res.results[1] as unknown as { last_edited_by: unknown }).last_edited_by).toEqual({ object: 'user', id: PERSON_USER_ID });
    const after = await notion.dataSources.query({
      data_source_id: ids.dataSourceId,
      filter: {
        and: [
          { timestamp: 'last_edited_time', last_edited_time: { after: '2026-11-30T10:20:00.000Z' } },
          { or: [{ property: 'Severity', select: { equals: 'Critical' } }, { property: 'CVSS', number: { greater_than: 9 } }] },
        ],
      },
      sorts: [{ timestamp: 'last_edited_time', direction: 'descending' }],
    });
    expect(after.results.map((r) => r.id)).toEqual([a.id]);
    const desc = await notion.dataSources.query({ data_source_id: ids.dataSourceId, sorts: [{ timestamp: 'last_edited_time', direction: 'descending' }] });
    expect(desc.results.map((r) => r.id)).toEqual([a.id, c.id, b.id]);
    const text = await notion.dataSources.query({ data_source_id: ids.dataSourceId, filter: { property: 'Description', rich_text: { contains: 'LOOKED' } } });
    expect(text.results.map((r) => r.id)).toEqual([a.id]);
    const deep = await apiError(() => notion.dataSources.query({
      data_source_id: ids.dataSourceId,
      filter: { and: [{ or: [{ and: [{ property: 'KEV', checkbox: { equals: true } }] }] }] } as never,
    }));
    expect(deep.code).toBe('validation_error');
  });

  it('keeps exact timestamps when rounding is disabled', async () => {
    await setup({ roundTimestamps: false });
    const page = await createCve('CVE-X');
    expect(page.last_edited_time).toBe('2026-11-30T10:15:42.123Z');
  });

  it('stops at the query cap with request_status incomplete', async () => {
    await setup({ queryCap: 5 });
    for (let i = 0; i < 8; i++) await createCve(`CVE-${i}`);
    const first = await notion.dataSources.query({ data_source_id: ids.dataSourceId, page_size: 3 });
    expect([first.results.length, first.has_more]).toEqual([3, true]);
    const second = await notion.dataSources.query({ data_source_id: ids.dataSourceId, page_size: 3, start_cursor: first.next_cursor! });
    expect([second.results.length, second.has_more, second.next_cursor]).toEqual([2, false, null]);
    expect((second as unknown as { request_status: unknown }).request_status).toEqual({ type: 'incomplete', incomplete_reason: 'query_result_limit_reached' });
    const small = await notion.dataSources.query({ data_source_id: ids.dataSourceId, filter: { property: 'CVE ID', title: { starts_with: 'cve-1' } } });
    expect(small.results).toHaveLength(1);
    expect('request_status' in small).toBe(false);
  });
});

describe('validation errors surface as APIResponseError', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown property', { Nope: rich('x') }, 'Nope is not a property that exists.'],
    ['wrong value shape', { Severity: rich('High') }, 'Severity is expected to be select.'],
    ['rich text > 2000', { Description: rich('x'.repeat(2001)) }, 'body.properties.Description.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.'],
    ['> 100 rich text elements', { Description: rich(...Array.from({ length: 101 }, () => 'a')) }, 'body.properties.Description.rich_text.length should be ≤ `100`, instead was `101`.'],
    ['multi_select > 100', { Resources: { multi_select: Array.from({ length: 101 }, (_, i) => ({ name: `r${i}` })) } }, 'body.properties.Resources.multi_select.length should be ≤ `100`, instead was `101`.'],
    ['comma in select', { Severity: { select: { name: 'High, really' } } }, 'body.properties.Severity.select.name should not contain commas, instead was `"High, really"`. Select option names cannot contain commas.'],
    ['comma in multi_select', { Resources: { multi_select: [{ name: 'a,b' }] } }, 'body.properties.Resources.multi_select[0].name should not contain commas, instead was `"a,b"`. Select option names cannot contain commas.'],
    ['invalid date', { 'Due date': { date: { start: '2026-02-30' } } }, 'body.properties.Due date.date.start should be a valid ISO 8601 date string, instead was `"2026-02-30"`.'],
    ['url > 2000', { Links: { url: `https://x/${'a'.repeat(1991)}` } }, 'body.properties.Links.url.length should be ≤ `2000`, instead was `2001`.'],
    ['number as string', { CVSS: { number: '9.8' } }, 'body.properties.CVSS.number should be a number or `null`, instead was `"9.8"`.'],
  ];
  it.each(cases)('%s', async (_name, properties, message) => {
    const err = await apiError(() => notion.pages.create({ parent: { data_source_id: ids.dataSourceId }, properties: { 'CVE ID': title('CVE-1'), ...properties } as never }));
    expect([err.status, err.code, err.message]).toEqual([400, 'validation_error', message]);
    expect(err.request_id).toBe(fake.requests.at(-1)!.requestId);
    expect(fake.pages(ids.dataSourceId)).toHaveLength(0);
    // nothing half-applied: no option was auto-added by the failed request
    const sev = (fake.schema(ids.dataSourceId).properties as Record<string, { select?: { options: unknown[] } }>).Severity!;
    expect(sev.select!.options).toHaveLength(3);
  });

  it('404 object_not_found for unknown ids; 400 for malformed ids', async () => {
    const err = await apiError(() => notion.pages.retrieve({ page_id: '00000000-0000-4000-8000-000000000000' }));
    expect([err.status, err.code]).toEqual([404, 'object_not_found']);
    expect(err.message).toBe('Could not find page with ID: 00000000-0000-4000-8000-000000000000. Make sure the relevant pages and databases are shared with your integration.');
    const ds = await apiError(() => notion.dataSources.query({ data_source_id: ids.databaseId }));
    expect(ds.code).toBe('object_not_found');
    const bad = await apiError(() => notion.pages.retrieve({ page_id: 'not-an-id' }));
    expect([bad.status, bad.code]).toEqual([400, 'validation_error']);
  });

  it('401 unauthorized for a wrong token', async () => {
    const other = client(fake, { auth: 'secret_wrong' });
    const err = await apiError(() => other.databases.retrieve({ database_id: ids.databaseId }));
    expect([err.status, err.code, err.message]).toEqual([401, 'unauthorized', 'API token is invalid.']);
  });

  it('missing Notion-Version is 400 missing_version, which the SDK reports as UnknownHTTPResponseError', async () => {
    const stripVersion: typeof fetch = (url, init) => {
      const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).filter(([k]) => k.toLowerCase() !== 'notion-version'));
      return fetch(url, { ...init, headers });
    };
    const noVersion = client(fake, { fetch: stripVersion as never });
    const err = await noVersion.databases.retrieve({ database_id: ids.databaseId }).catch((e: unknown) => e);
    expect(UnknownHTTPResponseError.isUnknownHTTPResponseError(err)).toBe(true);
    expect((err as UnknownHTTPResponseError).status).toBe(400);
    expect(JSON.parse((err as UnknownHTTPResponseError).body)).toMatchObject({ object: 'error', status: 400, code: 'missing_version' });
    expect(fake.requests).toHaveLength(1); // never retried
    const wrong = client(fake, { notionVersion: '2022-06-28' });
    expect((await apiError(() => wrong.databases.retrieve({ database_id: ids.databaseId }))).code).toBe('validation_error');
  });

  it('413 for a body over 500 KB (UNCONFIRMED status) and invalid_json for malformed JSON', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'notion-version': '2025-09-03', 'content-type': 'application/json' };
    const big = await fetch(`${fake.url}/v1/pages`, { method: 'POST', headers, body: JSON.stringify({ pad: 'x'.repeat(500_001) }) });
    expect(big.status).toBe(413);
    expect(big.headers.get('x-notion-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await fetch(`${fake.url}/v1/pages`, { method: 'POST', headers, body: '{"parent":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ object: 'error', status: 400, code: 'invalid_json', message: 'Error parsing JSON body.' });
  });
});

describe('faults and SDK retries', () => {
  const pagesPath = /^\/v1\/pages$/;
  const create = (key: string): Promise<unknown> =>
    notion.pages.create({ parent: { type: 'data_source_id', data_source_id: ids.dataSourceId }, properties: { 'CVE ID': title(key) } as never });
  const posts = (): number => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pages').length;

  it('429 carries Retry-After and rate_limit_reason', async () => {
    fake.inject({ method: 'POST', path: pagesPath, times: 1, status: 429, retryAfter: 1 });
    const res = await fetch(`${fake.url}/v1/pages`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'notion-version': '2025-09-03' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('x-notion-request-id')).toBe(fake.requests[0]!.requestId);
    expect(await res.json()).toEqual({
      object: 'error', status: 429, code: 'rate_limited', message: 'You have been rate limited. Please try again in a few minutes.',
      request_id: fake.requests[0]!.requestId, additional_data: { rate_limit_reason: 'public_api_request_rate_limit' },
    });
  });

  it('429 is retried by the SDK (even for POST), honouring Retry-After', async () => {
    fake.inject({ method: 'POST', path: pagesPath, times: 2, status: 429, retryAfter: 1 });
    await create('CVE-1'); // test client caps the delay at 50 ms
    expect(fake.requests.map((r) => [r.status, r.fault])).toEqual([[429, true], [429, true], [200, false]]);

    fake.requests.length = 0;
    fake.inject({ method: 'POST', path: pagesPath, times: 1, status: 429, retryAfter: 1 });
    const patient = client(fake, { retry: { maxRetries: 2, initialRetryDelayMs: 10, maxRetryDelayMs: 5000 } });
    await patient.pages.create({ parent: { data_source_id: ids.dataSourceId }, properties: { 'CVE ID': title('CVE-2') } as never });
    const [refused, ok] = fake.requests;
    expect([refused!.status, ok!.status]).toEqual([429, 200]);
    expect(ok!.at - refused!.at).toBeGreaterThanOrEqual(950);
    expect(fake.pages(ids.dataSourceId)).toHaveLength(2);
  });

  it('500 on POST /pages is not retried; 500 on GET is', async () => {
    fake.inject({ method: 'POST', path: pagesPath, times: 1, status: 500 });
    const err = await apiError(() => create('CVE-1'));
    expect([err.status, err.code]).toEqual([500, 'internal_server_error']);
    expect(posts()).toBe(1);
    expect(fake.pages(ids.dataSourceId)).toHaveLength(0);
    fake.inject({ method: 'GET', path: /^\/v1\/databases\//, times: 1, status: 500 });
    await notion.databases.retrieve({ database_id: ids.databaseId });
    expect(fake.requests.filter((r) => r.path.startsWith('/v1/databases/')).map((r) => r.status)).toEqual([500, 200]);
  });

  it('afterApply + 500: the page is created once although the client saw an error', async () => {
    fake.inject({ method: 'POST', path: pagesPath, times: 1, status: 500, afterApply: true });
    const err = await apiError(() => create('CVE-2024-3094'));
    expect(err.code).toBe('internal_server_error');
    expect(posts()).toBe(1);
    const lookup = await notion.dataSources.query({ data_source_id: ids.dataSourceId, filter: { property: 'CVE ID', title: { equals: 'CVE-2024-3094' } } });
    expect(lookup.results).toHaveLength(1);
    expect(fake.pages(ids.dataSourceId)).toHaveLength(1);
  });

  it('afterApply + hang: the client times out but the update was applied', async () => {
    const page = asPage(await create('CVE-1'));
    const impatient = client(fake, { timeoutMs: 200 });
    fake.inject({ method: 'PATCH', path: /^\/v1\/pages\//, times: 1, afterApply: true, hang: true });
    const err = await impatient.pages.update({ page_id: page.id, properties: { CVSS: { number: 7.5 } } }).catch((e: unknown) => e);
    expect(RequestTimeoutError.isRequestTimeoutError(err)).toBe(true);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'PATCH', status: 0, fault: true });
    expect(asPage(fake.page(page.id)).properties.CVSS!.number).toBe(7.5);
  });

  it('non-JSON 502 becomes UnknownHTTPResponseError and is not retried', async () => {
    fake.inject({ path: /^\/v1\/data_sources\//, times: 1, status: 502, nonJson: true });
    const err = await notion.dataSources.retrieve({ data_source_id: ids.dataSourceId }).catch((e: unknown) => e);
    expect(UnknownHTTPResponseError.isUnknownHTTPResponseError(err)).toBe(true);
    expect((err as UnknownHTTPResponseError).status).toBe(502);
    expect(fake.requests).toHaveLength(1);
  });

  it('409, 503 and 504 on writes are not retried; 529 is', async () => {
    const page = asPage(await create('CVE-1'));
    fake.requests.length = 0;
    const update = (): Promise<unknown> => notion.pages.update({ page_id: page.id, properties: { CVSS: { number: 1 } } });
    for (const [status, code] of [[409, 'conflict_error'], [503, 'service_unavailable'], [504, 'gateway_timeout']] as const) {
      fake.inject({ method: 'PATCH', times: 1, status });
      const err = await apiError(update);
      expect([err.status, err.code]).toEqual([status, code]);
    }
    expect(fake.requests.map((r) => r.status)).toEqual([409, 503, 504]);
    fake.inject({ method: 'PATCH', times: 2, status: 529 });
    await update();
    expect(fake.requests.slice(3).map((r) => [r.status, r.code])).toEqual([[529, 'service_overload'], [529, 'service_overload'], [200, undefined]]);
    fake.inject({ method: 'PATCH', times: 3, status: 529 });
    expect((await apiError(update)).code).toBe('service_overload');
  });

  it('rate-limit mode refuses requests above N per rolling second and counts them', async () => {
    await setup({ rateLimit: { perSecond: 3 } });
    const headers = { authorization: `Bearer ${TOKEN}`, 'notion-version': '2025-09-03' };
    const res = await Promise.all(Array.from({ length: 8 }, () => fetch(`${fake.url}/v1/databases/${ids.databaseId}`, { headers })));
    const statuses = res.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    const refused = res.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ object: 'error', status: 429, code: 'rate_limited' });
    expect(fake.stats).toEqual({ requests: 8, rateLimited: 5 });
    // the SDK retries through it (Retry-After capped by maxRetryDelayMs in tests)
    const patient = client(fake, { retry: { maxRetries: 5, initialRetryDelayMs: 10, maxRetryDelayMs: 1100 } });
    await patient.databases.retrieve({ database_id: ids.databaseId });
    expect(fake.stats.rateLimited).toBeGreaterThanOrEqual(5);
  });
});

describe('page bodies (blocks)', () => {
  const row = (...cells: string[]): Record<string, unknown> => ({ type: 'table_row', table_row: { cells: cells.map((c) => [{ type: 'text', text: { content: c } }]) } });

  it('creates children with a page, appends, lists with pagination, deletes', async () => {
    const page = asPage(await notion.pages.create({
      parent: { data_source_id: ids.dataSourceId },
      properties: { 'CVE ID': title('CVE-1') } as never,
      children: [
        { type: 'heading_2', heading_2: { rich_text: [{ type: 'text', text: { content: 'Affected resources' } }] } },
        { type: 'table', table: { table_width: 2, has_column_header: true, has_row_header: false, children: [row('Resource', 'RG'), row('vm-1', 'rg-a')] } },
      ] as never,
    }));
    const top = fake.blocks(page.id);
    expect(top.map((b) => [b.type, b.has_children])).toEqual([['heading_2', false], ['table', true]]);
    const rows = fake.blocks(top[1]!.id as string);
    expect(rows.map((r) => ((r.table_row as { cells: { plain_text: string }[][] }).cells.map((c) => c[0]!.plain_text)))).toEqual([['Resource', 'RG'], ['vm-1', 'rg-a']]);

    const paragraphs = Array.from({ length: 5 }, (_, i) => ({ type: 'paragraph', paragraph: { rich_text: [{ type: 'text', text: { content: `p${i}` } }] } }));
    const appended = await notion.blocks.children.append({ block_id: page.id, children: paragraphs as never });
    expect(appended.results).toHaveLength(5);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await notion.blocks.children.list({ block_id: page.id, page_size: 4, ...(cursor ? { start_cursor: cursor } : {}) });
      listed.push(...res.results.map((b) => (b as { type: string }).type));
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual(['heading_2', 'table', 'paragraph', 'paragraph', 'paragraph', 'paragraph', 'paragraph']);

    await notion.blocks.delete({ block_id: top[0]!.id as string });
    expect(fake.blocks(page.id)).toHaveLength(6);

    const tooMany = Array.from({ length: 101 }, () => paragraphs[0]);
    const err = await apiError(() => notion.blocks.children.append({ block_id: page.id, children: tooMany as never }));
    expect(err.message).toBe('body.children.length should be ≤ `100`, instead was `101`.');
    const long = await apiError(() => notion.blocks.children.append({
      block_id: page.id, children: [{ paragraph: { rich_text: [{ text: { content: 'y'.repeat(2001) } }] } }] as never,
    }));
    expect(long.message).toBe('body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.');
    const badRow = await apiError(() => notion.blocks.children.append({
      block_id: page.id, children: [{ type: 'table', table: { table_width: 3, children: [row('a', 'b')] } }] as never,
    }));
    expect(badRow.code).toBe('validation_error');
  });
});

describe('users and the Date header', () => {
  it('GET /v1/users/{id} knows the bot, the default person and added users; unknown ids are 404', async () => {
    const bot = await notion.users.retrieve({ user_id: fake.botUserId });
    expect(bot).toMatchObject({ object: 'user', id: fake.botUserId, type: 'bot', name: 'vulnledger (integration)' });
    const person = await notion.users.retrieve({ user_id: PERSON_USER_ID });
    expect(person).toMatchObject({ object: 'user', id: PERSON_USER_ID, type: 'person', name: PERSON_NAME });
    const id = 'c3c3c3c3-0000-4000-8000-000000000003';
    fake.addUser(id, 'Taro Suzuki');
    expect((await notion.users.retrieve({ user_id: id.replace(/-/g, '') })).name).toBe('Taro Suzuki');
    const missing = await apiError(() => notion.users.retrieve({ user_id: '00000000-0000-4000-8000-00000000000f' }));
    expect([missing.status, missing.code]).toEqual([404, 'object_not_found']);
  });

  it('every response carries a Date header from the injected clock, errors included', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'notion-version': '2025-09-03' };
    const ok = await fetch(`${fake.url}/v1/databases/${ids.databaseId}`, { headers });
    expect(ok.headers.get('date')).toBe('Mon, 30 Nov 2026 10:15:42 GMT');
    clock.set('2026-12-01T00:00:05.000Z');
    const err = await fetch(`${fake.url}/v1/pages/00000000-0000-4000-8000-000000000000`, { headers });
    expect([err.status, err.headers.get('date')]).toEqual([404, 'Tue, 01 Dec 2026 00:00:05 GMT']);
  });
});
