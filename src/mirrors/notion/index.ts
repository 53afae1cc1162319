/**
 * Mirror `notion`: a two-way mirror of the ledger in a Notion database, one page per case
 * (see readme.md). This file wires the parts: naming, rendering, the client, the session, setup
 * and the `doctor` checks.
 */
import type { Clock } from '../../core/clock.js';
import type { Mirror } from '../../core/mirror.js';
import type { CheckResult, DoctorCheck, Logger } from '../../core/ports.js';
import { addSecret } from '../../util/logger.js';
import { messageOf } from '../../util/errors.js';
import { bodyHash } from './body.js';
import { NotionApi, NotionRequestError, type NotionApiOptions } from './client.js';
import type { NotionMirrorConfig } from './config.js';
import { resolveNaming, type Naming } from './fields.js';
import { parseHuman, renderValues } from './properties.js';
import { applySetup, planSchema, schemaProblems, type SetupReport } from './setup.js';
import { openNotionSession } from './sync.js';
import { resolveTarget } from './target.js';

export const NOTION_TYPE = 'notion';

/** What the Notion mirror needs besides its config. */
export interface NotionDeps {
  log: Logger;
  clock: Clock;
  /** Client overrides for tests (retry timing, fetch). */
  client?: Partial<Pick<NotionApiOptions, 'sdkRetry' | 'retries' | 'backoffMs' | 'fetch' | 'sleep'>>;
  /** Wait between create attempts after a failure (tests shorten it). */
  createBackoffMs?: number;
}

function api(config: NotionMirrorConfig, deps: NotionDeps, signal?: AbortSignal): NotionApi {
  return new NotionApi({
    token: config.token,
    baseUrl: config.baseUrl,
    timeoutMs: config.timeoutSeconds * 1000,
    requestsPerSecond: config.requestsPerSecond,
    log: deps.log,
    signal,
    ...deps.client,
  });
}

/** The naming of a config (property names per field and the option-label language). */
export function namingOf(config: NotionMirrorConfig): Naming {
  return resolveNaming(config.propertyNames);
}

/** Builds the mirror. Nothing is contacted until a sync opens a session. */
export function createNotionMirror(config: NotionMirrorConfig, deps: NotionDeps): Mirror {
  addSecret(config.token);
  const naming = namingOf(config);
  return {
    name: config.name ?? NOTION_TYPE,
    type: NOTION_TYPE,
    minSeverity: config.minSeverity ?? null,
    render: (c) => ({ values: renderValues(c, naming.language), bodyHash: bodyHash(c, naming.language) }),
    parse: (field, text, current) => parseHuman(field, text, current, naming),
    open: async ({ signal, kv }) =>
      openNotionSession({
        api: api(config, deps, signal),
        database: config.database,
        naming,
        kv,
        log: deps.log,
        now: () => deps.clock.now(),
        createBackoffMs: deps.createBackoffMs,
      }),
  };
}

/** `vulnledger notion setup`: adds what the schema lacks; returns what it found and did. */
export async function notionSetup(config: NotionMirrorConfig, deps: NotionDeps): Promise<SetupReport & { requests: { reads: number; writes: number } }> {
  addSecret(config.token);
  const client = api(config, deps);
  const target = await resolveTarget(client, config.database);
  const report = await applySetup(client, target, namingOf(config));
  const { reads, writes } = client.stats();
  return { ...report, requests: { reads, writes } };
}

/** `doctor`: the token works, the database is shared, the schema matches — without writing. */
export function notionChecks(config: NotionMirrorConfig, deps: NotionDeps): DoctorCheck[] {
  const label = `mirror ${config.name ?? NOTION_TYPE}`;
  return [
    {
      name: `${label}: Notion database`,
      async run(signal): Promise<CheckResult[]> {
        addSecret(config.token);
        const client = api(config, deps, signal);
        let target;
        try {
          target = await resolveTarget(client, config.database);
        } catch (error) {
          const message = messageOf(error);
          const failure = error instanceof NotionRequestError ? error.failure : null;
          const what = failure === 'unauthorized' ? 'the token is not accepted' : failure === 'not-found' ? 'the database is not found or not shared with the integration' : 'the database cannot be read';
          return [{ name: `${label}: Notion database`, status: 'fail', detail: `${what}: ${message}` }];
        }
        const results: CheckResult[] = [
          { name: `${label}: Notion database`, status: 'ok', detail: `"${target.title}" is shared with the integration (data source ${target.dataSourceId})` },
        ];
        const plan = planSchema(await client.getDataSource(target.dataSourceId), namingOf(config));
        const problems = schemaProblems(plan);
        if (problems.length > 0) {
          results.push({ name: `${label}: schema`, status: 'fail', detail: problems.join('; '), hint: 'Run `vulnledger notion setup` (adds properties, deletes nothing); for a mistyped property rename it in Notion or map the field elsewhere with "propertyNames".' });
        } else if (plan.extend.length > 0 || plan.statusGaps.length > 0) {
          const notes = [
            ...plan.extend.map((e) => `${e.name} lacks options ${e.added.join(', ')}`),
            ...plan.statusGaps.map((g) => `status property ${g.name} has no option for ${g.missing.join(', ')} (add them in Notion; the API cannot)`),
          ];
          results.push({ name: `${label}: schema`, status: 'warn', detail: notes.join('; '), hint: 'Run `vulnledger notion setup` to add the missing select options.' });
        } else {
          results.push({ name: `${label}: schema`, status: 'ok', detail: `all ${plan.matched.length} properties present; the title "${plan.titleName}" holds the case key` });
        }
        return results;
      },
    },
  ];
}
