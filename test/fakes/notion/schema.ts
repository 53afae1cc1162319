/**
 * Data-source schema updates (`PATCH /v1/data_sources/{id}` body.properties) with Notion's rules:
 * `null` deletes, `{name}` renames, a type key adds or updates; for select / multi_select an
 * existing option left out of `options` is REMOVED and existing names/colours cannot change;
 * exactly one title property, whose type cannot change.
 */
import { validation } from './errors.js';
import { checkOptionName, isRecord, nextColor, shortId, shown } from './validate.js';
import { OPTION_COLORS, PROPERTY_TYPES, type OptionColor, type PropertyType, type SchemaProperty, type SelectOption } from './types.js';

/** What a schema update changed, so stored page values can follow. */
export interface SchemaChange {
  properties: SchemaProperty[];
  /** Property ids removed from the schema. */
  deleted: Set<string>;
  /** Property ids whose type changed (their values are cleared; real Notion converts — simplified). */
  retyped: Set<string>;
  /** Removed option ids per property id (page values lose them). */
  removedOptions: Map<string, Set<string>>;
}

const UNSUPPORTED = ['formula', 'relation', 'rollup', 'created_time', 'created_by', 'last_edited_time', 'last_edited_by', 'unique_id', 'verification', 'place', 'button', 'location'];

const STATUS_DEFAULTS: readonly [string, OptionColor][] = [['Not started', 'default'], ['In progress', 'blue'], ['Done', 'green']];

function findProp(props: readonly SchemaProperty[], key: string): SchemaProperty | undefined {
  return props.find((p) => p.name === key) ?? props.find((p) => p.id === key);
}

function parseColor(path: string, v: unknown): OptionColor | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(OPTION_COLORS as readonly string[]).includes(v)) {
    throw validation(`${path} should be one of ${OPTION_COLORS.map((c) => `"${c}"`).join(', ')}, instead was ${shown(v)}.`);
  }
  return v as OptionColor;
}

/** New option list for a select/multi_select config; `current` applies the update rules. */
function parseOptions(path: string, raw: unknown, current: SelectOption[] | undefined, removed: Set<string>): SelectOption[] {
  if (!Array.isArray(raw)) throw validation(`${path} should be an array, instead was ${shown(raw)}.`);
  const out: SelectOption[] = [];
  raw.forEach((item, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(item)) throw validation(`${p} should be an object, instead was ${shown(item)}.`);
    const color = parseColor(`${p}.color`, item.color);
    const description = typeof item.description === 'string' ? item.description : null;
    let existing: SelectOption | undefined;
    if (item.id !== undefined) {
      existing = current?.find((o) => o.id === item.id);
      if (!existing) throw validation(`${p}.id: select option with id ${shown(item.id)} does not exist.`);
      if (item.name !== undefined && item.name !== existing.name) {
        throw validation(`Cannot update name of select option with id ${existing.id} (${existing.name}).`);
      }
    } else {
      if (typeof item.name !== 'string') throw validation(`${p}.name should be a string, instead was ${shown(item.name)}.`);
      checkOptionName(`${p}.name`, item.name);
      existing = current?.find((o) => o.name === item.name);
    }
    if (existing) {
      if (color !== undefined && color !== existing.color) {
        throw validation(`Cannot update color of select with name: ${existing.name}.`);
      }
      if (!out.some((o) => o.id === existing.id)) out.push({ ...existing });
      return;
    }
    const name = item.name as string;
    if (out.some((o) => o.name === name)) throw validation(`${p}.name: duplicate option name ${shown(name)}.`);
    out.push({ id: shortId(), name, color: color ?? nextColor(), description });
  });
  for (const o of current ?? []) if (!out.some((x) => x.id === o.id)) removed.add(o.id);
  return out;
}

/** Reads the property type and its config object from one schema entry. */
function typeOf(path: string, entry: Record<string, unknown>): { type: PropertyType; config: Record<string, unknown> } | undefined {
  const keys = Object.keys(entry).filter((k) => (PROPERTY_TYPES as readonly string[]).includes(k));
  const unsupported = Object.keys(entry).find((k) => UNSUPPORTED.includes(k)) ?? (UNSUPPORTED.includes(String(entry.type)) ? String(entry.type) : undefined);
  if (unsupported) throw validation(`${path}: property type ${shown(unsupported)} is not supported by the fake.`);
  if (keys.length > 1) throw validation(`${path} should define exactly one property type, instead had ${keys.join(', ')}.`);
  const declared = entry.type;
  if (declared !== undefined && !(PROPERTY_TYPES as readonly unknown[]).includes(declared)) {
    throw validation(`${path}.type should be a property type, instead was ${shown(declared)}.`);
  }
  const type = (keys[0] ?? declared) as PropertyType | undefined;
  if (type === undefined) return undefined;
  if (declared !== undefined && declared !== type) throw validation(`${path}.type ${shown(declared)} does not match the config key ${shown(type)}.`);
  const config = entry[type] ?? {};
  if (!isRecord(config)) throw validation(`${path}.${type} should be an object, instead was ${shown(config)}.`);
  return { type, config };
}

function buildProp(path: string, id: string, name: string, type: PropertyType, config: Record<string, unknown>, description: string | null): SchemaProperty {
  const prop: SchemaProperty = { id, name, type, description };
  if (type === 'select' || type === 'multi_select') {
    prop.options = config.options === undefined ? [] : parseOptions(`${path}.${type}.options`, config.options, undefined, new Set());
  } else if (type === 'status') {
    if (config.options !== undefined) throw validation(`${path}.status.options cannot be set through the API (fake: conservative reading of the docs).`);
    prop.options = STATUS_DEFAULTS.map(([n, c]) => ({ id: shortId(), name: n, color: c, description: null }));
  } else if (type === 'number') {
    prop.format = typeof config.format === 'string' ? config.format : 'number';
  }
  return prop;
}

/**
 * Applies `body.properties` of a schema update to a copy of `current`. Throws a 400
 * `validation_error` for anything Notion refuses; nothing is applied on error.
 */
export function applySchemaUpdate(current: readonly SchemaProperty[], raw: unknown): SchemaChange {
  if (!isRecord(raw)) throw validation(`body.properties should be an object, instead was ${shown(raw)}.`);
  const props: SchemaProperty[] = current.map((p) => {
    const copy: SchemaProperty = { ...p };
    if (p.options) copy.options = p.options.map((o) => ({ ...o }));
    return copy;
  });
  const change: SchemaChange = { properties: props, deleted: new Set(), retyped: new Set(), removedOptions: new Map() };
  for (const [key, entry] of Object.entries(raw)) {
    const path = `body.properties.${key}`;
    const existing = findProp(props, key);
    if (entry === null) {
      if (!existing) throw validation(`${key} is not a property that exists.`);
      if (existing.type === 'title') throw validation(`Cannot delete the title property ${existing.name}.`);
      props.splice(props.indexOf(existing), 1);
      change.deleted.add(existing.id);
      continue;
    }
    if (!isRecord(entry)) throw validation(`${path} should be an object or \`null\`, instead was ${shown(entry)}.`);
    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.trim() === '')) {
      throw validation(`${path}.name should be a non-empty string, instead was ${shown(entry.name)}.`);
    }
    const description = typeof entry.description === 'string' ? entry.description : null;
    const typed = typeOf(path, entry);
    if (!existing) {
      if (!typed) throw validation(`${key} is not a property that exists.`);
      if (typed.type === 'title' && props.some((p) => p.type === 'title')) throw validation(`${path}: a data source can have only one title property.`);
      const name = (entry.name as string | undefined) ?? key;
      props.push(buildProp(path, typed.type === 'title' ? 'title' : shortId(), name, typed.type, typed.config, description));
    } else {
      if (typed && typed.type !== existing.type) {
        if (existing.type === 'title') throw validation(`Cannot change the type of the title property ${existing.name}.`);
        if (typed.type === 'title') throw validation(`${path}: a data source can have only one title property.`);
        const next = buildProp(path, existing.id, existing.name, typed.type, typed.config, existing.description);
        props.splice(props.indexOf(existing), 1, next);
        change.retyped.add(existing.id);
      } else if (typed && (existing.type === 'select' || existing.type === 'multi_select') && typed.config.options !== undefined) {
        const removed = new Set<string>();
        existing.options = parseOptions(`${path}.${existing.type}.options`, typed.config.options, existing.options, removed);
        if (removed.size > 0) change.removedOptions.set(existing.id, removed);
      } else if (typed && existing.type === 'status' && typed.config.options !== undefined) {
        throw validation(`${path}.status.options cannot be updated through the API (fake: conservative reading of the docs).`);
      } else if (typed && existing.type === 'number' && typeof typed.config.format === 'string') {
        existing.format = typed.config.format;
      }
      const target = props.find((p) => p.id === existing.id)!;
      if (typeof entry.name === 'string') target.name = entry.name;
      if ('description' in entry) target.description = description;
    }
  }
  const names = new Set<string>();
  for (const p of props) {
    if (names.has(p.name)) throw validation(`Property name ${shown(p.name)} is used by more than one property.`);
    names.add(p.name);
  }
  if (props.filter((p) => p.type === 'title').length !== 1) throw validation('A data source must have exactly one title property.');
  return change;
}

/** Response shape of one schema property. */
export function propertyOut(p: SchemaProperty): Record<string, unknown> {
  let config: Record<string, unknown> = {};
  if (p.type === 'select' || p.type === 'multi_select') config = { options: (p.options ?? []).map((o) => ({ ...o })) };
  if (p.type === 'status') {
    const opts = p.options ?? [];
    config = {
      options: opts.map((o) => ({ ...o })),
      groups: [
        { id: 'todo', name: 'To-do', color: 'gray', option_ids: opts.slice(0, 1).map((o) => o.id) },
        { id: 'inprogress', name: 'In progress', color: 'blue', option_ids: opts.slice(1, 2).map((o) => o.id) },
        { id: 'complete', name: 'Complete', color: 'green', option_ids: opts.slice(2).map((o) => o.id) },
      ],
    };
  }
  if (p.type === 'number') config = { format: p.format ?? 'number' };
  return { id: p.id, name: p.name, type: p.type, description: p.description, [p.type]: config };
}
