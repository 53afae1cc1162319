import { z } from 'zod';
import { feedPresetNameSchema as presetName } from './schema.js';

const keywords = z.array(z.string().trim()).transform((list) => list.filter((k) => k !== ''));

/**
 * `type: feed` — security advisories from an RSS 2.0 / RSS 1.0 (RDF) / Atom feed. Each item is an
 * advisory case. Give `url` (a URL or a file path) or a `preset` (msrc, jvn, jvndb); `url` wins
 * when both are given.
 */
export const FeedConfig = z
  .strictObject({
    type: z.literal('feed'),
    /** Unique source name; advisory case keys are `advisory:<name>:<id>`. Defaults to the type. */
    name: z.string().min(1).optional(),
    /** A known feed by name: fills in the URL (and default keywords for `msrc`). */
    preset: presetName.optional(),
    /** The feed URL (http/https), or a file path relative to the config file (an offline mirror). */
    url: z.string().min(1).optional(),
    /** Keep only items whose title, categories or summary contain one of these (case-insensitive). Default: the preset's keywords, else every item. */
    include: keywords.optional(),
    /** Drop items containing any of these (wins over include). */
    exclude: keywords.default([]),
    /** On first sight, items published more than this many days ago are recorded but not announced (no `advisory.new`). */
    announceWindowDays: z.number().int().min(0).max(3650).default(30),
    /** Seconds to wait for the server, per attempt. */
    timeoutSeconds: z.number().positive().max(600).default(30),
    /** Retries after a timeout, a network error, 429 or 5xx (with backoff honouring Retry-After). */
    retries: z.number().int().min(0).max(10).default(3),
  })
  .refine((c) => c.url !== undefined || c.preset !== undefined, { message: 'give `url` (a feed URL or file path) or `preset` (msrc, jvn, jvndb)' });
export type FeedConfig = z.infer<typeof FeedConfig>;
