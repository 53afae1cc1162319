import { z } from 'zod';

/**
 * zod for FIRST EPSS data: the API envelope `{status, status-code, version, total, offset, limit,
 * data[{cve, epss, percentile, date}]}` where `epss` and `percentile` are DECIMAL STRINGS
 * ("0.972240000"), and one row of either the API or the CSV download. Numbers are accepted too
 * (offline mirrors written by other tools); anything non-numeric or outside 0..1 fails the row.
 */

export const EPSS_CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,19}$/;
const DECIMAL_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

const probability = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : value),
  z
    .string()
    .trim()
    .regex(DECIMAL_RE, 'not a decimal number')
    .transform((s) => Number(s))
    .pipe(z.number().finite().min(0, 'below 0').max(1, 'above 1')),
);

export const epssRowSchema = z.object({
  cve: z.string().trim().toUpperCase().regex(EPSS_CVE_ID_PATTERN, 'not a CVE id'),
  epss: probability,
  percentile: probability,
  date: z.string().trim().pipe(z.iso.date('not a calendar date (YYYY-MM-DD)')),
});


const PLAIN_CVE_RE = /^CVE-\d{4}-\d{4,19}$/;
const PLAIN_PROBABILITY_RE = /^(?:0(?:\.\d+)?|1(?:\.0+)?|0?\.\d+)$/;

/**
 * Fast path for the ~300 k rows of a daily CSV: true only for rows `epssRowSchema` certainly accepts
 * unchanged (upper-case CVE id, plain decimals within 0..1). Everything else goes through the schema,
 * which gives the verdict and the message.
 */
export function isPlainEpssRow(cve: string, epss: string, percentile: string): boolean {
  return PLAIN_CVE_RE.test(cve) && PLAIN_PROBABILITY_RE.test(epss) && PLAIN_PROBABILITY_RE.test(percentile);
}

export const epssApiResponseSchema = z.object({
  status: z.string().nullish().catch(null),
  'status-code': z.number().nullish().catch(null),
  version: z.string().nullish().catch(null),
  total: z.number().int().nonnegative().nullish().catch(null),
  offset: z.number().int().nonnegative().nullish().catch(null),
  limit: z.number().int().nonnegative().nullish().catch(null),
  data: z.array(z.unknown()),
});
