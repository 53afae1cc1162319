import { z } from 'zod';
import { SEVERITY_THRESHOLDS, type SeverityThreshold } from '../../core/severity.js';

/** Our fields a user may give their own Notion property name (the title is found by type). */
export const MAPPABLE_FIELDS = [
  'severity',
  'state',
  'status',
  'responseRequired',
  'owner',
  'dueDate',
  'respondedAt',
  'acceptedUntil',
  'firstSeen',
  'lastSeen',
  'resolvedAt',
  'resources',
  'repositories',
  'resourceGroups',
  'subscriptions',
  'databases',
  'description',
  'impact',
  'remediation',
  'evidence',
  'justification',
  'cvss',
  'epss',
  'kev',
  'links',
] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

const propertyName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !s.includes(','), 'a Notion property name cannot contain a comma');

const fieldNameOverrides = Object.fromEntries(MAPPABLE_FIELDS.map((f) => [f, propertyName.optional()])) as Record<
  MappableField,
  z.ZodOptional<typeof propertyName>
>;

/** `propertyNames`: a preset (`en`, `ja`), or a map of our field → your property name over a preset. */
export const PropertyNamesConfig = z.union([
  // The map first: the config loader suggests keys ("did you mean") from the first option.
  z.strictObject({
    /** The preset the map starts from (default `en`); it also sets the language of option labels. */
    preset: z.enum(['en', 'ja']).optional(),
    ...fieldNameOverrides,
  }),
  z.enum(['en', 'ja']),
], { error: 'must be en, ja, or a map of field → property name such as { preset: ja, owner: 担当者 }' });
export type PropertyNamesConfig = z.infer<typeof PropertyNamesConfig>;

/** A base URL override: scheme and host (and optional path prefix), no `/v1`, no trailing slash. */
const baseUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !u.endsWith('/'), 'baseUrl must not end with "/" (the client adds "/v1/…")')
  .refine((u) => !/\/v1$/.test(u), 'baseUrl must not include "/v1" (the client adds it)');

/** `type: notion` — a two-way mirror of the ledger in a Notion database (one page per case). */
export const NotionMirrorConfig = z.strictObject({
  type: z.literal('notion'),
  /** Unique mirror name; page links are stored per name. Defaults to the type. */
  name: z.string().min(1).optional(),
  /** The integration's token. Write `${NOTION_TOKEN}`: it is then kept out of logs and output. */
  token: z.string().min(1),
  /** The database id, or its URL (copy it from the browser or "Copy link to view"). */
  database: z.string().min(1),
  /** API base URL (tests, proxies): no `/v1`, no trailing slash. */
  baseUrl: baseUrl.optional(),
  /** Property names: `en` (default), `ja`, or a map of our field → your property name. */
  propertyNames: PropertyNamesConfig.default('en'),
  /** Cases below this severity get no page (default: the ledger's minSeverity). */
  minSeverity: z.enum(SEVERITY_THRESHOLDS as [SeverityThreshold, ...SeverityThreshold[]]).optional(),
  /** Client-side request rate. Notion allows an average of 3 requests per second per integration. */
  requestsPerSecond: z.number().positive().max(50).default(3),
  /** Per-request timeout in seconds. */
  timeoutSeconds: z.number().int().min(1).max(300).default(30),
});
export type NotionMirrorConfig = z.infer<typeof NotionMirrorConfig>;
