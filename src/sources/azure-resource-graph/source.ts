/**
 * The `azure-resource-graph` source: runs one query per kind × Defender model over the configured
 * scope, subscription batch by batch, and streams each page into the ledger as a `SourceBatch`.
 * A batch or page that fails is recorded as unread (per subscription when known, else the whole
 * kind) and the rest goes on; the coverage then keeps the lifecycle from resolving anything there.
 */
import type { TokenCredential } from '@azure/identity';
import type { DefenderModel, Finding } from '../../core/finding.js';
import { findingContentHash } from '../../core/lifecycle.js';
import type { FindingSource, SourceBatch, SourceContext, SourceResult } from '../../core/ports.js';
import type { SeverityThreshold } from '../../core/severity.js';
import { addSecret } from '../../util/logger.js';
import { workerEntryExists } from '../../util/worker-inbox.js';
import {
  REQUIRED_ROLE_HINT,
  ResourceGraphError,
  batchSubscriptions,
  createCredential,
  createResourceGraphClient,
  getTokenWithOrigin,
  scopeForEndpoint,
  tokenProviderFromCredential,
  type DescribedCredential,
  type QueryCallOptions,
  type ResourceGraphClient,
  type ResourceGraphClientOptions,
  type ResourceGraphScope,
  type WaitInfo,
} from './client.js';
import type { AzureResourceGraphConfig } from './config.js';
import { CoverageTracker } from './coverage.js';
import { CveDetailsLookup } from './cve-details.js';
import { inThreadMapper, threadMapper, type PageMapper } from './page-mapper.js';
import { CVE_DETAILS_BATCH_MAX, QUERY_MODELS, findingKindOf, loadQuery, loadSubscriptionsQuery, type QueryKind } from './queries.js';

export const AZURE_RESOURCE_GRAPH_TYPE = 'azure-resource-graph';

/**
 * The severity floor of the SQL queries' server-side filter. Not `minSeverity`: a tracked finding
 * whose severity drops below `minSeverity` stays tracked until fixed (README), and a user who raises
 * `minSeverity` must not see every finding below it "resolved". Rows the server drops vanish, and a
 * vanished row reads as a fix, so the server only drops rows with no recognisable severity at all.
 */
export const SERVER_SIDE_SEVERITY_FLOOR: SeverityThreshold = 'Low';

/**
 * Rows of a page mapped and handed to the ledger at a time, as the export reader's batches (which
 * measured faster at 125 than at 500). For this source 125 against 250 was within the bench's
 * run-to-run noise (100k rows: 7.3–7.4 s at 250, 6.5–7.6 s at 125).
 */
const SLICE_ROWS = 125;

/** Findings held back for CVE details before the details are fetched and the findings yielded. */
const DEFAULT_PENDING_FINDINGS = 2_000;

/** What tests (and only tests) may replace: the credential and the client's timing. */
export interface AzureSourceOverrides {
  /** Used instead of the credential `auth` selects. */
  credential?: TokenCredential;
  /** Client options (retries, waits, page size); `getToken` and `endpoint` come from the config. */
  client?: Partial<Omit<ResourceGraphClientOptions, 'getToken' | 'endpoint'>>;
  /** CVE ids per CVE-details query (≤ 500). */
  cveBatchSize?: number;
  /** Findings held back for CVE details before the lookup runs (default 2,000). */
  pendingFindings?: number;
  /** The mapping thread's entry (default: map-worker.js beside this module; absent when running from TypeScript sources, then pages are mapped in-thread). */
  mapWorkerUrl?: URL;
}

const DEFAULT_MAP_WORKER_URL = new URL('./map-worker.js', import.meta.url);

/** The environment the source reads credentials from. */
export interface AzureSourceDeps {
  env: Readonly<Record<string, string | undefined>>;
}

/** A client and the credential behind it. */
export interface Connection {
  client: ResourceGraphClient;
  credential: DescribedCredential;
  tokenScope: string;
}

/**
 * Builds the credential and the client for a config. Throws (naming the variable) when the auth
 * mode's settings are missing; registers secrets read from the environment for redaction.
 */
export function connect(config: AzureResourceGraphConfig, deps: AzureSourceDeps, overrides: AzureSourceOverrides = {}, client: Partial<ResourceGraphClientOptions> = {}): Connection {
  if (config.auth === 'access-token') addSecret(deps.env.AZURE_ACCESS_TOKEN?.trim());
  if (config.auth === 'service-principal') addSecret(deps.env.AZURE_CLIENT_SECRET);
  const given = overrides.credential;
  const credential: DescribedCredential = given
    ? {
        description: credentialLabel(given),
        getToken: (scopes, options) => given.getToken(scopes, options),
        getTokenWithOrigin: (scopes, options) => getTokenWithOrigin(given, scopes, options),
      }
    : createCredential(config.auth, {
        env: deps.env,
        ...(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}),
      });
  const tokenScope = scopeForEndpoint(config.endpoint);
  return {
    credential,
    tokenScope,
    client: createResourceGraphClient({
      getToken: tokenProviderFromCredential(credential, tokenScope),
      endpoint: config.endpoint,
      timeoutMs: config.timeoutSeconds * 1000,
      userAgent: 'vulnledger (azure-resource-graph source)',
      ...client,
      ...overrides.client,
    }),
  };
}

function credentialLabel(credential: TokenCredential): string {
  const described = (credential as { description?: unknown }).description;
  if (typeof described === 'string') return described;
  return credential.constructor?.name && credential.constructor.name !== 'Object' ? credential.constructor.name : 'the given credential';
}

/** Builds the source. Nothing is contacted (and no credential is built) until `collect`. */
export function createAzureResourceGraphSource(
  config: AzureResourceGraphConfig,
  deps: AzureSourceDeps,
  overrides: AzureSourceOverrides = {},
): FindingSource {
  const name = config.name ?? AZURE_RESOURCE_GRAPH_TYPE;
  return {
    name,
    type: AZURE_RESOURCE_GRAPH_TYPE,
    kinds: config.kinds.map(findingKindOf),
    collect: (ctx) => collect(name, config, deps, overrides, ctx),
  };
}

/** Why a configured subscription missing from the identity's visible subscriptions is not read. */
const NOT_VISIBLE =
  `not visible to the identity (Resource Graph lists no such subscription for it); grant it ${REQUIRED_ROLE_HINT} on these subscriptions (or a management group above them), or remove them from scope.subscriptions`;

/** A mapped finding and the content hash the mapper computed for it. */
interface Reported {
  finding: Finding;
  hash: string;
}

/**
 * Applies the CVE details known now. The mapper applied those it had been given; a finding whose
 * details came later (a CVE first seen on this page, or fetched since) changes here and gets its
 * content hash computed again.
 */
function withDetails(cve: CveDetailsLookup, reports: readonly Reported[]): { findings: Finding[]; contentHashes: string[] } {
  const findings: Finding[] = new Array(reports.length);
  const contentHashes: string[] = new Array(reports.length);
  reports.forEach(({ finding, hash }, i) => {
    const changed = cve.apply(finding);
    findings[i] = finding;
    contentHashes[i] = changed ? findingContentHash(finding) : hash;
  });
  return { findings, contentHashes };
}

async function* collect(
  name: string,
  config: AzureResourceGraphConfig,
  deps: AzureSourceDeps,
  overrides: AzureSourceOverrides,
  ctx: SourceContext,
): AsyncGenerator<SourceBatch, SourceResult, void> {
  const workerUrl = overrides.mapWorkerUrl ?? DEFAULT_MAP_WORKER_URL;
  const mapper = workerEntryExists(workerUrl) ? threadMapper(workerUrl, SLICE_ROWS) : inThreadMapper(SLICE_ROWS);
  try {
    return yield* collectPages(name, config, deps, overrides, ctx, mapper);
  } finally {
    ctx.log.debug('pages mapped', mapper.pages);
    await mapper.close();
  }
}

async function* collectPages(
  name: string,
  config: AzureResourceGraphConfig,
  deps: AzureSourceDeps,
  overrides: AzureSourceOverrides,
  ctx: SourceContext,
  mapper: PageMapper,
): AsyncGenerator<SourceBatch, SourceResult, void> {
  const { client } = connect(config, deps, overrides);
  const tracker = new CoverageTracker(config.kinds);
  const notes: string[] = [];
  const progress = new ProgressReporter(name, ctx);
  const call: QueryCallOptions = { signal: ctx.signal, onWait: (info) => progress.wait(info) };
  const models: readonly DefenderModel[] = config.model === 'auto' ? QUERY_MODELS : [config.model];
  const cve = config.cveDetails
    ? new CveDetailsLookup({
        client,
        cache: ctx.cache,
        scope: config.scope?.managementGroups ? { managementGroups: config.scope.managementGroups } : {},
        now: () => ctx.clock.now(),
        maxAgeDays: config.cveDetailsMaxAgeDays,
        call,
        log: ctx.log,
        ...(overrides.cveBatchSize !== undefined ? { batchSize: overrides.cveBatchSize } : {}),
      })
    : null;
  const pendingLimit = overrides.pendingFindings ?? DEFAULT_PENDING_FINDINGS;
  const cveBatchSize = overrides.cveBatchSize ?? CVE_DETAILS_BATCH_MAX;
  // Findings whose CVE details are being looked up wait here (with the content hash the mapper
  // gave them); everything else goes straight on.
  let held: Reported[] = [];
  let pagesRead = 0;

  /** Fetches the queued CVE details, then hands out the held findings with the details applied. */
  const drain = async function* (): AsyncGenerator<SourceBatch, void, void> {
    if (!cve || (held.length === 0 && cve.pending === 0)) return;
    progress.note('looking up CVE details');
    await cve.fetch();
    const out = held;
    held = [];
    if (out.length > 0) yield { rows: 0, ...withDetails(cve, out), skipped: [] };
  };

  // Subscriptions the identity cannot read are reported, not silently left out of the results.
  const configured = config.scope?.subscriptions ? batchSubscriptions(config.scope.subscriptions).flat() : null;
  const unreadable = new Set<string>();
  if (configured) {
    const visible = await readVisibleSubscriptions(client, call).catch((error: unknown) => {
      if (!(error instanceof ResourceGraphError) || error.kind === 'cancelled' || error.kind === 'unauthorized') throw error;
      return { error: error.message };
    });
    if ('error' in visible) {
      notes.push(`Could not list the subscriptions visible to the identity (${visible.error}); the configured ones were queried as given.`);
    } else if (visible.limitHit) {
      notes.push('The tenant has more than 10,000 subscriptions (x-ms-tenant-subscription-limit-hit), so the visible ones could not all be listed; the configured ones were queried as given.');
    } else {
      const missing = configured.filter((id) => !visible.names.has(id.toLowerCase()));
      for (const id of missing) unreadable.add(id.toLowerCase());
      if (missing.length > 0) tracker.unread('all', missing, NOT_VISIBLE);
    }
  }
  const scopes = (): ResourceGraphScope[] => {
    if (configured) {
      const readable = configured.filter((id) => !unreadable.has(id.toLowerCase()));
      return readable.length === 0 ? [] : batchSubscriptions(readable).map((subscriptions) => ({ subscriptions }));
    }
    if (config.scope?.managementGroups) return [{ managementGroups: config.scope.managementGroups }];
    return [{}];
  };

  for (const kind of config.kinds) {
    for (const model of models) {
      const query = loadQuery(kind, model, { minSeverity: SERVER_SIDE_SEVERITY_FLOOR });
      const queue = scopes();
      progress.start(kind, model);
      while (queue.length > 0) {
        const scope = queue.shift()!;
        let truncated = false;
        let limitHit = false;
        try {
          // The next page is fetched while this one is mapped and written; leaving early cancels that fetch.
          const stop = new AbortController();
          const pages = client.query({ query, ...scope }, { ...call, signal: AbortSignal.any([ctx.signal, stop.signal]) });
          try {
            let nextPage = pages.next();
            for (;;) {
              const fetched = await nextPage;
              if (fetched.done) break;
              const page = fetched.value;
              pagesRead++;
              truncated ||= page.truncated;
              limitHit ||= page.partialScope.tenantSubscriptionLimitHit;
              progress.page(page.rowCount);
              // A page is mapped and handed on in slices, so it never exists as one object tree that
              // the GC promotes while the ledger writes (see page-scan.ts). An empty page still
              // yields (an empty batch), so the run record lists the model with 0 rows. While it is
              // mapped (on the mapping thread when there is one) and written, the next page is fetched.
              const batches = mapper.map(page, kind, model, cve?.takeNewDetails() ?? []);
              nextPage = pages.next();
              // Awaited at the top of the loop; this only keeps an early failure from going unhandled.
              nextPage.catch(() => undefined);
              for await (const { detailsApplied, ...batch } of batches) {
                if (!cve) {
                  yield batch;
                  continue;
                }
                cve.stats.applied += detailsApplied;
                await cve.note(batch.findings);
                const ready: Reported[] = [];
                batch.findings.forEach((finding, i) => {
                  const report = { finding, hash: batch.contentHashes[i]! };
                  if (cve.waitsFor(finding)) held.push(report);
                  else ready.push(report);
                });
                yield { ...batch, ...withDetails(cve, ready) };
                if (cve.pending >= cveBatchSize || held.length >= pendingLimit) yield* drain();
              }
            }
          } finally {
            stop.abort();
            void pages.return(undefined).catch(() => undefined);
          }
        } catch (error) {
          if (!(error instanceof ResourceGraphError) || error.kind === 'cancelled' || error.kind === 'unauthorized') throw error;
          const subscriptions = scope.subscriptions ?? null;
          if (error.kind === 'forbidden' && subscriptions && subscriptions.length > 1) {
            // Find the subscription(s) the identity cannot read by halving the batch.
            const half = Math.ceil(subscriptions.length / 2);
            queue.unshift({ subscriptions: subscriptions.slice(0, half) }, { subscriptions: subscriptions.slice(half) });
            ctx.log.info('403 on a subscription batch; splitting it to find the unreadable subscription', { kind, model, subscriptions: subscriptions.length });
            continue;
          }
          if (error.kind === 'forbidden' && subscriptions) {
            for (const id of subscriptions) unreadable.add(id.toLowerCase());
            tracker.unread('all', subscriptions, error.message);
            continue;
          }
          if (error.kind === 'bad-query') {
            tracker.unread([kind], null, `the ${kind} query (${model} model) was rejected: ${error.message}`);
            queue.length = 0;
            continue;
          }
          tracker.unread([kind], subscriptions, `(${model} model) ${error.message}`);
          ctx.log.warn('a Resource Graph query failed; its scope is reported as not read', { kind, model, error: error.message });
          continue;
        }
        if (truncated) {
          tracker.unread([kind], scope.subscriptions ?? null,
            `Resource Graph truncated the ${kind} result (${model} model, resultTruncated "true") and gave no page to continue with`);
        }
        if (limitHit) {
          tracker.unread([kind], null,
            'the tenant or management-group scope spans more than 10,000 subscriptions (x-ms-tenant-subscription-limit-hit), so Resource Graph read only part of it; list the subscriptions in scope.subscriptions');
        }
      }
      progress.finish();
    }
  }
  yield* drain();
  if (cve) {
    notes.push(...cve.notes);
    ctx.log.info('CVE details', { ...cve.stats });
  }
  if (pagesRead === 0 && tracker.incomplete) {
    throw new Error(`nothing could be read from Azure Resource Graph: ${tracker.reason().replace(/^not read, so none of its findings was resolved: /, '')}`);
  }
  return { coverage: tracker.coverage(), notes };
}

/**
 * The subscriptions the identity can read (id, lower-cased → display name) at tenant scope or under
 * management groups, and whether Resource Graph cut the list (more than 10,000 subscriptions).
 * Throws the client's error; the source and `doctor` decide what a failure means for them.
 */
export async function readVisibleSubscriptions(
  client: ResourceGraphClient,
  call: QueryCallOptions,
  scope: Pick<ResourceGraphScope, 'managementGroups'> = {},
): Promise<{ names: Map<string, string>; limitHit: boolean }> {
  const names = new Map<string, string>();
  let limitHit = false;
  for await (const page of client.query({ query: loadSubscriptionsQuery(), ...scope }, call)) {
    limitHit ||= page.partialScope.tenantSubscriptionLimitHit || page.truncated;
    for (const row of page.rows) {
      const id = (row as { subscriptionId?: unknown }).subscriptionId;
      if (typeof id !== 'string' || id.trim() === '') continue;
      const label = (row as { name?: unknown }).name;
      names.set(id.trim().toLowerCase(), typeof label === 'string' ? label : '');
    }
  }
  return { names, limitHit };
}

/** Progress lines: pages and rows per kind, throttle waits. */
class ProgressReporter {
  private pages = 0;
  private rows = 0;
  private kindPages = 0;
  private kindRows = 0;
  private current = '';

  constructor(
    private readonly source: string,
    private readonly ctx: SourceContext,
  ) {}

  start(kind: QueryKind, model: DefenderModel): void {
    this.current = `${kind} (${model})`;
    this.kindPages = 0;
    this.kindRows = 0;
    this.emit(`${this.current}: querying`);
  }

  page(rows: number): void {
    this.pages++;
    this.rows += rows;
    this.kindPages++;
    this.kindRows += rows;
    this.emit(`${this.current}: ${this.kindPages} page${this.kindPages === 1 ? '' : 's'}, ${this.kindRows.toLocaleString('en-US')} rows`);
  }

  finish(): void {
    this.ctx.log.info('query finished', { query: this.current, pages: this.kindPages, rows: this.kindRows });
  }

  note(message: string): void {
    this.emit(`${this.current}: ${message}`);
  }

  wait(info: WaitInfo): void {
    const seconds = `${(info.waitMs / 1000).toFixed(info.waitMs < 10_000 ? 1 : 0)} s`;
    const why =
      info.reason === 'quota'
        ? `quota spent, waiting ${seconds}`
        : info.reason === 'throttled'
          ? `throttled (429), waiting ${seconds} (retry ${info.attempt})`
          : info.reason === 'server-error'
            ? `HTTP ${info.status ?? '5xx'}, retry ${info.attempt} in ${seconds}`
            : info.reason === 'timeout'
              ? `no answer in time, retry ${info.attempt} in ${seconds}`
              : `network error, retry ${info.attempt} in ${seconds}`;
    this.ctx.log.info('waiting before the next Resource Graph call', { reason: info.reason, ms: Math.round(info.waitMs), attempt: info.attempt, status: info.status });
    this.emit(`${this.current || 'Resource Graph'}: ${why}`);
  }

  private emit(message: string): void {
    this.ctx.progress({ source: this.source, phase: 'collect', pages: this.pages, rows: this.rows, message });
  }
}
