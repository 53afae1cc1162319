/**
 * The explicit registry of mirror types (like sources/registry.ts): one entry per type, a
 * duplicate is a bug, an unknown type lists the valid ones. Only composition roots use it.
 */
import type { Clock } from '../core/clock.js';
import type { Mirror } from '../core/mirror.js';
import type { DoctorCheck, Logger } from '../core/ports.js';
import type { NotionMirrorConfig } from './notion/config.js';
import { createNotionMirror, NOTION_TYPE, notionChecks } from './notion/index.js';

/** What a mirror factory gets besides its own config. */
export interface MirrorDeps {
  log: Logger;
  clock: Clock;
}

/** Any mirror config: a `type`, an optional `name`, plugin fields. */
export interface AnyMirrorConfig {
  type: string;
  name?: string;
}

/** A mirror type: how to build it and its `doctor` checks. Nothing is contacted on creation. */
export interface MirrorPlugin<C> {
  create(config: C, deps: MirrorDeps): Mirror;
  checks?(config: C, deps: MirrorDeps): DoctorCheck[];
}

const plugins = new Map<string, MirrorPlugin<never>>();

function register<C>(type: string, plugin: MirrorPlugin<C>): void {
  if (plugins.has(type)) throw new Error(`mirror type "${type}" is registered twice`);
  plugins.set(type, plugin as MirrorPlugin<never>);
}

register<NotionMirrorConfig>(NOTION_TYPE, {
  create: (config, deps) => createNotionMirror(config, deps),
  checks: (config, deps) => notionChecks(config, deps),
});

/** The registered mirror types. */
export function mirrorTypes(): string[] {
  return [...plugins.keys()];
}

function pluginFor(type: string): MirrorPlugin<never> {
  const plugin = plugins.get(type);
  if (!plugin) throw new Error(`unknown mirror type "${type}"; known types: ${mirrorTypes().join(', ')}`);
  return plugin;
}

/** Builds a mirror from its (validated) config. */
export function createMirror(config: AnyMirrorConfig, deps: MirrorDeps): Mirror {
  return pluginFor(config.type).create(config as never, deps);
}

/** The `doctor` checks of a configured mirror. */
export function mirrorChecks(config: AnyMirrorConfig, deps: MirrorDeps): DoctorCheck[] {
  return pluginFor(config.type).checks?.(config as never, deps) ?? [];
}
