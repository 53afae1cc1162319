import { z } from 'zod';

/**
 * `type: kev` — the CISA Known Exploited Vulnerabilities catalog, from CISA (default), a mirror
 * URL, or a local file (an offline mirror). Checked at most once a day (a URL), conditionally.
 */
export const KevConfig = z.strictObject({
  type: z.literal('kev'),
  /** Unique source name. Defaults to the type. */
  name: z.string().min(1).optional(),
  /** Catalog URL (http/https), or a file path relative to the config file. */
  url: z.string().min(1).default('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'),
  /** Seconds to wait for the server, per attempt. */
  timeoutSeconds: z.number().positive().max(600).default(60),
  /** Retries after a timeout, a network error, 429 or 5xx (with backoff honouring Retry-After). */
  retries: z.number().int().min(0).max(10).default(3),
});
export type KevConfig = z.infer<typeof KevConfig>;
