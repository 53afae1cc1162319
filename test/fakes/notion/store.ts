/**
 * In-memory Notion workspace behind the fake server: databases → data sources → pages → blocks.
 * Every method validates like the real API (throws NotionFakeError) and returns response shapes.
 */
import { randomUUID } from 'node:crypto';
import { parseBlocks, type ParsedBlock } from './blocks.js';
import { notFound, validation } from './errors.js';
import { compileFilter, compileSorts } from './query.js';
import { applySchemaUpdate, propertyOut } from './schema.js';
import type { BlockRecord, DatabaseRecord, DataSourceRecord, FakeClock, PageRecord, SchemaProperty } from './types.js';
import {
  dashed, emptyValue, isNotionId, isRecord, NOTION_LIMITS, parsePropertyValue, parseRichText, plainText, shown, type PendingOptions,
} from './validate.js';

export interface StoreOptions {
  clock: FakeClock;
  /** Round created/last_edited times down to the minute like Notion (default true). */
  roundTimestamps: boolean;
  /** Rows one query can return before `query_result_limit_reached` (Notion: 10,000). */
  queryCap: number;
  /** User id of the integration (the bot) that makes API changes. */
  botUserId: string;
}

type JsonObject = Record<string, unknown>;

const ARCHIVED_MESSAGE = "Can't edit block that is archived. You must unarchive the block before editing.";

function hex(id: string): string {
  return id.replace(/-/g, '');
}

/** Validates an id taken from the URL path (`path.page_id should be a valid uuid`). */
export function pathId(name: string, raw: string): string {
  if (!isNotionId(raw)) throw validation(`path failed validation: path.${name} should be a valid uuid, instead was ${shown(raw)}.`);
  return dashed(raw);
}

function bodyId(path: string, raw: string): string {
  if (!isNotionId(raw)) throw validation(`${path} should be a valid uuid, instead was ${shown(raw)}.`);
  return dashed(raw);
}

function pageSizeOf(path: string, raw: unknown): number {
  if (raw === undefined) return NOTION_LIMITS.pageSize;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw validation(`${path} should be an integer, instead was ${shown(raw)}.`);
  if (raw < 1) throw validation(`${path} should be ≥ \`1\`, instead was \`${raw}\`.`);
  if (raw > NOTION_LIMITS.pageSize) throw validation(`${path} should be ≤ \`${NOTION_LIMITS.pageSize}\`, instead was \`${raw}\`.`);
  return raw;
}

export class NotionStore {
  private readonly databases = new Map<string, DatabaseRecord>();
  private readonly dataSources = new Map<string, DataSourceRecord>();
  private readonly pageRecords = new Map<string, PageRecord>();
  private readonly blockRecords = new Map<string, BlockRecord>();
  private readonly childIds = new Map<string, string[]>();
  private seq = 0;

  private readonly users = new Map<string, { name: string | null; type: 'person' | 'bot' }>();

  constructor(private readonly opts: StoreOptions) {
    this.users.set(opts.botUserId, { name: 'vulnledger (integration)', type: 'bot' });
  }

  // ---- users ----------------------------------------------------------------------------------

  /** Test control: a workspace member (or bot) `GET /v1/users/{id}` knows. */
  addUser(id: string, name: string | null, type: 'person' | 'bot' = 'person'): void {
    this.users.set(dashed(id), { name, type });
  }

  /** `GET /v1/users/{id}`. */
  userOut(id: string): JsonObject {
    const user = this.users.get(dashed(id));
    if (!user) throw notFound('user', id);
    const base = { object: 'user', id: dashed(id), type: user.type, name: user.name, avatar_url: null };
    return user.type === 'bot' ? { ...base, bot: {} } : { ...base, person: {} };
  }

  /** Current time as Notion would stamp it. */
  stamp(): string {
    const ms = this.opts.clock.now().getTime();
    return new Date(this.opts.roundTimestamps ? ms - (ms % 60_000) : ms).toISOString();
  }

  private user(id: string): { object: 'user'; id: string } {
    return { object: 'user', id };
  }

  // ---- databases and data sources -------------------------------------------------------------

  /** Test control: a database with one data source (schema in request shape, one title property). */
  createDatabase(title: string, properties: Record<string, unknown>): { databaseId: string; dataSourceId: string } {
    const change = applySchemaUpdate([], properties);
    const now = this.stamp();
    const titleRt = parseRichText('title', [{ text: { content: title } }]);
    const db: DatabaseRecord = { id: randomUUID(), title: titleRt, dataSourceIds: [], parentPageId: randomUUID(), createdTime: now, lastEditedTime: now };
    const ds: DataSourceRecord = { id: randomUUID(), databaseId: db.id, title: titleRt, properties: change.properties, createdTime: now, lastEditedTime: now, lastEditedBy: this.opts.botUserId };
    db.dataSourceIds.push(ds.id);
    this.databases.set(db.id, db);
    this.dataSources.set(ds.id, ds);
    return { databaseId: db.id, dataSourceId: ds.id };
  }

  /** Test control: a second (or further) data source in an existing database. */
  addDataSource(databaseId: string, title: string, properties: Record<string, unknown>): string {
    const db = this.database(databaseId);
    const now = this.stamp();
    const ds: DataSourceRecord = {
      id: randomUUID(), databaseId: db.id, title: parseRichText('title', [{ text: { content: title } }]),
      properties: applySchemaUpdate([], properties).properties, createdTime: now, lastEditedTime: now, lastEditedBy: this.opts.botUserId,
    };
    db.dataSourceIds.push(ds.id);
    this.dataSources.set(ds.id, ds);
    return ds.id;
  }

  private database(id: string): DatabaseRecord {
    const db = this.databases.get(dashed(id));
    if (!db) throw notFound('database', id);
    return db;
  }

  dataSource(id: string): DataSourceRecord {
    const ds = this.dataSources.get(dashed(id));
    if (!ds) throw notFound('data_source', id);
    return ds;
  }

  databaseOut(id: string): JsonObject {
    const db = this.database(id);
    return {
      object: 'database', id: db.id, title: db.title, description: [], parent: { type: 'page_id', page_id: db.parentPageId },
      is_inline: false, in_trash: false, archived: false, is_locked: false, created_time: db.createdTime, last_edited_time: db.lastEditedTime,
      data_sources: db.dataSourceIds.map((d) => ({ id: d, name: plainText(this.dataSource(d).title) })),
      icon: null, cover: null, url: `https://app.notion.com/p/${hex(db.id)}`, public_url: null,
    };
  }

  dataSourceOut(id: string): JsonObject {
    const ds = this.dataSource(id);
    const parent = { type: 'database_id', database_id: ds.databaseId };
    return {
      object: 'data_source', id: ds.id, title: ds.title, description: [], parent,
      database_parent: { type: 'page_id', page_id: this.database(ds.databaseId).parentPageId },
      is_inline: false, in_trash: false, archived: false, created_time: ds.createdTime, last_edited_time: ds.lastEditedTime,
      created_by: this.user(this.opts.botUserId), last_edited_by: this.user(ds.lastEditedBy),
      properties: Object.fromEntries(ds.properties.map((p) => [p.name, propertyOut(p)])),
      icon: null, cover: null, url: `https://app.notion.com/p/${hex(ds.databaseId)}`, public_url: null,
    };
  }

  /** `PATCH /v1/data_sources/{id}`: schema update (and optional `title`). */
  updateDataSource(id: string, body: JsonObject): JsonObject {
    const ds = this.dataSource(id);
    const title = body.title === undefined ? undefined : parseRichText('body.title', body.title);
    if (body.properties !== undefined) {
      const change = applySchemaUpdate(ds.properties, body.properties);
      ds.properties = change.properties;
      for (const page of this.pageRecords.values()) {
        if (page.dataSourceId !== ds.id) continue;
        for (const pid of [...change.deleted, ...change.retyped]) page.values.delete(pid);
        for (const [pid, removed] of change.removedOptions) {
          const v = page.values.get(pid);
          if (Array.isArray(v)) page.values.set(pid, v.filter((o: { id: string }) => !removed.has(o.id)));
          else if (isRecord(v) && typeof v.id === 'string' && removed.has(v.id)) page.values.set(pid, null);
        }
      }
    }
    if (title) ds.title = title;
    ds.lastEditedTime = this.stamp();
    ds.lastEditedBy = this.opts.botUserId;
    return this.dataSourceOut(ds.id);
  }

  /** `POST /v1/data_sources/{id}/query` with filter, sorts, cursor pagination and the row cap. */
  queryDataSource(id: string, body: JsonObject, filterProperties: string[]): JsonObject {
    const ds = this.dataSource(id);
    const pageSize = pageSizeOf('body.page_size', body.page_size);
    const predicate = body.filter === undefined ? () => true : compileFilter(body.filter, ds.properties);
    const compare = compileSorts(body.sorts, ds.properties);
    const withTrash = body.in_trash === true || body.archived === true;
    const all = [...this.pageRecords.values()]
      .filter((p) => p.dataSourceId === ds.id && (withTrash || !p.inTrash) && predicate(p))
      .sort(compare);
    let start = 0;
    if (body.start_cursor !== undefined && body.start_cursor !== null) {
      const cursor = body.start_cursor;
      start = typeof cursor === 'string' && isNotionId(cursor) ? all.findIndex((p) => p.id === dashed(cursor)) : -1;
      if (start < 0) throw validation(`The start_cursor provided is invalid: ${String(cursor)}`);
    }
    const cap = this.opts.queryCap;
    const end = Math.min(start + pageSize, all.length, cap);
    const results = all.slice(start, Math.max(start, end)).map((p) => this.pageOut(p.id, filterProperties));
    const more = end < all.length;
    const out: JsonObject = { object: 'list', results, next_cursor: null, has_more: false, type: 'page_or_data_source', page_or_data_source: {} };
    if (more && end >= cap) out.request_status = { type: 'incomplete', incomplete_reason: 'query_result_limit_reached' };
    else if (more) Object.assign(out, { next_cursor: all[end]!.id, has_more: true });
    return out;
  }

  // ---- pages ----------------------------------------------------------------------------------

  private parseProperties(ds: DataSourceRecord, raw: unknown, pending: PendingOptions): Map<string, unknown> {
    const values = new Map<string, unknown>();
    if (raw === undefined) return values;
    if (!isRecord(raw)) throw validation(`body.properties should be an object, instead was ${shown(raw)}.`);
    for (const [key, value] of Object.entries(raw)) {
      const prop = ds.properties.find((p) => p.name === key) ?? ds.properties.find((p) => p.id === key);
      if (!prop) throw validation(`${key} is not a property that exists.`);
      values.set(prop.id, parsePropertyValue(prop, key, value, pending));
    }
    return values;
  }

  private commitOptions(ds: DataSourceRecord, pending: PendingOptions): void {
    for (const [pid, options] of pending) {
      const prop = ds.properties.find((p) => p.id === pid);
      if (prop) prop.options = [...(prop.options ?? []), ...options];
    }
  }

  page(id: string): PageRecord {
    const page = this.pageRecords.get(dashed(id));
    if (!page) throw notFound('page', id);
    return page;
  }

  /** Response shape of a page; `filterProperties` (ids or names) narrows `properties`. */
  pageOut(id: string, filterProperties: string[] = []): JsonObject {
    const p = this.page(id);
    const ds = this.dataSource(p.dataSourceId);
    const wanted = (prop: SchemaProperty): boolean => filterProperties.length === 0 || filterProperties.includes(prop.id) || filterProperties.includes(prop.name);
    const properties = Object.fromEntries(
      ds.properties.filter(wanted).map((prop) => [prop.name, { id: prop.id, type: prop.type, [prop.type]: structuredClone(p.values.get(prop.id) ?? emptyValue(prop)) }]),
    );
    return {
      object: 'page', id: p.id, created_time: p.createdTime, last_edited_time: p.lastEditedTime,
      created_by: this.user(p.createdBy), last_edited_by: this.user(p.lastEditedBy), cover: p.cover, icon: p.icon,
      parent: { type: 'data_source_id', data_source_id: p.dataSourceId, database_id: p.databaseId },
      archived: p.inTrash, in_trash: p.inTrash, is_locked: p.isLocked, properties,
      url: `https://app.notion.com/p/${hex(p.id)}`, public_url: null,
    };
  }

  /** `POST /v1/pages`. */
  createPage(body: JsonObject): JsonObject {
    const parent = body.parent;
    if (!isRecord(parent)) throw validation(`body.parent should be an object, instead was ${shown(parent)}.`);
    let ds: DataSourceRecord;
    if (typeof parent.data_source_id === 'string' && (parent.type === undefined || parent.type === 'data_source_id')) {
      ds = this.dataSource(bodyId('body.parent.data_source_id', parent.data_source_id));
    } else if (typeof parent.database_id === 'string' && (parent.type === undefined || parent.type === 'database_id')) {
      const db = this.database(bodyId('body.parent.database_id', parent.database_id));
      if (db.dataSourceIds.length !== 1) {
        throw validation(`Database ${db.id} has ${db.dataSourceIds.length} data sources; use parent.data_source_id with API version 2025-09-03.`);
      }
      ds = this.dataSource(db.dataSourceIds[0]!);
    } else {
      throw validation(`body.parent should be a data_source_id or database_id parent (the fake does not model page or workspace parents), instead was ${shown(parent)}.`);
    }
    const pending: PendingOptions = new Map();
    const values = this.parseProperties(ds, body.properties, pending);
    const children = body.children === undefined ? [] : parseBlocks(body.children);
    this.commitOptions(ds, pending);
    const now = this.stamp();
    const page: PageRecord = {
      id: randomUUID(), dataSourceId: ds.id, databaseId: ds.databaseId, seq: ++this.seq, createdTime: now, lastEditedTime: now,
      createdBy: this.opts.botUserId, lastEditedBy: this.opts.botUserId, inTrash: false, isLocked: false,
      icon: body.icon ?? null, cover: body.cover ?? null, values,
    };
    this.pageRecords.set(page.id, page);
    this.insertBlocks({ type: 'page_id', page_id: page.id }, page.id, children, undefined, this.opts.botUserId);
    return this.pageOut(page.id);
  }

  /** `PATCH /v1/pages/{id}` (and the person-edit test control when `actor` is a user id). */
  updatePage(id: string, body: JsonObject, actor = this.opts.botUserId): JsonObject {
    const page = this.page(id);
    const ds = this.dataSource(page.dataSourceId);
    const trash = body.in_trash ?? body.archived;
    if (trash !== undefined && typeof trash !== 'boolean') throw validation(`body.in_trash should be a boolean, instead was ${shown(trash)}.`);
    if (page.inTrash && trash !== false && body.properties !== undefined) throw validation(ARCHIVED_MESSAGE);
    const pending: PendingOptions = new Map();
    const values = this.parseProperties(ds, body.properties, pending);
    this.commitOptions(ds, pending);
    for (const [pid, v] of values) page.values.set(pid, v);
    if (trash !== undefined) page.inTrash = trash;
    if (body.icon !== undefined) page.icon = body.icon;
    if (body.cover !== undefined) page.cover = body.cover;
    if (typeof body.is_locked === 'boolean') page.isLocked = body.is_locked;
    page.lastEditedTime = this.stamp();
    page.lastEditedBy = actor;
    return this.pageOut(page.id);
  }

  /** Test control: all pages of a data source in creation order (trashed ones included). */
  pagesOf(dataSourceId: string): JsonObject[] {
    const ds = this.dataSource(dataSourceId);
    return [...this.pageRecords.values()].filter((p) => p.dataSourceId === ds.id).sort((a, b) => a.seq - b.seq).map((p) => this.pageOut(p.id));
  }

  // ---- blocks ---------------------------------------------------------------------------------

  private insertBlocks(parent: BlockRecord['parent'], parentId: string, blocks: ParsedBlock[], after: string | undefined, actor: string): BlockRecord[] {
    const now = this.stamp();
    const list = this.childIds.get(parentId) ?? [];
    const created: BlockRecord[] = blocks.map((b) => {
      const rec: BlockRecord = { id: randomUUID(), parent, type: b.type, payload: b.payload, createdTime: now, lastEditedTime: now, createdBy: actor, lastEditedBy: actor, inTrash: false };
      this.blockRecords.set(rec.id, rec);
      this.insertBlocks({ type: 'block_id', block_id: rec.id }, rec.id, b.children, undefined, actor);
      return rec;
    });
    const at = after === undefined ? list.length : list.indexOf(after) + 1;
    list.splice(at, 0, ...created.map((c) => c.id));
    this.childIds.set(parentId, list);
    return created;
  }

  private blockOut(b: BlockRecord): JsonObject {
    const hasChildren = (this.childIds.get(b.id) ?? []).some((c) => !this.blockRecords.get(c)?.inTrash);
    return {
      object: 'block', id: b.id, parent: b.parent, created_time: b.createdTime, last_edited_time: b.lastEditedTime,
      created_by: this.user(b.createdBy), last_edited_by: this.user(b.lastEditedBy), has_children: hasChildren,
      archived: b.inTrash, in_trash: b.inTrash, type: b.type, [b.type]: structuredClone(b.payload),
    };
  }

  /** The page a block belongs to (for last_edited_time and trash checks). */
  private rootPage(id: string): PageRecord | undefined {
    let cur: string | undefined = id;
    for (let i = 0; i < 100 && cur !== undefined; i++) {
      const page = this.pageRecords.get(cur);
      if (page) return page;
      const b = this.blockRecords.get(cur);
      cur = b ? (b.parent.type === 'page_id' ? b.parent.page_id : b.parent.block_id) : undefined;
    }
    return undefined;
  }

  private container(id: string): { parent: BlockRecord['parent']; inTrash: boolean } {
    const key = dashed(id);
    const page = this.pageRecords.get(key);
    if (page) return { parent: { type: 'page_id', page_id: page.id }, inTrash: page.inTrash };
    const block = this.blockRecords.get(key);
    if (block) return { parent: { type: 'block_id', block_id: block.id }, inTrash: block.inTrash };
    throw notFound('block', id);
  }

  /** `PATCH /v1/blocks/{id}/children`. */
  appendChildren(id: string, body: JsonObject, actor = this.opts.botUserId): JsonObject {
    const { parent, inTrash } = this.container(id);
    if (inTrash) throw validation(ARCHIVED_MESSAGE);
    if (body.children === undefined) throw validation('body.children should be defined, instead was `undefined`.');
    const blocks = parseBlocks(body.children);
    const key = dashed(id);
    let after: string | undefined;
    if (body.after !== undefined) {
      if (typeof body.after !== 'string' || !isNotionId(body.after) || !(this.childIds.get(key) ?? []).includes(dashed(body.after))) {
        throw validation(`body.after should be the id of a child block of ${key}, instead was ${shown(body.after)}.`);
      }
      after = dashed(body.after);
    }
    const created = this.insertBlocks(parent, key, blocks, after, actor);
    const page = this.rootPage(key);
    if (page) {
      page.lastEditedTime = this.stamp();
      page.lastEditedBy = actor;
    }
    return { object: 'list', results: created.map((b) => this.blockOut(b)), next_cursor: null, has_more: false, type: 'block', block: {} };
  }

  private liveChildren(id: string): BlockRecord[] {
    return (this.childIds.get(dashed(id)) ?? []).map((c) => this.blockRecords.get(c)!).filter((b) => !b.inTrash);
  }

  /** `GET /v1/blocks/{id}/children?start_cursor&page_size`. */
  listChildren(id: string, startCursor: string | undefined, pageSizeRaw: string | undefined): JsonObject {
    this.container(id);
    const pageSize = pageSizeOf('query.page_size', pageSizeRaw === undefined ? undefined : Number(pageSizeRaw));
    const all = this.liveChildren(id);
    let start = 0;
    if (startCursor !== undefined) {
      start = isNotionId(startCursor) ? all.findIndex((b) => b.id === dashed(startCursor)) : -1;
      if (start < 0) throw validation(`The start_cursor provided is invalid: ${startCursor}`);
    }
    const end = Math.min(start + pageSize, all.length);
    const more = end < all.length;
    return {
      object: 'list', results: all.slice(start, end).map((b) => this.blockOut(b)),
      next_cursor: more ? all[end]!.id : null, has_more: more, type: 'block', block: {},
    };
  }

  /** `DELETE /v1/blocks/{id}`: moves a block (or a page) to the trash. */
  deleteBlock(id: string, actor = this.opts.botUserId): JsonObject {
    const key = dashed(id);
    const page = this.pageRecords.get(key);
    if (page) {
      page.inTrash = true;
      page.lastEditedTime = this.stamp();
      page.lastEditedBy = actor;
      return this.pageOut(page.id);
    }
    const block = this.blockRecords.get(key);
    if (!block || block.inTrash) throw notFound('block', id);
    block.inTrash = true;
    block.lastEditedTime = this.stamp();
    const root = this.rootPage(key);
    if (root) root.lastEditedTime = block.lastEditedTime;
    return this.blockOut(block);
  }

  /** Test control: live direct children of a page or block. */
  blocksOf(id: string): JsonObject[] {
    return this.liveChildren(id).map((b) => this.blockOut(b));
  }

}
