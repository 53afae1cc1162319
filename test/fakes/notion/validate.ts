/**
 * Request validation the way Notion reports it: 400 `validation_error` with a `body.…` path in the
 * message. Property values are turned into their response shape here.
 * Limits: ../../../../shared/reference/notion-slack-teams.md §0.
 */
import { randomBytes } from 'node:crypto';
import { validation } from './errors.js';
import { OPTION_COLORS, type OptionColor, type RichTextItem, type SchemaProperty, type SelectOption } from './types.js';

/** Size limits the fake enforces (Notion's documented values). */
export const NOTION_LIMITS = Object.freeze({
  richTextContent: 2000,
  richTextLink: 2000,
  richTextElements: 100,
  multiSelect: 100,
  people: 100,
  files: 100,
  url: 2000,
  email: 200,
  phone: 200,
  children: 100,
  blocksPerRequest: 1000,
  pageSize: 100,
  bodyBytes: 500_000,
});

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A short Notion-like id for properties and options. */
export function shortId(length = 4): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_CHARS[b % ID_CHARS.length];
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How Notion prints a received value in messages: `\`"text"\``. */
export function shown(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return `\`${s.length > 80 ? `${s.slice(0, 77)}...` : s}\``;
}

function maxLen(path: string, limit: number, actual: number): void {
  if (actual > limit) throw validation(`${path}.length should be ≤ \`${limit}\`, instead was \`${actual}\`.`);
}

function needString(path: string, v: unknown): string {
  if (typeof v !== 'string') throw validation(`${path} should be a string, instead was ${shown(v)}.`);
  return v;
}

function needArray(path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw validation(`${path} should be an array, instead was ${shown(v)}.`);
  return v;
}

function needObject(path: string, v: unknown): Record<string, unknown> {
  if (!isRecord(v)) throw validation(`${path} should be an object, instead was ${shown(v)}.`);
  return v;
}

/** Parses a request rich-text array (≤ 100 elements, content ≤ 2000) into its response shape. */
export function parseRichText(path: string, raw: unknown): RichTextItem[] {
  const items = needArray(path, raw);
  maxLen(path, NOTION_LIMITS.richTextElements, items.length);
  return items.map((item, i) => {
    const p = `${path}[${i}]`;
    const obj = needObject(p, item);
    const type = obj.type ?? 'text';
    if (type !== 'text') throw validation(`${p}.type: the fake supports only "text" rich text, instead was ${shown(type)}.`);
    const text = needObject(`${p}.text`, obj.text);
    const content = needString(`${p}.text.content`, text.content);
    maxLen(`${p}.text.content`, NOTION_LIMITS.richTextContent, content.length);
    let link: { url: string } | null = null;
    if (text.link !== undefined && text.link !== null) {
      const l = needObject(`${p}.text.link`, text.link);
      const url = needString(`${p}.text.link.url`, l.url);
      maxLen(`${p}.text.link.url`, NOTION_LIMITS.richTextLink, url.length);
      link = { url };
    }
    const a = obj.annotations === undefined ? {} : needObject(`${p}.annotations`, obj.annotations);
    const flag = (k: string): boolean => {
      const v = a[k];
      if (v === undefined) return false;
      if (typeof v !== 'boolean') throw validation(`${p}.annotations.${k} should be a boolean, instead was ${shown(v)}.`);
      return v;
    };
    const color = a.color === undefined ? 'default' : needString(`${p}.annotations.color`, a.color);
    return {
      type: 'text',
      text: { content, link },
      annotations: { bold: flag('bold'), italic: flag('italic'), strikethrough: flag('strikethrough'), underline: flag('underline'), code: flag('code'), color },
      plain_text: content,
      href: link?.url ?? null,
    };
  });
}

/** Plain text of a rich-text array. */
export function plainText(items: readonly RichTextItem[]): string {
  return items.map((i) => i.plain_text).join('');
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** True for a real calendar date / date-time in ISO 8601 (what Notion accepts in `date.start`). */
export function isIsoDate(v: string): boolean {
  const m = ISO_DATE.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? 0 : Number(x)));
  if (month! < 1 || month! > 12 || day! < 1) return false;
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! > daysInMonth) return false;
  if (hour! > 23 || minute! > 59 || second! > 59) return false;
  return true;
}

/** Milliseconds of an ISO date; a date-only value is midnight UTC. */
export function isoToMs(v: string): number {
  return Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validates a select / multi_select option name (non-empty, no commas). */
export function checkOptionName(path: string, name: string): void {
  if (name.trim() === '') throw validation(`${path} should be a non-empty string, instead was ${shown(name)}.`);
  if (name.includes(',')) throw validation(`${path} should not contain commas, instead was ${shown(name)}. Select option names cannot contain commas.`);
  maxLen(path, 100, name.length);
}

let colorCursor = 0;
/** Notion picks a colour for auto-created options; the fake cycles through the palette. */
export function nextColor(): OptionColor {
  colorCursor = (colorCursor + 1) % OPTION_COLORS.length;
  return OPTION_COLORS[colorCursor]!;
}

/** Options created by page values in this request, committed to the schema only if the whole request is valid. */
export type PendingOptions = Map<string, SelectOption[]>;

function resolveOption(prop: SchemaProperty, path: string, raw: unknown, pending: PendingOptions, allowCreate: boolean): SelectOption {
  const obj = needObject(path, raw);
  const options = prop.options ?? [];
  if (obj.id !== undefined) {
    const id = needString(`${path}.id`, obj.id);
    const found = options.find((o) => o.id === id);
    if (!found) throw validation(`${path}.id: option with id ${shown(id)} does not exist on property ${prop.name}.`);
    return found;
  }
  const name = needString(`${path}.name`, obj.name);
  checkOptionName(`${path}.name`, name);
  const found = options.find((o) => o.name === name);
  if (found) return found;
  if (!allowCreate) throw validation(`Invalid status option. Status option "${name}" does not exist on property ${prop.name}.`);
  const list = pending.get(prop.id) ?? [];
  const already = list.find((o) => o.name === name);
  if (already) return already;
  const color = typeof obj.color === 'string' && (OPTION_COLORS as readonly string[]).includes(obj.color) ? (obj.color as OptionColor) : nextColor();
  const created: SelectOption = { id: shortId(), name, color, description: null };
  list.push(created);
  pending.set(prop.id, list);
  return created;
}

const optionOut = (o: SelectOption): { id: string; name: string; color: OptionColor } => ({ id: o.id, name: o.name, color: o.color });

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** True for a Notion id (a UUID with or without dashes). */
export function isNotionId(v: string): boolean {
  return UUID.test(v);
}

/** Dashed lower-case form of a Notion id. */
export function dashed(id: string): string {
  const h = id.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The empty response value of a property type (what an unset property reads as). */
export function emptyValue(prop: SchemaProperty): unknown {
  switch (prop.type) {
    case 'title':
    case 'rich_text':
    case 'multi_select':
    case 'people':
    case 'files':
      return [];
    case 'checkbox':
      return false;
    default:
      return null;
  }
}

/**
 * Validates one page property value (request shape) against its schema property and returns the
 * response-shaped value. `key` is the name or id the request used (it appears in messages).
 */
export function parsePropertyValue(prop: SchemaProperty, key: string, raw: unknown, pending: PendingOptions): unknown {
  const base = `body.properties.${key}`;
  const obj = needObject(base, raw);
  const otherType = typeof obj.type === 'string' && obj.type !== prop.type;
  if (otherType || !(prop.type in obj)) {
    const typed = Object.keys(obj).some((k) => k !== 'type' && k !== 'id');
    if (otherType || typed) throw validation(`${key} is expected to be ${prop.type}.`);
    throw validation(`${base}.${prop.type} should be defined, instead was \`undefined\`.`);
  }
  const path = `${base}.${prop.type}`;
  const v = obj[prop.type];
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return parseRichText(path, v);
    case 'number':
      if (v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw validation(`${path} should be a number or \`null\`, instead was ${shown(v)}.`);
      return v;
    case 'checkbox':
      if (typeof v !== 'boolean') throw validation(`${path} should be a boolean, instead was ${shown(v)}.`);
      return v;
    case 'select':
      return v === null ? null : optionOut(resolveOption(prop, path, v, pending, true));
    case 'status':
      return v === null ? null : optionOut(resolveOption(prop, path, v, pending, false));
    case 'multi_select': {
      const items = needArray(path, v);
      maxLen(path, NOTION_LIMITS.multiSelect, items.length);
      const out: SelectOption[] = [];
      items.forEach((item, i) => {
        const o = resolveOption(prop, `${path}[${i}]`, item, pending, true);
        if (!out.some((x) => x.id === o.id)) out.push(o);
      });
      return out.map(optionOut);
    }
    case 'date': {
      if (v === null) return null;
      const d = needObject(path, v);
      const start = needString(`${path}.start`, d.start);
      if (!isIsoDate(start)) throw validation(`${path}.start should be a valid ISO 8601 date string, instead was ${shown(start)}.`);
      let end: string | null = null;
      if (d.end !== undefined && d.end !== null) {
        end = needString(`${path}.end`, d.end);
        if (!isIsoDate(end)) throw validation(`${path}.end should be a valid ISO 8601 date string, instead was ${shown(end)}.`);
      }
      let tz: string | null = null;
      if (d.time_zone !== undefined && d.time_zone !== null) {
        tz = needString(`${path}.time_zone`, d.time_zone);
        if (!isTimeZone(tz)) throw validation(`${path}.time_zone should be a valid IANA time zone, instead was ${shown(tz)}.`);
      }
      return { start, end, time_zone: tz };
    }
    case 'url':
    case 'email':
    case 'phone_number': {
      if (v === null) return null;
      const s = needString(path, v);
      const limit = prop.type === 'url' ? NOTION_LIMITS.url : prop.type === 'email' ? NOTION_LIMITS.email : NOTION_LIMITS.phone;
      maxLen(path, limit, s.length);
      return s;
    }
    case 'people': {
      const items = needArray(path, v);
      maxLen(path, NOTION_LIMITS.people, items.length);
      return items.map((item, i) => {
        const id = needString(`${path}[${i}].id`, needObject(`${path}[${i}]`, item).id);
        if (!isNotionId(id)) throw validation(`${path}[${i}].id should be a valid uuid, instead was ${shown(id)}.`);
        return { object: 'user', id: dashed(id) };
      });
    }
    case 'files': {
      const items = needArray(path, v);
      maxLen(path, NOTION_LIMITS.files, items.length);
      return items.map((item, i) => {
        const f = needObject(`${path}[${i}]`, item);
        const name = needString(`${path}[${i}].name`, f.name);
        const ext = needObject(`${path}[${i}].external`, f.external);
        const url = needString(`${path}[${i}].external.url`, ext.url);
        maxLen(`${path}[${i}].external.url`, NOTION_LIMITS.url, url.length);
        return { name, type: 'external', external: { url } };
      });
    }
  }
}
