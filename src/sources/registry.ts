/**
 * The explicit registry of source types (Renovate's api.ts): one entry per type, a duplicate is a
 * bug, an unknown type lists the valid ones. Only composition roots use it.
 */
import type { FindingSource } from '../core/ports.js';
import type { DefenderFileConfig } from './defender-file/config.js';
import { createDefenderFileSource, DEFENDER_FILE_TYPE } from './defender-file/index.js';

/** What a source factory gets besides its own config. */
export interface SourceDeps {
  /** Folder of the config file: relative paths resolve against it. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
}

/** Any source config: a `type`, an optional `name`, plugin fields. */
export interface AnySourceConfig {
  type: string;
  name?: string;
}

type Factory = (config: never, deps: SourceDeps) => FindingSource;

const factories = new Map<string, Factory>();

function register<C>(type: string, factory: (config: C, deps: SourceDeps) => FindingSource): void {
  if (factories.has(type)) throw new Error(`source type "${type}" is registered twice`);
  factories.set(type, factory as Factory);
}

register<DefenderFileConfig>(DEFENDER_FILE_TYPE, (config, deps) => createDefenderFileSource(config, deps.baseDir));

/** The registered source types. */
export function sourceTypes(): string[] {
  return [...factories.keys()];
}

/** Builds a source from its (validated) config. */
export function createSource(config: AnySourceConfig, deps: SourceDeps): FindingSource {
  const factory = factories.get(config.type);
  if (!factory) throw new Error(`unknown source type "${config.type}"; known types: ${sourceTypes().join(', ')}`);
  return factory(config as never, deps);
}
