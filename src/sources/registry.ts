/**
 * The explicit registry of source types (Renovate's api.ts): one entry per type, a duplicate is a
 * bug, an unknown type lists the valid ones. Only composition roots use it.
 */
import type { DoctorCheck, FindingSource } from '../core/ports.js';
import type { DefenderFileConfig } from './defender-file/config.js';
import { createDefenderFileSource, DEFENDER_FILE_TYPE, defenderFileChecks } from './defender-file/index.js';
import type { EpssConfig } from './epss/config.js';
import { createEpssSource, EPSS_TYPE, epssChecks } from './epss/index.js';
import type { FeedConfig } from './feed/config.js';
import { createFeedSource, FEED_TYPE, feedChecks } from './feed/index.js';
import type { KevConfig } from './kev/config.js';
import { createKevSource, KEV_TYPE, kevChecks } from './kev/index.js';
import type { AzureResourceGraphConfig } from './azure-resource-graph/config.js';
import { AZURE_RESOURCE_GRAPH_TYPE, azureResourceGraphChecks, createAzureResourceGraphSource } from './azure-resource-graph/index.js';

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

/** A source type: how to build it, and (optionally) its `doctor` checks. Nothing is contacted on creation. */
export interface SourcePlugin<C> {
  create(config: C, deps: SourceDeps): FindingSource;
  checks?(config: C, deps: SourceDeps): DoctorCheck[];
}

const plugins = new Map<string, SourcePlugin<never>>();

function register<C>(type: string, plugin: SourcePlugin<C>): void {
  if (plugins.has(type)) throw new Error(`source type "${type}" is registered twice`);
  plugins.set(type, plugin as SourcePlugin<never>);
}

register<DefenderFileConfig>(DEFENDER_FILE_TYPE, {
  create: (config, deps) => createDefenderFileSource(config, deps.baseDir),
  checks: (config, deps) => defenderFileChecks(config, deps.baseDir),
});

register<AzureResourceGraphConfig>(AZURE_RESOURCE_GRAPH_TYPE, {
  create: (config, deps) => createAzureResourceGraphSource(config, { env: deps.env }),
  checks: (config, deps) => azureResourceGraphChecks(config, { env: deps.env }),
});

register<FeedConfig>(FEED_TYPE, {
  create: (config, deps) => createFeedSource(config, deps.baseDir),
  checks: (config, deps) => feedChecks(config, deps.baseDir),
});

register<KevConfig>(KEV_TYPE, {
  create: (config, deps) => createKevSource(config, deps.baseDir),
  checks: (config, deps) => kevChecks(config, deps.baseDir),
});

register<EpssConfig>(EPSS_TYPE, {
  create: (config, deps) => createEpssSource(config, deps.baseDir),
  checks: (config, deps) => epssChecks(config, deps.baseDir),
});

/** The registered source types. */
function sourceTypes(): string[] {
  return [...plugins.keys()];
}

function pluginFor(type: string): SourcePlugin<never> {
  const plugin = plugins.get(type);
  if (!plugin) throw new Error(`unknown source type "${type}"; known types: ${sourceTypes().join(', ')}`);
  return plugin;
}

/** Builds a source from its (validated) config. */
export function createSource(config: AnySourceConfig, deps: SourceDeps): FindingSource {
  return pluginFor(config.type).create(config as never, deps);
}

/** The `doctor` checks of a configured source (none when the type has no checks). */
export function sourceChecks(config: AnySourceConfig, deps: SourceDeps): DoctorCheck[] {
  return pluginFor(config.type).checks?.(config as never, deps) ?? [];
}
