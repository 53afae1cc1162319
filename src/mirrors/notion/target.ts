/**
 * Which data source to read and write. With API 2025-09-03 a database is a container of data
 * sources; vulnledger writes to a database with exactly one (the usual case), or to a data source
 * given by its own id. The data source id is cached in the mirror's state, so a sync does not ask
 * for it every time.
 */
import type { MirrorKv } from '../../core/mirror.js';
import { NotionRequestError, type NotionApi } from './client.js';
import { plainText } from './schema.js';

/** The dashed lower-case form of a 32-hex-digit Notion id. */
export function dashedId(hex: string): string {
  const h = hex.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The database id in `database:`: a UUID (with or without dashes) or a Notion URL such as
 * `https://www.notion.so/acme/Vulns-0123456789abcdef0123456789abcdef?v=…` (the id is the last
 * 32 hex digits of the path; the `?v=` view id is not it). Null when there is none.
 */
export function parseDatabaseId(input: string): string | null {
  const value = input.trim();
  if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value)) return dashedId(value);
  let path = value;
  try {
    path = new URL(value).pathname;
  } catch {
    return null;
  }
  const matches = [...path.matchAll(/([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})/gi)];
  const last = matches.at(-1);
  return last ? dashedId(last[1]!) : null;
}

/** The data source vulnledger uses. */
export interface Target {
  databaseId: string;
  dataSourceId: string;
  /** The database's title, for messages. */
  title: string;
}

/** A database that cannot be used as it is; the message says why and what to do. */
export class NotionTargetError extends Error {
  override readonly name = 'NotionTargetError';
}

function cacheKey(databaseId: string): string {
  return `dataSource:${databaseId}`;
}

/** Resolves `database:` to its data source (from the cache in `kv` when there is one). */
export async function resolveTarget(api: NotionApi, database: string, kv?: MirrorKv): Promise<Target> {
  const databaseId = parseDatabaseId(database);
  if (!databaseId) {
    throw new NotionTargetError(`database "${database}" is not a Notion database id or URL; copy the database's link (⋯ → Copy link) into "database".`);
  }
  const cached = kv ? await kv.get(cacheKey(databaseId)) : null;
  if (cached) {
    const [dataSourceId, ...title] = cached.split('\n');
    return { databaseId, dataSourceId: dataSourceId!, title: title.join('\n') };
  }
  let target: Target;
  try {
    const db = await api.getDatabase(databaseId);
    const title = plainText(db.title) || databaseId;
    if (db.data_sources.length === 0) throw new NotionTargetError(`Notion database "${title}" has no data source; open it in Notion once, then try again.`);
    if (db.data_sources.length > 1) {
      const list = db.data_sources.map((d) => `"${d.name ?? ''}" (${d.id})`).join(', ');
      throw new NotionTargetError(`Notion database "${title}" has ${db.data_sources.length} data sources: ${list}. Put the id of the one vulnledger should use in "database".`);
    }
    target = { databaseId, dataSourceId: db.data_sources[0]!.id, title };
  } catch (error) {
    if (!(error instanceof NotionRequestError) || error.failure !== 'not-found') throw error;
    // Maybe the id is a data source's own id.
    try {
      const ds = await api.getDataSource(databaseId);
      target = { databaseId, dataSourceId: ds.id, title: plainText(ds.title) || databaseId };
    } catch {
      throw error;
    }
  }
  await kv?.set(cacheKey(databaseId), `${target.dataSourceId}\n${target.title}`);
  return target;
}

/** Forgets the cached data source (it was deleted or the database was changed). */
export async function forgetTarget(database: string, kv: MirrorKv): Promise<void> {
  const databaseId = parseDatabaseId(database);
  if (databaseId) await kv.set(cacheKey(databaseId), '');
}
