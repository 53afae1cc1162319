import { z } from 'zod';

/**
 * `type: epss` — FIRST EPSS scores: the API (default; batched queries for the CVEs of open
 * findings), a full download (a URL ending in .csv, .csv.gz or .json), or a local file (an offline
 * mirror: CSV, CSV.gz or API JSON).
 */
export const EpssConfig = z.strictObject({
  type: z.literal('epss'),
  /** Unique source name. Defaults to the type. */
  name: z.string().min(1).optional(),
  /** API base URL, a download URL, or a file path relative to the config file. */
  url: z.string().min(1).default('https://api.first.org/data/v1/epss'),
  /** An EPSS rise of at least this (0..1) flags an open case as worsened. */
  riseStep: z.number().gt(0).max(1).default(0.1),
  /** Seconds to wait for the server, per attempt. */
  timeoutSeconds: z.number().positive().max(600).default(30),
  /** Retries after a timeout, a network error, 429 or 5xx (with backoff honouring Retry-After). */
  retries: z.number().int().min(0).max(10).default(3),
});
export type EpssConfig = z.infer<typeof EpssConfig>;
