/**
 * Finds, reads, interpolates and validates `vulnledger.yaml`. Every problem names the file, the
 * key path and the line; unknown keys get a did-you-mean; a missing `${VAR}` names the variable.
 * Nothing is written before the configuration is valid.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { unfitKeyName, unfitKeyNameMessage } from '../util/key-name.js';
import { addSecret } from '../util/logger.js';
import { Config } from './schema.js';

/** One thing wrong with a config file. */
export interface ConfigProblem {
  /** Key path such as `sources[1].path`; empty for the whole document. */
  path: string;
  line: number | null;
  message: string;
}

/** A config that cannot be used. Its message lists every problem as `file:line key: message`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      problems
        .map((p) => `${file}${p.line !== null ? `:${p.line}` : ''}${p.path ? ` ${p.path}` : ''}: ${p.message}`)
        .join('\n'),
    );
  }
}

/** A validated configuration and where it came from. */
export interface LoadedConfig {
  file: string;
  /** Folder of the config file: relative paths in the config are relative to it. */
  dir: string;
  config: Config;
}

export const CONFIG_FILE_NAMES = ['vulnledger.yaml', 'vulnledger.yml'];

/**
 * Where the config is: `--config`, else `VULNLEDGER_CONFIG`, else `vulnledger.yaml` (or `.yml`)
 * in the working directory. Throws a ConfigError that says how to create one when none exists.
 */
export function findConfigFile(options: { explicit?: string; env: NodeJS.ProcessEnv; cwd: string }): string {
  const chosen = options.explicit ?? options.env.VULNLEDGER_CONFIG;
  if (chosen) {
    const file = path.resolve(options.cwd, chosen);
    if (!existsSync(file)) {
      const via = options.explicit ? '--config' : 'VULNLEDGER_CONFIG';
      throw new ConfigError(file, [{ path: '', line: null, message: `no such file (given by ${via}). Run \`vulnledger init\` to write a starter config.` }]);
    }
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(options.cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(path.join(options.cwd, CONFIG_FILE_NAMES[0]!), [
    {
      path: '',
      line: null,
      message: 'no config found (looked for --config, VULNLEDGER_CONFIG and vulnledger.yaml in the working directory). Run `vulnledger init` to write a commented starter config.',
    },
  ]);
}

type PathSegment = string | number;

function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

const SECRET_KEY = /token|secret|password|webhook|apikey|api_key|clientsecret/i;

/** Replaces `${VAR}` in every string scalar (in place); `$${` is a literal `${`. */
function interpolate(doc: Document, env: NodeJS.ProcessEnv, lines: LineCounter, problems: ConfigProblem[]): void {
  const walk = (node: unknown, segments: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...segments, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...segments, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const original = node.value;
      const replaced = original.replace(/\$?\$\{([^}]*)\}/g, (match: string, name: string) => {
        if (match.startsWith('$$')) return match.slice(1);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          problems.push({ path: formatPath(segments), line: lineOfNode(node, lines), message: `"\${${name}}" is not a valid environment variable reference` });
          return match;
        }
        const value = env[name];
        if (value === undefined) {
          problems.push({
            path: formatPath(segments),
            line: lineOfNode(node, lines),
            message: `environment variable ${name} is not set (referenced as \${${name}}); set it or remove the reference`,
          });
          return match;
        }
        const lastKey = segments[segments.length - 1];
        if (typeof lastKey === 'string' && SECRET_KEY.test(lastKey)) addSecret(value);
        return value;
      });
      node.value = replaced;
    }
  };
  walk(doc.contents, []);
}

function lineOfNode(node: { range?: [number, number, number] | null } | null | undefined, lines: LineCounter): number | null {
  if (!node?.range) return null;
  return lines.linePos(node.range[0]).line;
}

/** The YAML node at a key path (or the closest existing ancestor), for line numbers. */
function nodeAt(doc: Document, segments: readonly PathSegment[], unknownKey?: string): YamlNode | null {
  let node: unknown = doc.contents;
  let last: YamlNode | null = (doc.contents as YamlNode | null) ?? null;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return last;
      node = pair.value;
      last = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) return last;
      last = node as YamlNode;
    } else {
      return last;
    }
  }
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === unknownKey);
    if (pair && isScalar(pair.key)) return pair.key as YamlNode;
  }
  return last;
}

/** Levenshtein distance, for did-you-mean. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

type ZodDef = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; discriminator?: string };

function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** The keys an object schema accepts at a path (walking wrappers, arrays and discriminated unions). */
function knownKeysAt(schema: z.ZodType, segments: readonly PathSegment[], data: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let value: unknown = data;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let def = defOf(s);
    let out = s;
    while (def.innerType || (def.type === 'pipe' && def.in)) {
      out = (def.innerType ?? def.in)!;
      def = defOf(out);
    }
    return out;
  };
  const pickOption = (s: z.ZodType, v: unknown): z.ZodType => {
    const def = defOf(s);
    if (def.type !== 'union' || !def.options) return s;
    const disc = def.discriminator;
    if (disc && typeof v === 'object' && v !== null) {
      const tag = (v as Record<string, unknown>)[disc];
      const match = def.options.find((o) => {
        const shape = defOf(unwrap(o)).shape;
        const lit = shape?.[disc] ? defOf(shape[disc]!) : null;
        return (lit as unknown as { values?: unknown[] })?.values?.includes(tag);
      });
      if (match) return match;
    }
    return def.options[0] ?? s;
  };
  for (const segment of segments) {
    if (!current) return [];
    current = pickOption(unwrap(current), value);
    const def = defOf(unwrap(current));
    if (typeof segment === 'number' && def.type === 'array') {
      current = def.element;
      value = Array.isArray(value) ? value[segment] : undefined;
    } else if (def.type === 'object' && def.shape) {
      current = def.shape[String(segment)];
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[String(segment)] : undefined;
    } else {
      return [];
    }
  }
  if (!current) return [];
  const final = defOf(unwrap(pickOption(unwrap(current), value)));
  return final.type === 'object' && final.shape ? Object.keys(final.shape) : [];
}

function issueToProblems(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, data: unknown): ConfigProblem[] {
  const segments = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(Config, segments, data);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, known);
      const hint = suggestion ? ` Did you mean "${suggestion}"?` : known.length > 0 ? ` Known keys: ${known.join(', ')}.` : '';
      return {
        path: formatPath([...segments, key]),
        line: lineOfNode(nodeAt(doc, segments, key) as never, lines),
        message: `unknown key "${key}".${hint}`,
      };
    });
  }
  let message = issue.message;
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    const options = ((issue as unknown as { options?: unknown[] }).options ?? []).map(String);
    const given = segmentsValue(data, segments);
    const suggestion = typeof given === 'string' ? didYouMean(given, options) : null;
    message = `unknown ${String((issue as unknown as { discriminator: string }).discriminator)} ${JSON.stringify(given)}; expected one of: ${options.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`;
  } else if (issue.code === 'invalid_type' && segmentsValue(data, segments) === undefined) {
    message = `required (${issue.message.replace(/^Invalid input: expected /, '').replace(/, received undefined$/, '')})`;
  }
  return [{ path: formatPath(segments), line: lineOfNode(nodeAt(doc, segments) as never, lines), message }];
}

function segmentsValue(data: unknown, segments: readonly PathSegment[]): unknown {
  let value = data;
  for (const s of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[s];
  }
  return value;
}

/** Parses and validates config text. `file` is used in messages and to resolve relative paths. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0]?.line ?? null, message: `invalid YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  const problems: ConfigProblem[] = [];
  interpolate(doc, env, lines, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(file, [{ path: '', line: 1, message: 'the config must be a mapping of keys (database, minSeverity, sources, …)' }]);
  }
  const result = Config.safeParse(data);
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.flatMap((issue) => issueToProblems(issue, doc, lines, data)));
  }
  const config = result.data;
  const names = new Map<string, number>();
  config.sources.forEach((source, index) => {
    const name = source.name ?? source.type;
    const unfit = unfitKeyName(name);
    if (unfit) {
      problems.push({
        path: `sources[${index}].name`,
        line: lineOfNode((nodeAt(doc, ['sources', index, 'name']) ?? nodeAt(doc, ['sources', index])) as never, lines),
        message: unfitKeyNameMessage('source', name, unfit),
      });
    }
    if (names.has(name)) {
      problems.push({
        path: `sources[${index}].name`,
        line: lineOfNode(nodeAt(doc, ['sources', index]) as never, lines),
        message: `source name "${name}" is used twice (also sources[${names.get(name)}]); give each source a unique name`,
      });
    }
    names.set(name, index);
    source.name = name;
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, dir: path.dirname(file), config };
}

/** Reads and validates a config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(file, [{ path: '', line: null, message: `cannot read the config (${code})` }]);
  }
  return parseConfig(text, file, env);
}

/** Resolves a path from the config relative to the config's folder. */
export function resolveConfigPath(loaded: Pick<LoadedConfig, 'dir'>, value: string): string {
  if (value === ':memory:') return value;
  return path.resolve(loaded.dir, value);
}
