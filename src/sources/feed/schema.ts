import { z } from 'zod';

/**
 * zod at the edges of the feed source: the keyword filters a user configures and the shape of a
 * parsed item (the contract `parseFeed` keeps; tests validate it). The XML itself is checked by
 * fast-xml-parser's validator, not by zod.
 */

/** Keyword filters: blank keywords are dropped, so `include: [""]` cannot mean "everything". */
export const feedFiltersSchema = z.object({
  include: z.array(z.string().trim()).default([]).transform((list) => list.filter((k) => k !== '')),
  exclude: z.array(z.string().trim()).default([]).transform((list) => list.filter((k) => k !== '')),
});


/** Names accepted by `preset:`; keep in step with FEED_PRESETS in parse.ts. */
export const feedPresetNameSchema = z.enum(['msrc', 'jvn', 'jvndb']);

const isoInstant = z.iso.datetime({ offset: false });

/** The shape of one parsed item. */
export const feedItemSchema = z.object({
  itemKey: z.string().min(1).max(1024),
  guid: z.string().min(1).max(1024).nullable(),
  title: z.string().min(1),
  link: z.url({ protocol: /^https?$/ }).nullable(),
  publishedAt: isoInstant.nullable(),
  updatedAt: isoInstant.nullable(),
  categories: z.array(z.string().min(1)),
  summary: z.string(),
  cveIds: z.array(z.string().regex(/^CVE-\d{4}-\d{4,19}$/)),
  advisoryId: z.string().min(1).nullable(),
});
