/** `doctor` checks of the azure-resource-graph source against the fake Resource Graph over HTTP. */
import { ChainedTokenCredential, CredentialUnavailableError, type AccessToken, type TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { cveDetailsRow, machineRow, subscriptionRow } from '../../../test/fakes/defender-rows.js';
import { FAKE_TOKEN, startFakeResourceGraph, type FakeResourceGraph, type FakeResourceGraphOptions } from '../../../test/fakes/resource-graph.js';
import { runDoctor, type DoctorReport } from '../../app/doctor.js';
import { getTokenWithOrigin } from './client.js';
import { AzureResourceGraphConfig } from './config.js';
import { azureResourceGraphChecks } from './doctor.js';
import type { AzureSourceOverrides } from './source.js';

const SUB_A = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const SUB_B = '5c2d8e3a-7f41-4b6e-9a0d-1e2f3a4b5c6d';

const fakes: FakeResourceGraph[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function doctor(
  fakeOptions: FakeResourceGraphOptions,
  config: Record<string, unknown> = {},
  env: Record<string, string> = { AZURE_ACCESS_TOKEN: FAKE_TOKEN },
  overrides: AzureSourceOverrides = {},
  prepare: (fake: FakeResourceGraph) => void = () => undefined,
): Promise<{ report: DoctorReport; lines: string[]; fake: FakeResourceGraph }> {
  const fake = await startFakeResourceGraph(fakeOptions);
  fakes.push(fake);
  prepare(fake);
  const parsed = AzureResourceGraphConfig.parse({
    type: 'azure-resource-graph',
    name: 'defender',
    endpoint: fake.url,
    auth: 'access-token',
    scope: { subscriptions: [SUB_A, SUB_B] },
    kinds: ['machines'],
    ...config,
  });
  const report = await runDoctor(azureResourceGraphChecks(parsed, { env }, overrides), { timeoutMs: 10_000 });
  const lines = report.results.map((r) => `${r.status} ${r.name}: ${r.detail}${r.hint ? ` || ${r.hint}` : ''}`);
  return { report, lines, fake };
}

const ROWS = [
  subscriptionRow(SUB_A, 'prod'),
  subscriptionRow(SUB_B, 'staging'),
  machineRow({ subscriptionId: SUB_A, vm: 'vm-1', cves: [{ id: 'CVE-2024-6387' }] }),
  cveDetailsRow('CVE-2024-6387', 'Critical'),
];

describe('doctor: azure-resource-graph', () => {
  it('a working setup: config, token (which credential, never the token), subscriptions, one-row probes, cvedetails', async () => {
    const { report, lines, fake } = await doctor({ rows: ROWS });
    expect(report.ok).toBe(true);
    expect(lines).toEqual([
      `ok source defender: config: endpoint ${fake.url}; scope 2 subscription(s); kinds machines; model auto; auth access-token (access token from AZURE_ACCESS_TOKEN)`,
      expect.stringMatching(new RegExp(`^ok source defender: token: access token from AZURE_ACCESS_TOKEN obtained a token for ${fake.url.replace(/\./g, '\\.')}/\\.default, valid until \\d{4}-`)),
      `ok source defender: subscriptions: all 2 configured subscription(s) visible: prod (${SUB_A}), staging (${SUB_B})`,
      `ok source defender: query machines (individual): runs at subscriptions ${SUB_A}, ${SUB_B}; returned a row`,
      `ok source defender: query machines (grouped): runs at subscriptions ${SUB_A}, ${SUB_B}; no rows (expected: Microsoft retired the grouped model on 2026-07-31)`,
      'ok source defender: cvedetails: CVE details (microsoft.security/cvedetails) readable at the tenant',
    ]);
    expect(lines.join('\n')).not.toContain(FAKE_TOKEN);
    const probes = fake.queryRequests().slice(1).map((q) => q.body!.query!);
    expect(probes.every((q) => q.trimEnd().endsWith('| take 1'))).toBe(true);
  });

  it('a missing AZURE_ACCESS_TOKEN fails the config check, naming the variable; nothing is contacted', async () => {
    const { report, lines, fake } = await doctor({ rows: ROWS }, {}, {});
    expect(report.ok).toBe(false);
    expect(lines[0]).toBe(
      'fail source defender: config: auth: access-token reads the bearer token from the environment variable AZURE_ACCESS_TOKEN, which is not set || ' +
        'Put a current token in AZURE_ACCESS_TOKEN, e.g. `az account get-access-token --resource https://management.azure.com --query accessToken -o tsv`',
    );
    expect(lines.slice(1).every((l) => l.startsWith('skip '))).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it('a tenant whose subscription list Resource Graph cut (over 10,000) is a warning with the fix, not "all visible"', async () => {
    const { lines } = await doctor({ rows: ROWS, tenantSubscriptionLimitHit: true }, { scope: undefined });
    expect(lines.find((l) => l.includes('subscriptions:'))).toMatch(/^warn source defender: subscriptions: more than 10,000 subscriptions are visible.*\|\| List the subscriptions to read in scope\.subscriptions/);
  });

  it('with scope.subscriptions set, a cut list only means their visibility was not checked: no advice to set them', async () => {
    const { lines } = await doctor({ rows: ROWS, tenantSubscriptionLimitHit: true });
    const line = lines.find((l) => l.includes('subscriptions:'))!;
    expect(line).toMatch(/^warn source defender: subscriptions: .*whether the 2 configured subscription\(s\) are visible was not checked; a run queries them as given$/);
  });

  it('a token Resource Graph refuses: the subscriptions check fails with the fix', async () => {
    const { report, lines } = await doctor({ rows: ROWS }, {}, { AZURE_ACCESS_TOKEN: 'expired-or-foreign-token' });
    expect(report.ok).toBe(false);
    const subscriptions = lines.find((l) => l.includes('source defender: subscriptions'))!;
    expect(subscriptions).toMatch(/^fail source defender: subscriptions: Resource Graph answered HTTP 401 for the tenant: InvalidAuthenticationToken/);
    expect(subscriptions).toContain('Sign in again or fix the credential');
    expect(lines.join('\n')).not.toContain('expired-or-foreign-token');
  });

  it('a subscription without the role: fails naming it, the role and where to grant it; the rest is still probed', async () => {
    const { report, lines } = await doctor({ rows: ROWS, forbiddenSubscriptions: [SUB_B] });
    expect(report.ok).toBe(false);
    expect(lines).toContain(
      `fail source defender: subscriptions: 1 of 2 configured subscription(s) not visible to the identity: ${SUB_B}; a run reports them as not read (partial) and resolves nothing in them || ` +
        `Grant the identity Reader or Security Reader on /subscriptions/${SUB_B} (or a management group above them), or remove them from scope.subscriptions`,
    );
    expect(lines).toContain(`ok source defender: query machines (individual): runs at subscriptions ${SUB_A}; returned a row`);
  });

  it('a probe the service refuses (403) fails naming the role and the management group to grant it on', async () => {
    const { report, lines } = await doctor(
      { rows: ROWS },
      { model: 'individual', scope: { managementGroups: ['contoso-prod'] } },
      { AZURE_ACCESS_TOKEN: FAKE_TOKEN },
      {},
      (fake) => fake.inject({ kind: 'forbidden' }, { query: 'Microsoft.Compute/virtualMachines' }),
    );
    expect(report.ok).toBe(false);
    const probe = lines.find((l) => l.includes('query machines (individual)'))!;
    expect(probe).toMatch(/^fail source defender: query machines \(individual\): Resource Graph answered HTTP 403 for management groups contoso-prod: AuthorizationFailed/);
    expect(probe.endsWith('|| Grant the identity Reader or Security Reader on /providers/Microsoft.Management/managementGroups/contoso-prod')).toBe(true);
    expect(lines).toContain('ok source defender: subscriptions: 2 subscription(s) visible under management groups contoso-prod: prod (' + SUB_A + '), staging (' + SUB_B + ')');
  });

  it('cvedetails not readable is a warning (exit 0) with the grant to make', async () => {
    const { report, lines } = await doctor({ rows: ROWS.filter((r) => r.type !== 'microsoft.security/cvedetails') });
    expect(report.ok).toBe(true);
    expect(lines.at(-1)).toBe(
      'warn source defender: cvedetails: CVE details (microsoft.security/cvedetails) are not readable at the tenant: Resource Graph returned none || ' +
        "Grant the identity Reader or Security Reader on the tenant root management group (or on a management group, and set scope.managementGroups); without it, CVE severities stay as Defender reports them inline, else the recommendation's",
    );
  });
});

describe('which credential in a chain produced the token', () => {
  class Unavailable implements TokenCredential {
    async getToken(): Promise<AccessToken | null> {
      throw new CredentialUnavailableError('not on Azure');
    }
  }
  class StaticTestCredential implements TokenCredential {
    async getToken(): Promise<AccessToken> {
      return { token: FAKE_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
    }
  }

  it('names the member of an @azure/identity chain that succeeded (as DefaultAzureCredential is a chain)', async () => {
    const chain = new ChainedTokenCredential(new Unavailable(), new StaticTestCredential());
    const { token, origin } = await getTokenWithOrigin(chain, 'https://management.azure.com/.default');
    expect(token.token).toBe(FAKE_TOKEN);
    expect(origin).toBe('StaticTestCredential (in ChainedTokenCredential)');
  });

  it('doctor reports it for a credential chain, against the fake', async () => {
    const chain = new ChainedTokenCredential(new Unavailable(), new StaticTestCredential());
    const { lines } = await doctor({ rows: ROWS }, { auth: 'default' }, {}, { credential: chain });
    expect(lines[1]).toMatch(/^ok source defender: token: StaticTestCredential \(in ChainedTokenCredential\) obtained a token for http:\/\/127\.0\.0\.1:\d+\/\.default/);
  });
});
