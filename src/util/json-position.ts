import { messageOf } from './errors.js';
/**
 * Where a JSON text stops being JSON. V8's `JSON.parse` messages carry a position only for some
 * errors ("Unexpected token …" has none), so this small scanner finds the offset; it runs only
 * after `JSON.parse` has failed. Shared by every parser that reports "line N, column M".
 */

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first character at which `text` stops being JSON (`text.length` for a premature end), or -1 if valid. */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  const stack: Array<'object' | 'array'> = [];
  let state: 'value' | 'firstValue' | 'key' | 'firstKey' | 'colon' | 'after' = 'value';
  let i = 0;
  for (;;) {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
    if (state === 'after' && stack.length === 0) return i >= n ? -1 : i;
    if (i >= n) return n;
    const ch = text[i];
    if (state === 'colon') {
      if (ch !== ':') return i;
      i++;
      state = 'value';
      continue;
    }
    if (state === 'after') {
      const top = stack[stack.length - 1];
      if (ch === ',') state = top === 'object' ? 'key' : 'value';
      else if ((ch === '}' && top === 'object') || (ch === ']' && top === 'array')) stack.pop();
      else return i;
      i++;
      continue;
    }
    if (state === 'key' || state === 'firstKey') {
      if (state === 'firstKey' && ch === '}') {
        stack.pop();
        i++;
        state = 'after';
        continue;
      }
      if (ch !== '"') return i;
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = end;
      state = 'colon';
      continue;
    }
    if (state === 'firstValue' && ch === ']') {
      stack.pop();
      i++;
      state = 'after';
      continue;
    }
    if (ch === '{') {
      stack.push('object');
      i++;
      state = 'firstKey';
    } else if (ch === '[') {
      stack.push('array');
      i++;
      state = 'firstValue';
    } else if (ch === '"') {
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = end;
      state = 'after';
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
      state = 'after';
    } else if (text.startsWith('false', i)) {
      i += 5;
      state = 'after';
    } else {
      NUMBER_RE.lastIndex = i;
      if (!NUMBER_RE.test(text)) return i;
      i = NUMBER_RE.lastIndex;
      state = 'after';
    }
  }
}

/** Index after the closing quote, or -(errorOffset + 1). */
function scanString(text: string, start: number): number {
  const n = text.length;
  let j = start + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -(j + 1);
    if (c === 0x5c) {
      const e = text[j + 1];
      if (e === undefined) return -(n + 1);
      if ('"\\/bfnrt'.includes(e)) {
        j += 2;
        continue;
      }
      if (e !== 'u') return -(j + 2);
      for (let k = 2; k < 6; k++) {
        if (!/[0-9a-fA-F]/.test(text[j + k] ?? '')) return -(Math.min(j + k, n) + 1);
      }
      j += 6;
      continue;
    }
    j++;
  }
  return -(n + 1);
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNewline = i;
    }
  }
  return { line, column: offset - lastNewline };
}

/** Line and column of the first character at which `text` stops being JSON (the end for a premature end). */
export function jsonErrorPosition(text: string): { offset: number; line: number; column: number } {
  const found = jsonErrorOffset(text);
  const offset = found < 0 ? text.length : found;
  return { offset, ...lineColumn(text, offset) };
}

/** The outcome of parsing a JSON document: the value, or where and why it is not JSON. */
export type JsonTextResult = { ok: true; value: unknown } | { ok: false; line: number; column: number; reason: string };

/** Parses a JSON document (a leading BOM is allowed) and, when it is not JSON, says where. */
export function parseJsonText(text: string): JsonTextResult {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch (error) {
    const { line, column } = jsonErrorPosition(json);
    return { ok: false, line, column, reason: messageOf(error) };
  }
}
