/**
 * The Notion side of a sync (a `MirrorSession`): pull pages edited since a watermark, find pages
 * by case key, create pages without ever creating twice, update only the properties given, and
 * keep our section of the page body. The ledger side (what to push, applying edits) is in
 * src/app/mirror.ts.
 *
 * Pull: `last_edited_time` on or after the watermark, newest first, 100 a page. Sorting newest
 * first means a page edited while we paginate moves to the part already read (it is read again
 * next time) instead of pushing unread pages past the cursor. At Notion's 10,000-row cap the
 * query is repeated for the older part (`on_or_before` the oldest time seen). The next watermark
 * is Notion's own clock (the `Date` header) at the start of the pull, minus two minutes, rounded
 * down to the minute like `last_edited_time`: every edit from then on is read by the next pull,
 * and our own writes read back equal to what was pushed, so they are never taken for edits.
 */
import {
  MirrorPageGoneError,
  type FieldValues,
  type FoundPages,
  type MirrorCase,
  type MirrorKv,
  type MirrorSession,
  type PullResult,
  type RemotePage,
  type RenderedCase,
} from '../../core/mirror.js';
import type { Logger } from '../../core/ports.js';
import { messageOf } from '../../util/errors.js';
import { bodyBlocks, ourBlockIds } from './body.js';
import { NotionRequestError, type NotionApi, type NotionFailure } from './client.js';
import type { MappableField } from './config.js';
import { fieldSpec, optionValue, type Naming } from './fields.js';
import { readValues, toRequestValue } from './properties.js';
import { plainText, type Block, type Page, type QueryResult } from './schema.js';
import { planSchema, schemaProblems, type MatchedProperty, type SchemaPlan } from './setup.js';
import { forgetTarget, resolveTarget, type Target } from './target.js';

/** Pull overlap: edits stamped up to this long before the previous pull started are read again. */
export const PULL_OVERLAP_MS = 2 * 60_000;
/** Keys per look-up query (one `or` filter). */
export const FIND_BATCH = 100;
const SORT_NEWEST_FIRST = [{ timestamp: 'last_edited_time', direction: 'descending' }];
/** Failures after which a create may nevertheless have been applied. */
const MAYBE_APPLIED: ReadonlySet<NotionFailure> = new Set(['conflict', 'transient', 'timeout', 'network', 'bad-response']);

/** The database lacks properties vulnledger writes (or has them with another type). */
export class NotionSchemaError extends Error {
  override readonly name = 'NotionSchemaError';
}

export interface SessionDeps {
  api: NotionApi;
  /** `database:` from the config (id or URL). */
  database: string;
  naming: Naming;
  kv: MirrorKv;
  log: Logger;
  /** Our clock, used only when Notion's responses carry no `Date` header. */
  now: () => Date;
  /** Waits between create attempts (tests shorten it). */
  createBackoffMs?: number;
}

function floorMinute(ms: number): string {
  return new Date(ms - (ms % 60_000)).toISOString();
}

function titleOf(page: Page): string {
  const title = Object.values(page.properties).find((p) => p.type === 'title');
  const items = title ? (title as Record<string, unknown>).title : undefined;
  return Array.isArray(items) ? plainText(items as never).trim() : '';
}

interface SchemaView {
  plan: SchemaPlan;
  titleName: string;
  byField: Map<MappableField, MatchedProperty>;
}

/** Opens a session on the configured database (resolving its data source, cached in `kv`). */
export async function openNotionSession(deps: SessionDeps): Promise<MirrorSession> {
  const { api, naming, log } = deps;
  let target: Target = await resolveTarget(api, deps.database, deps.kv);
  let schema: SchemaView | null = null;
  const users = new Map<string, string>();
  const warned = new Set<string>();

  /** Runs `fn` on the data source; once re-resolves a cached id that no longer exists. */
  async function onTarget<T>(fn: (dataSourceId: string) => Promise<T>): Promise<T> {
    try {
      return await fn(target.dataSourceId);
    } catch (error) {
      if (!(error instanceof NotionRequestError) || error.failure !== 'not-found') throw error;
      await forgetTarget(deps.database, deps.kv);
      const fresh = await resolveTarget(api, deps.database, deps.kv);
      if (fresh.dataSourceId === target.dataSourceId) throw error;
      log.info('the database has another data source now; using it', { dataSource: fresh.dataSourceId });
      target = fresh;
      schema = null;
      return fn(target.dataSourceId);
    }
  }

  /** The schema, checked before the first write of the session. */
  async function writable(): Promise<SchemaView> {
    if (schema) return schema;
    const ds = await onTarget((id) => api.getDataSource(id));
    const plan = planSchema(ds, naming);
    const problems = schemaProblems(plan);
    if (problems.length > 0) {
      throw new NotionSchemaError(
        `Notion database "${target.title}" does not have the properties vulnledger writes — ${problems.join('; ')}. Run \`vulnledger notion setup\` to add them (nothing is deleted), or map fields to your names with "propertyNames". Nothing was written.`,
      );
    }
    for (const gap of plan.statusGaps) {
      log.warn('a status property lacks options for some values; those values are not written', { property: gap.name, missing: gap.missing });
    }
    schema = { plan, titleName: plan.titleName!, byField: new Map(plan.matched.map((m) => [m.field, m])) };
    return schema;
  }

  function toRemote(page: Page): RemotePage {
    return {
      pageId: page.id,
      url: page.url,
      key: titleOf(page),
      editedAt: page.last_edited_time,
      editedBy: page.last_edited_by.id,
      values: readValues(page.properties, naming),
    };
  }

  /** Request properties for canonical values; status values without a usable option are left out. */
  function requestProperties(values: FieldValues, view: SchemaView, key: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, text] of Object.entries(values) as Array<[keyof FieldValues, string]>) {
      if (field === 'title') {
        out[view.titleName] = toRequestValue('title', text);
        continue;
      }
      const m = view.byField.get(field);
      if (!m) continue;
      let value = text;
      if (m.type === 'status' && value !== '') {
        const spec = fieldSpec(field);
        const wanted = optionValue(spec, value);
        const option = m.options.find((o) => o === value) ?? m.options.find((o) => optionValue(spec, o) === wanted);
        if (!option) {
          const note = `${m.name}:${value}`;
          if (!warned.has(note)) log.warn('the status property has no option for this value; add it in Notion', { property: m.name, value, case: key });
          warned.add(note);
          continue;
        }
        value = option;
      }
      out[m.name] = toRequestValue(m.type, value);
    }
    return out;
  }

  async function query(body: Record<string, unknown>): Promise<QueryResult> {
    return onTarget((id) => api.query(id, body));
  }

  async function find(keys: readonly string[]): Promise<FoundPages> {
    const found: FoundPages = new Map();
    if (keys.length === 0) return found;
    const view = await writable();
    for (let i = 0; i < keys.length; i += FIND_BATCH) {
      const batch = keys.slice(i, i + FIND_BATCH);
      const wanted = new Set(batch);
      const filter = { or: batch.map((k) => ({ property: view.titleName, title: { equals: k } })) };
      let cursor: string | null = null;
      do {
        const res = await query({ filter, sorts: SORT_NEWEST_FIRST, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) });
        for (const raw of res.results) {
          if (raw.object !== 'page') continue;
          const page = toRemote(raw as unknown as Page);
          if (!wanted.has(page.key)) continue;
          const hit = found.get(page.key);
          if (!hit) found.set(page.key, { page, duplicates: [] });
          else if (hit.page.pageId !== page.pageId && !hit.duplicates.includes(page.pageId)) hit.duplicates.push(page.pageId);
        }
        cursor = res.has_more ? res.next_cursor : null;
      } while (cursor);
    }
    return found;
  }

  async function pull(since: string | null): Promise<PullResult> {
    const seen = new Map<string, RemotePage>();
    const notes: string[] = [];
    let startedAt: string | null = null;
    let upper: string | null = null;
    let complete = true;
    for (let round = 0; round < 1000; round++) {
      const bounds: Record<string, unknown>[] = [];
      if (since) bounds.push({ timestamp: 'last_edited_time', last_edited_time: { on_or_after: since } });
      if (upper) bounds.push({ timestamp: 'last_edited_time', last_edited_time: { on_or_before: upper } });
      const filter = bounds.length === 0 ? undefined : bounds.length === 1 ? bounds[0] : { and: bounds };
      let cursor: string | null = null;
      let capped = false;
      let added = 0;
      let oldest: string | null = null;
      do {
        const res = await query({ ...(filter ? { filter } : {}), sorts: SORT_NEWEST_FIRST, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) });
        startedAt ??= api.serverTime() ?? new Date(deps.now().getTime() - 3 * 60_000).toISOString();
        for (const raw of res.results) {
          if (raw.object !== 'page') continue;
          const page = raw as unknown as Page;
          oldest = page.last_edited_time;
          if (seen.has(page.id)) continue;
          seen.set(page.id, toRemote(page));
          added++;
        }
        capped = res.request_status?.incomplete_reason === 'query_result_limit_reached';
        cursor = !capped && res.has_more ? res.next_cursor : null;
      } while (cursor);
      if (!capped) break;
      log.info('Notion stopped the query at its row cap; querying the older part', { pages: seen.size, olderThan: oldest });
      if (added === 0 || oldest === null) {
        complete = false;
        notes.push(`more pages were edited within one minute (${oldest ?? '?'}) than one Notion query returns; some edits of that minute may not have been read`);
        break;
      }
      upper = oldest;
    }
    const cutoff = floorMinute(Date.parse(startedAt ?? deps.now().toISOString()) - PULL_OVERLAP_MS);
    const nextSince = !complete ? (since ?? cutoff) : since && since > cutoff ? since : cutoff;
    return { pages: [...seen.values()], nextSince, complete, notes };
  }

  async function replaceBody(pageId: string, c: MirrorCase): Promise<void> {
    const blocks: Block[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.listChildren(pageId, cursor);
      blocks.push(...res.results);
      cursor = res.has_more ? res.next_cursor : null;
    } while (cursor);
    for (const id of ourBlockIds(blocks)) {
      try {
        await api.deleteBlock(id);
      } catch (error) {
        if (!(error instanceof NotionRequestError) || error.failure !== 'not-found') throw error;
      }
    }
    await api.appendChildren(pageId, bodyBlocks(c, naming.language));
  }

  function isGone(error: unknown): boolean {
    if (!(error instanceof NotionRequestError)) return false;
    return error.failure === 'not-found' || (error.failure === 'invalid' && /archived|in the trash/i.test(error.message));
  }

  return {
    pull,
    find,
    async create(c, rendered: RenderedCase) {
      const view = await writable();
      const key = c.record.key;
      const values = Object.fromEntries(Object.entries(rendered.values).filter(([, v]) => v !== '' && v !== 'false')) as FieldValues;
      const body = {
        parent: { type: 'data_source_id', data_source_id: target.dataSourceId },
        properties: requestProperties(values, view, key),
        children: bodyBlocks(c, naming.language),
      };
      for (let attempt = 0; ; attempt++) {
        try {
          return { page: toRemote(await api.createPage(body)), adopted: false };
        } catch (error) {
          if (!(error instanceof NotionRequestError) || !MAYBE_APPLIED.has(error.failure)) throw error;
          log.warn('creating a page failed and may have been applied; looking the case up before trying again', { case: key, failure: error.failure });
          const hit = (await find([key])).get(key);
          if (hit) return { page: hit.page, adopted: true };
          if (attempt >= 2) throw error;
          await new Promise((resolve) => setTimeout(resolve, (deps.createBackoffMs ?? 1000) * 2 ** attempt));
        }
      }
    },
    async update(pageId, values, c) {
      const view = await writable();
      let page: RemotePage | null = null;
      try {
        const properties = requestProperties(values, view, c?.record.key ?? pageId);
        if (Object.keys(properties).length > 0) page = toRemote(await api.updatePage(pageId, { properties }));
        if (c) await replaceBody(pageId, c);
      } catch (error) {
        if (isGone(error)) throw new MirrorPageGoneError(`Notion page ${pageId} was deleted or moved to the trash`);
        throw error;
      }
      return page;
    },
    async userName(userId) {
      const known = users.get(userId);
      if (known) return known;
      let name = userId;
      try {
        const user = await api.getUser(userId);
        if (user.name) name = user.name;
      } catch (error) {
        log.debug('could not read the Notion user; using the id', { user: userId, error: messageOf(error) });
      }
      users.set(userId, name);
      return name;
    },
    stats: () => api.stats(),
  };
}
