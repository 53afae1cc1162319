/**
 * `POST /v1/data_sources/{id}/query` filter and sort evaluation: property filters on title /
 * rich_text / url / email / phone (text ops), select / status, multi_select, checkbox, number, date;
 * timestamp filters on `created_time` / `last_edited_time`; `and` / `or` up to 2 levels.
 */
import { validation } from './errors.js';
import { isIsoDate, isoToMs, isRecord, plainText, shown } from './validate.js';
import type { PageRecord, RichTextItem, SchemaProperty } from './types.js';

/** A compiled filter: true when the page matches. */
export type PagePredicate = (page: PageRecord) => boolean;
/** A compiled comparator over pages. */
export type PageComparator = (a: PageRecord, b: PageRecord) => number;

const TEXT_TYPES = ['title', 'rich_text', 'url', 'email', 'phone_number'];
const DATE_OPS = ['equals', 'before', 'after', 'on_or_before', 'on_or_after', 'is_empty', 'is_not_empty'];

function findProp(props: readonly SchemaProperty[], key: string): SchemaProperty | undefined {
  return props.find((p) => p.name === key) ?? props.find((p) => p.id === key);
}

function onlyOp(path: string, cond: unknown, allowed: readonly string[]): [string, unknown] {
  if (!isRecord(cond)) throw validation(`${path} should be an object, instead was ${shown(cond)}.`);
  const keys = Object.keys(cond);
  if (keys.length !== 1 || !allowed.includes(keys[0]!)) {
    throw validation(`${path} should have exactly one of ${allowed.join(', ')}, instead had ${shown(keys)}.`);
  }
  return [keys[0]!, cond[keys[0]!]];
}

function textOf(v: unknown): string {
  if (Array.isArray(v)) return plainText(v as RichTextItem[]);
  return typeof v === 'string' ? v : '';
}

function textPredicate(path: string, cond: unknown, read: (p: PageRecord) => string): PagePredicate {
  const [op, arg] = onlyOp(path, cond, ['equals', 'does_not_equal', 'contains', 'does_not_contain', 'starts_with', 'ends_with', 'is_empty', 'is_not_empty']);
  if (op === 'is_empty' || op === 'is_not_empty') {
    if (arg !== true) throw validation(`${path}.${op} should be \`true\`, instead was ${shown(arg)}.`);
    return op === 'is_empty' ? (p) => read(p) === '' : (p) => read(p) !== '';
  }
  if (typeof arg !== 'string') throw validation(`${path}.${op} should be a string, instead was ${shown(arg)}.`);
  const needle = arg.toLowerCase();
  switch (op) {
    case 'equals': return (p) => read(p) === arg;
    case 'does_not_equal': return (p) => read(p) !== arg;
    case 'contains': return (p) => read(p).toLowerCase().includes(needle);
    case 'does_not_contain': return (p) => !read(p).toLowerCase().includes(needle);
    case 'starts_with': return (p) => read(p).toLowerCase().startsWith(needle);
    default: return (p) => read(p).toLowerCase().endsWith(needle);
  }
}

function dateArg(path: string, v: unknown): number {
  if (typeof v !== 'string' || !isIsoDate(v)) throw validation(`${path} should be a valid ISO 8601 date string, instead was ${shown(v)}.`);
  return isoToMs(v);
}

/** Date comparison; `equals` on a date-only argument matches the whole UTC day (simplified). */
function datePredicate(path: string, cond: unknown, read: (p: PageRecord) => number | undefined): PagePredicate {
  const [op, arg] = onlyOp(path, cond, DATE_OPS);
  if (op === 'is_empty') return (p) => read(p) === undefined;
  if (op === 'is_not_empty') return (p) => read(p) !== undefined;
  const at = dateArg(`${path}.${op}`, arg);
  const dayOnly = typeof arg === 'string' && arg.length === 10;
  const test = (v: number): boolean => {
    switch (op) {
      case 'equals': return dayOnly ? v >= at && v < at + 86_400_000 : v === at;
      case 'before': return v < at;
      case 'after': return dayOnly ? v >= at + 86_400_000 : v > at;
      case 'on_or_before': return dayOnly ? v < at + 86_400_000 : v <= at;
      default: return v >= at;
    }
  };
  return (p) => {
    const v = read(p);
    return v !== undefined && test(v);
  };
}

function valueOf(p: PageRecord, prop: SchemaProperty): unknown {
  return p.values.get(prop.id);
}

function propertyPredicate(path: string, f: Record<string, unknown>, props: readonly SchemaProperty[]): PagePredicate {
  const key = f.property;
  if (typeof key !== 'string') throw validation(`${path}.property should be a string, instead was ${shown(key)}.`);
  const prop = findProp(props, key);
  if (!prop) throw validation(`Could not find property with name or id: ${key}`);
  const condKeys = Object.keys(f).filter((k) => k !== 'property' && k !== 'type');
  if (condKeys.length !== 1) throw validation(`${path} should have exactly one filter condition, instead had ${shown(condKeys)}.`);
  const kind = condKeys[0]!;
  const cond = f[kind];
  const matches = kind === prop.type || (kind === 'rich_text' && TEXT_TYPES.includes(prop.type));
  if (!matches) throw validation(`database property ${prop.type} does not match filter ${kind}`);
  const cpath = `${path}.${kind}`;
  if (TEXT_TYPES.includes(prop.type)) return textPredicate(cpath, cond, (p) => textOf(valueOf(p, prop)));
  switch (prop.type) {
    case 'select':
    case 'status': {
      const [op, arg] = onlyOp(cpath, cond, ['equals', 'does_not_equal', 'is_empty', 'is_not_empty']);
      const name = (p: PageRecord): string | undefined => (valueOf(p, prop) as { name: string } | null | undefined)?.name;
      if (op === 'is_empty') return (p) => name(p) === undefined;
      if (op === 'is_not_empty') return (p) => name(p) !== undefined;
      const wanted: unknown[] = Array.isArray(arg) ? arg : [arg];
      if (!wanted.every((w) => typeof w === 'string')) throw validation(`${cpath}.${op} should be a string, instead was ${shown(arg)}.`);
      return op === 'equals' ? (p) => wanted.includes(name(p) ?? '') : (p) => !wanted.includes(name(p) ?? '');
    }
    case 'multi_select': {
      const [op, arg] = onlyOp(cpath, cond, ['contains', 'does_not_contain', 'is_empty', 'is_not_empty']);
      const names = (p: PageRecord): string[] => ((valueOf(p, prop) as { name: string }[] | undefined) ?? []).map((o) => o.name);
      if (op === 'is_empty') return (p) => names(p).length === 0;
      if (op === 'is_not_empty') return (p) => names(p).length > 0;
      if (typeof arg !== 'string') throw validation(`${cpath}.${op} should be a string, instead was ${shown(arg)}.`);
      return op === 'contains' ? (p) => names(p).includes(arg) : (p) => !names(p).includes(arg);
    }
    case 'checkbox': {
      const [op, arg] = onlyOp(cpath, cond, ['equals', 'does_not_equal']);
      if (typeof arg !== 'boolean') throw validation(`${cpath}.${op} should be a boolean, instead was ${shown(arg)}.`);
      return (p) => ((valueOf(p, prop) ?? false) === arg) === (op === 'equals');
    }
    case 'number': {
      const ops = ['equals', 'does_not_equal', 'greater_than', 'less_than', 'greater_than_or_equal_to', 'less_than_or_equal_to', 'is_empty', 'is_not_empty'];
      const [op, arg] = onlyOp(cpath, cond, ops);
      const num = (p: PageRecord): number | null => (valueOf(p, prop) as number | null | undefined) ?? null;
      if (op === 'is_empty') return (p) => num(p) === null;
      if (op === 'is_not_empty') return (p) => num(p) !== null;
      if (typeof arg !== 'number') throw validation(`${cpath}.${op} should be a number, instead was ${shown(arg)}.`);
      return (p) => {
        const v = num(p);
        if (v === null) return op === 'does_not_equal';
        switch (op) {
          case 'equals': return v === arg;
          case 'does_not_equal': return v !== arg;
          case 'greater_than': return v > arg;
          case 'less_than': return v < arg;
          case 'greater_than_or_equal_to': return v >= arg;
          default: return v <= arg;
        }
      };
    }
    case 'date':
      return datePredicate(cpath, cond, (p) => {
        const d = valueOf(p, prop) as { start: string } | null | undefined;
        return d ? isoToMs(d.start) : undefined;
      });
    default:
      throw validation(`${cpath}: filtering on ${prop.type} properties is not supported by the fake.`);
  }
}

/** Compiles `body.filter`; `depth` counts compound levels (Notion allows 2). */
export function compileFilter(raw: unknown, props: readonly SchemaProperty[], path = 'body.filter', depth = 0): PagePredicate {
  if (!isRecord(raw)) throw validation(`${path} should be an object, instead was ${shown(raw)}.`);
  for (const compound of ['and', 'or'] as const) {
    if (compound in raw) {
      if (depth >= 2) throw validation(`${path}: filters can be nested at most 2 levels deep.`);
      const list = raw[compound];
      if (!Array.isArray(list)) throw validation(`${path}.${compound} should be an array, instead was ${shown(list)}.`);
      if (list.length > 100) throw validation(`${path}.${compound}.length should be ≤ \`100\`, instead was \`${list.length}\`.`);
      const parts = list.map((f, i) => compileFilter(f, props, `${path}.${compound}[${i}]`, depth + 1));
      return compound === 'and' ? (p) => parts.every((t) => t(p)) : (p) => parts.some((t) => t(p));
    }
  }
  if (typeof raw.timestamp === 'string') {
    const ts = raw.timestamp;
    if (ts !== 'created_time' && ts !== 'last_edited_time') {
      throw validation(`${path}.timestamp should be "created_time" or "last_edited_time", instead was ${shown(ts)}.`);
    }
    return datePredicate(`${path}.${ts}`, raw[ts], (p) => Date.parse(ts === 'created_time' ? p.createdTime : p.lastEditedTime));
  }
  return propertyPredicate(path, raw, props);
}

function sortKey(p: PageRecord, prop: SchemaProperty): string | number | undefined {
  const v = p.values.get(prop.id);
  if (v === null || v === undefined) return undefined;
  switch (prop.type) {
    case 'number': return v as number;
    case 'checkbox': return v ? 1 : 0;
    case 'date': return isoToMs((v as { start: string }).start);
    case 'select':
    case 'status': return (v as { name: string }).name;
    case 'multi_select': return (v as { name: string }[]).map((o) => o.name).join(',') || undefined;
    default: return textOf(v) || undefined;
  }
}

/** Compiles `body.sorts` (timestamp and property sorts); ties keep creation order. */
export function compileSorts(raw: unknown, props: readonly SchemaProperty[]): PageComparator {
  const bySeq: PageComparator = (a, b) => a.seq - b.seq;
  if (raw === undefined) return bySeq;
  if (!Array.isArray(raw)) throw validation(`body.sorts should be an array, instead was ${shown(raw)}.`);
  const parts: PageComparator[] = raw.map((s, i) => {
    const path = `body.sorts[${i}]`;
    if (!isRecord(s)) throw validation(`${path} should be an object, instead was ${shown(s)}.`);
    const dir = s.direction;
    if (dir !== 'ascending' && dir !== 'descending') throw validation(`${path}.direction should be "ascending" or "descending", instead was ${shown(dir)}.`);
    const sign = dir === 'ascending' ? 1 : -1;
    if (s.timestamp !== undefined) {
      if (s.timestamp !== 'created_time' && s.timestamp !== 'last_edited_time') {
        throw validation(`${path}.timestamp should be "created_time" or "last_edited_time", instead was ${shown(s.timestamp)}.`);
      }
      const field = s.timestamp === 'created_time' ? 'createdTime' : 'lastEditedTime';
      return (a, b) => sign * (Date.parse(a[field]) - Date.parse(b[field]));
    }
    if (typeof s.property !== 'string') throw validation(`${path}.property should be a string, instead was ${shown(s.property)}.`);
    const prop = findProp(props, s.property);
    if (!prop) throw validation(`Could not find sort property with name or id: ${s.property}`);
    return (a, b) => {
      const x = sortKey(a, prop);
      const y = sortKey(b, prop);
      if (x === y) return 0;
      if (x === undefined) return 1; // empty values last
      if (y === undefined) return -1;
      return sign * (x < y ? -1 : 1);
    };
  });
  return (a, b) => {
    for (const c of parts) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return bySeq(a, b);
  };
}
