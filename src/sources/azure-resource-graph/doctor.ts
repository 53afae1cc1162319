/**
 * `vulnledger doctor` checks for an `azure-resource-graph` source, in order: the config (endpoint,
 * credential settings), a token (which credential produced it — never the token), the
 * subscriptions the identity can see against the configured scope, a one-row probe per kind and
 * model, and whether tenant-level CVE details are readable. A later check is skipped when an
 * earlier one it depends on failed. Nothing is written anywhere.
 */
import type { CheckResult, DoctorCheck } from '../../core/ports.js';
import { messageOf } from '../../util/errors.js';
import {
  REQUIRED_ROLE_HINT,
  ResourceGraphError,
  describeScope,
  getTokenWithOrigin,
  roleAssignmentScope,
  type QueryCallOptions,
  type ResourceGraphScope,
} from './client.js';
import type { AzureResourceGraphConfig } from './config.js';
import { QUERY_MODELS, loadCveDetailsProbeQuery, loadQuery, probeQuery } from './queries.js';
import { AZURE_RESOURCE_GRAPH_TYPE, SERVER_SIDE_SEVERITY_FLOOR, connect, readVisibleSubscriptions, type AzureSourceDeps, type AzureSourceOverrides, type Connection } from './source.js';

/** Subscriptions named in a detail before "and N more". */
const LISTED = 10;

/** The doctor's client: fewer retries and shorter waits than a run, so every check ends within its minute. */
function doctorClientOptions(config: AzureResourceGraphConfig) {
  return {
    timeoutMs: Math.min(config.timeoutSeconds * 1000, 25_000),
    retry: { retries: 1, baseDelayMs: 1_000, maxDelayMs: 5_000 },
    throttleRetries: 3,
    maxWaitMs: 10_000,
  };
}

const AUTH_HINTS: Record<AzureResourceGraphConfig['auth'], string> = {
  default:
    'Sign in with `az login`, run on Azure with a managed identity, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; or pick one with "auth" (see README "Connecting to Azure")',
  cli: 'Run `az login` (and `az account set --subscription <id>`) as the user that runs vulnledger; the Azure CLI must be on PATH',
  'managed-identity':
    'Run on an Azure resource (VM, container app, function, AKS with workload identity) that has a managed identity; for a user-assigned identity set managedIdentityClientId',
  'service-principal': 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) and that the secret has not expired',
  'access-token':
    'Put a current token in AZURE_ACCESS_TOKEN, e.g. `az account get-access-token --resource https://management.azure.com --query accessToken -o tsv`',
};

/** The doctor checks of one configured source. */
export function azureResourceGraphChecks(config: AzureResourceGraphConfig, deps: AzureSourceDeps, overrides: AzureSourceOverrides = {}): DoctorCheck[] {
  const source = config.name ?? AZURE_RESOURCE_GRAPH_TYPE;
  const label = (what: string): string => `source ${source}: ${what}`;
  const state: { connection: Connection | null; tokenOk: boolean; unreadable: Set<string> } = {
    connection: null,
    tokenOk: false,
    unreadable: new Set(),
  };
  const models = config.model === 'auto' ? QUERY_MODELS : [config.model];
  const skip = (name: string, why: string): CheckResult => ({ name, status: 'skip', detail: why });
  const call = (signal: AbortSignal): QueryCallOptions => ({ signal });

  const checks: DoctorCheck[] = [
    {
      name: label('config'),
      async run() {
        const name = label('config');
        try {
          state.connection = connect(config, deps, overrides, doctorClientOptions(config));
        } catch (error) {
          return { name, status: 'fail', detail: messageOf(error), hint: AUTH_HINTS[config.auth] };
        }
        return {
          name,
          status: 'ok',
          detail: `endpoint ${config.endpoint}; scope ${describeConfiguredScope(config)}; kinds ${config.kinds.join(', ')}; model ${config.model}; auth ${config.auth} (${state.connection.credential.description})`,
        };
      },
    },
    {
      name: label('token'),
      async run(signal) {
        const name = label('token');
        const connection = state.connection;
        if (!connection) return skip(name, 'the config check failed');
        try {
          const { token, origin } = await getTokenWithOrigin(connection.credential, connection.tokenScope, { abortSignal: signal });
          state.tokenOk = true;
          const expires = Number.isFinite(token.expiresOnTimestamp) ? `, valid until ${new Date(token.expiresOnTimestamp).toISOString()}` : '';
          return { name, status: 'ok', detail: `${origin} obtained a token for ${connection.tokenScope}${expires}` };
        } catch (error) {
          return { name, status: 'fail', detail: `${connection.credential.description} could not get a token for ${connection.tokenScope}: ${messageOf(error)}`, hint: AUTH_HINTS[config.auth] };
        }
      },
    },
    {
      name: label('subscriptions'),
      async run(signal) {
        const name = label('subscriptions');
        const connection = state.connection;
        if (!connection || !state.tokenOk) return skip(name, 'no token');
        const mgs = config.scope?.managementGroups;
        let visible: Map<string, string>;
        let limitHit: boolean;
        try {
          ({ names: visible, limitHit } = await readVisibleSubscriptions(connection.client, call(signal), mgs ? { managementGroups: mgs } : {}));
        } catch (error) {
          return failure(name, error);
        }
        const configured = config.scope?.subscriptions;
        if (limitHit && configured) {
          // A run names these subscriptions in every query, so it is complete; only the check is lost.
          return {
            name,
            status: 'warn',
            detail: `Resource Graph could not list every visible subscription (more than 10,000, or a cut answer), so whether the ${configured.length} configured subscription(s) are visible was not checked; a run queries them as given`,
          };
        }
        if (limitHit) {
          return {
            name,
            status: 'warn',
            detail: `more than 10,000 subscriptions are visible${mgs ? ` under ${describeScope({ managementGroups: mgs })}` : ''}, so Resource Graph could not list them all (x-ms-tenant-subscription-limit-hit); a run at this scope reads only part of it and resolves nothing`,
            hint: 'List the subscriptions to read in scope.subscriptions (or narrow scope.managementGroups)',
          };
        }
        const describe = (id: string): string => (visible.get(id.toLowerCase()) ? `${visible.get(id.toLowerCase())} (${id})` : id);
        if (configured) {
          const missing = configured.filter((id) => !visible.has(id.toLowerCase()));
          for (const id of missing) state.unreadable.add(id.toLowerCase());
          if (missing.length > 0) {
            return {
              name,
              status: 'fail',
              detail: `${missing.length} of ${configured.length} configured subscription(s) not visible to the identity: ${list(missing)}; a run reports them as not read (partial) and resolves nothing in them`,
              hint: `Grant the identity ${REQUIRED_ROLE_HINT} on ${roleAssignmentScope({ subscriptions: missing })}, or remove them from scope.subscriptions`,
            };
          }
          return { name, status: 'ok', detail: `all ${configured.length} configured subscription(s) visible: ${list(configured.map(describe))}` };
        }
        if (visible.size === 0) {
          return {
            name,
            status: 'fail',
            detail: `the identity sees no subscription at ${mgs ? describeScope({ managementGroups: mgs }) : 'tenant scope'}`,
            hint: `Grant the identity ${REQUIRED_ROLE_HINT} on ${roleAssignmentScope(mgs ? { managementGroups: mgs } : {})}`,
          };
        }
        return { name, status: 'ok', detail: `${visible.size} subscription(s) visible${mgs ? ` under ${describeScope({ managementGroups: mgs })}` : ''}: ${list([...visible.keys()].map(describe))}` };
      },
    },
    ...config.kinds.flatMap((kind) =>
      models.map(
        (model): DoctorCheck => ({
          name: label(`query ${kind} (${model})`),
          async run(signal) {
            const name = label(`query ${kind} (${model})`);
            const connection = state.connection;
            if (!connection || !state.tokenOk) return skip(name, 'no token');
            const scope = probeScope(config, state.unreadable);
            if (scope === null) return skip(name, 'no configured subscription is visible to the identity');
            let rows = 0;
            try {
              for await (const page of connection.client.query({ query: probeQuery(loadQuery(kind, model, { minSeverity: SERVER_SIDE_SEVERITY_FLOOR })), ...scope }, call(signal))) {
                rows += page.rows.length;
                if (rows > 0) break;
              }
            } catch (error) {
              return failure(name, error);
            }
            if (rows > 0) return { name, status: 'ok', detail: `runs at ${describeScope(scope)}; returned a row` };
            const why = model === 'grouped' ? ' (expected: Microsoft retired the grouped model on 2026-07-31)' : ' (nothing to report, or Defender for Cloud does not scan this kind here)';
            return { name, status: 'ok', detail: `runs at ${describeScope(scope)}; no rows${why}` };
          },
        }),
      ),
    ),
    {
      name: label('cvedetails'),
      async run(signal) {
        const name = label('cvedetails');
        const connection = state.connection;
        if (!config.cveDetails) return skip(name, 'disabled (cveDetails: false)');
        if (!connection || !state.tokenOk) return skip(name, 'no token');
        const scope: ResourceGraphScope = config.scope?.managementGroups ? { managementGroups: config.scope.managementGroups } : {};
        const hint = `Grant the identity ${REQUIRED_ROLE_HINT} on the tenant root management group (or on a management group, and set scope.managementGroups); without it, CVE severities stay as Defender reports them inline, else the recommendation's`;
        try {
          for await (const page of connection.client.query({ query: loadCveDetailsProbeQuery(), ...scope }, call(signal))) {
            if (page.rows.length > 0) return { name, status: 'ok', detail: `CVE details (microsoft.security/cvedetails) readable at ${describeScope(scope)}` };
          }
        } catch (error) {
          return { name, status: 'warn', detail: `CVE details could not be checked at ${describeScope(scope)}: ${messageOf(error)}`, hint };
        }
        return { name, status: 'warn', detail: `CVE details (microsoft.security/cvedetails) are not readable at ${describeScope(scope)}: Resource Graph returned none`, hint };
      },
    },
  ];
  return checks;
}

/** Where the probes run: the configured scope, minus subscriptions already known not to be visible. */
function probeScope(config: AzureResourceGraphConfig, unreadable: ReadonlySet<string>): ResourceGraphScope | null {
  if (config.scope?.subscriptions) {
    const readable = config.scope.subscriptions.filter((id) => !unreadable.has(id.toLowerCase()));
    return readable.length > 0 ? { subscriptions: readable } : null;
  }
  if (config.scope?.managementGroups) return { managementGroups: config.scope.managementGroups };
  return {};
}

function failure(name: string, error: unknown): CheckResult {
  if (error instanceof ResourceGraphError) {
    // The message ends with the hint; repeat it on its own line only when it says what to grant.
    const hint = error.kind === 'forbidden' ? `Grant the identity ${REQUIRED_ROLE_HINT} on ${roleAssignmentScope(error.scope)}` : error.hint;
    return { name, status: 'fail', detail: error.message, hint };
  }
  return { name, status: 'fail', detail: messageOf(error), hint: 'Run again with --verbose; if it persists, report it' };
}

function describeConfiguredScope(config: AzureResourceGraphConfig): string {
  if (config.scope?.subscriptions) return `${config.scope.subscriptions.length} subscription(s)`;
  if (config.scope?.managementGroups) return describeScope({ managementGroups: config.scope.managementGroups });
  return 'everything the identity can read (tenant)';
}

function list(values: readonly string[]): string {
  return values.length <= LISTED ? values.join(', ') : `${values.slice(0, LISTED).join(', ')} and ${values.length - LISTED} more`;
}

