import { z } from 'zod';
import { AZURE_AUTH_MODES, DEFAULT_ENDPOINT, type AzureAuthMode } from './client.js';
import { QUERY_KINDS, type QueryKind } from './queries.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const guid = (what: string) =>
  z
    .string()
    .trim()
    .regex(GUID, { message: `must be a ${what} id (a GUID such as 0b1f6471-1bf0-4dda-aec3-cb9272f09590)` });

/** Where the source looks: listed subscriptions, or management groups; omitted = everything the identity can read. */
export const AzureScopeConfig = z
  .strictObject({
    /** Subscription ids (GUIDs); batched ≤ 1000 per request. */
    subscriptions: z.array(guid('subscription')).min(1).optional(),
    /** Management group ids (names such as `contoso-prod`, not display names). */
    managementGroups: z.array(z.string().trim().min(1)).min(1).optional(),
  })
  .refine((scope) => (scope.subscriptions === undefined) !== (scope.managementGroups === undefined), {
    message: 'give either "subscriptions" or "managementGroups" (omit "scope" to read everything the identity can read)',
  });
export type AzureScopeConfig = z.infer<typeof AzureScopeConfig>;

/** Which Defender data model(s) to query: `auto` = both, so tenants that still have either are covered. */
export type AzureModelSetting = 'auto' | 'individual' | 'grouped';

/** `type: azure-resource-graph` — collects Defender for Cloud findings live from Azure Resource Graph. */
export const AzureResourceGraphConfig = z.strictObject({
  type: z.literal('azure-resource-graph'),
  /** Unique source name; findings and resolutions are tracked per name. Defaults to the type. */
  name: z.string().min(1).optional(),
  scope: AzureScopeConfig.optional(),
  /** What to collect (default: all four). */
  kinds: z
    .array(z.enum(QUERY_KINDS as [QueryKind, ...QueryKind[]]))
    .min(1)
    .default([...QUERY_KINDS]),
  model: z.enum(['auto', 'individual', 'grouped'] as [AzureModelSetting, ...AzureModelSetting[]]).default('auto'),
  /** Azure Resource Manager endpoint (sovereign clouds, proxies). The token scope is derived from it. */
  endpoint: z
    .string()
    .trim()
    .default(DEFAULT_ENDPOINT)
    .refine((value) => URL.canParse(value), { message: 'must be a URL such as https://management.azure.com' }),
  auth: z.enum(AZURE_AUTH_MODES as [AzureAuthMode, ...AzureAuthMode[]]).default('default'),
  /** Client id of a user-assigned managed identity (auth default or managed-identity). */
  managedIdentityClientId: guid('client').optional(),
  /** Per request, headers and body together. */
  timeoutSeconds: z.number().positive().max(600).default(60),
  /** Look up tenant-level CVE details (severity, CVSS) for the CVEs found. */
  cveDetails: z.boolean().default(true),
  /** Cached CVE details older than this are fetched again (CVEs without details: after 1 day). */
  cveDetailsMaxAgeDays: z.number().int().min(0).max(365).default(7),
});
export type AzureResourceGraphConfig = z.infer<typeof AzureResourceGraphConfig>;
