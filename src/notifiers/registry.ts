/**
 * The explicit registry of notifier types (like sources/registry.ts): one entry per type, a
 * duplicate is a bug, an unknown type lists the valid ones. Only composition roots use it.
 */
import type { Notifier } from '../core/notification.js';
import type { DoctorCheck } from '../core/ports.js';
import type { NotifierDeps, NotifierPlugin } from './_shared/plugin.js';
import type { SlackConfig } from './slack/config.js';
import { createSlackNotifier, SLACK_TYPE, slackChecks } from './slack/index.js';
import type { TeamsConfig } from './teams/config.js';
import { createTeamsNotifier, TEAMS_TYPE, teamsChecks } from './teams/index.js';
import type { WebhookConfig } from './webhook/config.js';
import { createWebhookNotifier, WEBHOOK_TYPE, webhookChecks } from './webhook/index.js';

export type { NotifierDeps } from './_shared/plugin.js';

/** Any notifier config: a `type`, an optional `name`, plugin fields. */
export interface AnyNotifierConfig {
  type: string;
  name?: string | undefined;
}

const plugins = new Map<string, NotifierPlugin<never>>();

function register<C>(type: string, plugin: NotifierPlugin<C>): void {
  if (plugins.has(type)) throw new Error(`notifier type "${type}" is registered twice`);
  plugins.set(type, plugin as NotifierPlugin<never>);
}

register<SlackConfig>(SLACK_TYPE, { create: createSlackNotifier, checks: slackChecks });
register<TeamsConfig>(TEAMS_TYPE, { create: createTeamsNotifier, checks: (config) => teamsChecks(config) });
register<WebhookConfig>(WEBHOOK_TYPE, { create: createWebhookNotifier, checks: (config) => webhookChecks(config) });

/** The registered notifier types. */
export function notifierTypes(): string[] {
  return [...plugins.keys()];
}

function pluginFor(type: string): NotifierPlugin<never> {
  const plugin = plugins.get(type);
  if (!plugin) throw new Error(`unknown notifier type "${type}"; known types: ${notifierTypes().join(', ')}`);
  return plugin;
}

/** Builds a notifier from its (validated) config. */
export function createNotifier(config: AnyNotifierConfig, deps: NotifierDeps): Notifier {
  return pluginFor(config.type).create(config as never, deps);
}

/** The `doctor` checks of a configured notifier. */
export function notifierChecks(config: AnyNotifierConfig, deps: NotifierDeps): DoctorCheck[] {
  return pluginFor(config.type).checks(config as never, deps);
}
