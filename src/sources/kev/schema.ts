import { z } from 'zod';

/**
 * zod for the CISA Known Exploited Vulnerabilities catalog (cisagov/kev-data
 * `known_exploited_vulnerabilities_schema.json`). The top level is checked loosely (only the
 * `vulnerabilities` array is required); each entry is checked on its own so one bad entry never
 * costs the catalog. Required per entry: the first eight fields of the CISA schema. Optional fields
 * that are malformed fall back to empty instead of dropping the entry.
 */

export const KEV_CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,19}$/;

const cveId = z.string().trim().toUpperCase().regex(KEV_CVE_ID_PATTERN, 'not a CVE id (CVE-YYYY-NNNN…)');
const calendarDate = z.string().trim().pipe(z.iso.date('not a calendar date (YYYY-MM-DD)'));
const text = z.string().trim();

export const kevEntrySchema = z.object({
  cveID: cveId,
  vendorProject: text,
  product: text,
  vulnerabilityName: text,
  dateAdded: calendarDate,
  shortDescription: text,
  requiredAction: text,
  dueDate: calendarDate,
  knownRansomwareCampaignUse: z.union([z.string(), z.boolean()]).nullish().catch(null),
  notes: z.string().nullish().catch(null),
  cwes: z.array(z.string()).nullish().catch(null),
});

export type KevRawEntry = z.infer<typeof kevEntrySchema>;

export const kevCatalogSchema = z.object({
  title: z.string().nullish().catch(null),
  catalogVersion: z.string().nullish().catch(null),
  dateReleased: z.string().nullish().catch(null),
  count: z.number().int().nonnegative().nullish().catch(null),
  vulnerabilities: z.array(z.unknown()),
});
