import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Converts one glob segment (`*.json`, `week-?`) to a regular expression. */
function segmentRegex(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function hasMagic(segment: string): boolean {
  return /[*?]/.test(segment);
}

function walk(dir: string, segments: readonly string[], out: string[]): void {
  if (segments.length === 0) return;
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '**') {
    walk(dir, rest, out);
    for (const entry of safeReaddir(dir)) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), segments, out);
    }
    return;
  }
  if (!hasMagic(head)) {
    const next = path.join(dir, head);
    if (rest.length === 0) {
      if (isFile(next)) out.push(next);
    } else {
      walk(next, rest, out);
    }
    return;
  }
  const re = segmentRegex(head);
  for (const entry of safeReaddir(dir)) {
    if (!re.test(entry.name)) continue;
    const next = path.join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile()) out.push(next);
    } else if (entry.isDirectory()) {
      walk(next, rest, out);
    }
  }
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Expands a file, a folder (its `*.json` files) or a glob (`*`, `?`, `**`) into a sorted list of
 * files. `base` resolves relative patterns. Returns [] when nothing matches.
 */
export function expandFiles(pattern: string, base: string, folderExtension = '.json'): string[] {
  const absolute = path.resolve(base, pattern);
  try {
    const stat = statSync(absolute);
    if (stat.isFile()) return [absolute];
    if (stat.isDirectory()) {
      return safeReaddir(absolute)
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(folderExtension))
        .map((e) => path.join(absolute, e.name))
        .sort();
    }
  } catch {
    // Not an existing path: treat as a glob.
  }
  const parts = absolute.split(path.sep);
  const firstMagic = parts.findIndex(hasMagic);
  if (firstMagic === -1) return [];
  const root = parts.slice(0, firstMagic).join(path.sep) || path.sep;
  const out: string[] = [];
  walk(root, parts.slice(firstMagic), out);
  return [...new Set(out)].sort();
}
