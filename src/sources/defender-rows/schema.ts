/**
 * The raw Defender row, read leniently. Only the envelope (top-level columns) goes through zod;
 * nested fields are read with `pick` (case-insensitive) and the small coercers below, because
 * Microsoft mixes PascalCase and camelCase and because a zod object parse per nested element
 * costs several microseconds (see readme.md, "Performance").
 */
import { z } from 'zod';

// ---------------------------------------------------------------- case-insensitive look-up

interface KeyVariants {
  alt: string;
  lower: string;
}

const VARIANTS = new Map<string, KeyVariants>();
const VARIANTS_MAX = 2_000;

function variantsOf(key: string): KeyVariants {
  const cached = VARIANTS.get(key);
  if (cached !== undefined) return cached;
  const c = key.charCodeAt(0);
  let alt = key;
  if (c >= 97 && c <= 122) alt = String.fromCharCode(c - 32) + key.slice(1);
  else if (c >= 65 && c <= 90) alt = String.fromCharCode(c + 32) + key.slice(1);
  const variants = { alt, lower: key.toLowerCase() };
  if (VARIANTS.size < VARIANTS_MAX) VARIANTS.set(key, variants);
  return variants;
}

/**
 * Reads an own property case-insensitively: `pick(obj, 'CvesDetails')` finds `CvesDetails`,
 * `cvesDetails` or any other casing. Like KQL's `coalesce(x.Scanner, x.scanner)`, a null value
 * under one spelling does not hide a value under another. Returns undefined for non-objects
 * (null, arrays, primitives) and for missing keys.
 */
export function pick(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  const exact = Object.hasOwn(rec, key) ? rec[key] : undefined;
  if (exact !== undefined && exact !== null) return exact;
  const { alt, lower } = variantsOf(key);
  if (alt !== key && Object.hasOwn(rec, alt)) {
    const value = rec[alt];
    if (value !== undefined && value !== null) return value;
  }
  const length = key.length;
  for (const k in rec) {
    if (k.length !== length || k === key || k === alt) continue;
    if (k.toLowerCase() !== lower || !Object.hasOwn(rec, k)) continue;
    const value = rec[k];
    if (value !== undefined && value !== null) return value;
  }
  return exact;
}

/** `pick` along a path: `pickPath(row, 'properties', 'status', 'code')`. */
export function pickPath(obj: unknown, ...keys: string[]): unknown {
  let current = obj;
  for (const key of keys) {
    current = pick(current, key);
    if (current === undefined || current === null) return undefined;
  }
  return current;
}

// ---------------------------------------------------------------- coercers

/** A plain object (not null, not an array), else undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/** The text of a string (trimmed) or of a finite number; '' for anything else. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** A finite number from a number or a numeric string, else null. */
export function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '' || text.length > 32) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** A boolean from `true`/`false` or the strings "true"/"false" (any case); undefined otherwise. */
export function asBoolish(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return undefined;
}

// ---------------------------------------------------------------- JSON string or value

/** A field that may arrive as a JSON string or as the already-parsed value. */
export interface Jsonish {
  /** The parsed value; undefined when absent or malformed. */
  value: unknown;
  /** True when the field was present but could not be read (bad JSON, wrong type). */
  malformed: boolean;
}

const ABSENT: Jsonish = Object.freeze({ value: undefined, malformed: false });
const MALFORMED: Jsonish = Object.freeze({ value: undefined, malformed: true });
const BLANK_RE = /^\s*(?:null)?\s*$/;
const JSON_START_RE = /^\s*[[{"]/;

/**
 * Reads a field that Microsoft stores either as a JSON string (`CvesDetails`,
 * `resourceAdditionalData`, `DetectedSoftwareVersions`, `Benchmarks`, `ScannersDetails`) or as
 * the parsed object/array. Never throws: bad JSON gives `{ value: undefined, malformed: true }`;
 * an empty string or `"null"` counts as absent. A doubly encoded string is unwrapped once.
 */
export function parseJsonish(value: unknown): Jsonish {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'object') return { value, malformed: false };
  if (typeof value !== 'string') return MALFORMED;
  if (value.length < 16 && BLANK_RE.test(value)) return ABSENT;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return MALFORMED;
  }
  if (typeof parsed === 'string' && JSON_START_RE.test(parsed)) {
    try {
      parsed = JSON.parse(parsed);
    } catch {
      return MALFORMED;
    }
  }
  if (parsed === null) return ABSENT;
  return { value: parsed, malformed: false };
}

/** A list of strings read from an array, a JSON array string, or a single plain string. */
export interface StringList {
  list: string[];
  malformed: boolean;
}

/**
 * Reads `DetectedSoftwareVersions`, `Tags` and similar lists: an array, a JSON string holding an
 * array, or one plain value (`"1.2.3"`). Non-string elements are dropped; duplicates removed.
 */
export function stringList(value: unknown): StringList {
  if (value === undefined || value === null) return { list: [], malformed: false };
  if (typeof value === 'string') {
    if (!JSON_START_RE.test(value)) {
      const single = value.trim();
      return { list: single === '' ? [] : [single], malformed: false };
    }
    const parsed = parseJsonish(value);
    if (parsed.malformed) return { list: [], malformed: true };
    return stringList(typeof parsed.value === 'string' ? [parsed.value] : parsed.value);
  }
  if (!Array.isArray(value)) return { list: [], malformed: true };
  const list: string[] = [];
  for (const item of value) {
    const text = asText(item);
    if (text !== '' && !list.includes(text)) list.push(text);
  }
  return { list, malformed: false };
}

// ---------------------------------------------------------------- the row envelope

// `.default('')` first: a missing column then costs nothing, while `.catch()` alone builds (and
// discards) a zod issue for every missing column, ~10x slower on the hot path.
const Column = z.string().default('').catch('');

/**
 * The top-level columns of a `securityresources` row (ARG) or of a REST/export record. Only the
 * columns the mapper uses; every field falls back to '' (or stays unknown) instead of failing.
 */
export const DefenderRow = z.object({
  id: Column,
  type: Column,
  subscriptionId: Column,
  resourceGroup: Column,
  /** Present only when a query `extend`s it (Microsoft's docs query does). */
  assessmentKey: Column,
  /** Present only when a query `extend`s it; the grouped model has `properties.timeGenerated`. */
  timeGenerated: z.unknown(),
  properties: z.unknown(),
});
export type DefenderRow = z.infer<typeof DefenderRow>;

/**
 * Reads the envelope of a raw row: top-level keys are looked up case-insensitively, then parsed
 * with `DefenderRow`. Returns null when the row is not a plain object.
 */
export function readDefenderRow(raw: unknown): DefenderRow | null {
  const rec = asRecord(raw);
  if (rec === undefined) return null;
  // A literal with every key (not keyed stores in a loop) keeps the view a fast-mode object.
  const result = DefenderRow.safeParse({
    id: pick(rec, 'id'),
    type: pick(rec, 'type'),
    subscriptionId: pick(rec, 'subscriptionId'),
    resourceGroup: pick(rec, 'resourceGroup'),
    assessmentKey: pick(rec, 'assessmentKey'),
    timeGenerated: pick(rec, 'timeGenerated'),
    properties: pick(rec, 'properties'),
  } satisfies Record<keyof DefenderRow, unknown>);
  return result.success ? result.data : null;
}
