/**
 * zod for the Notion API responses vulnledger reads (API version 2025-09-03). Only the fields we
 * use are declared; everything else passes through untouched (Notion adds fields over time).
 */
import { z } from 'zod';

/** A rich-text item; we only read its text. */
export const RichTextItem = z.looseObject({
  plain_text: z.string().optional(),
  text: z.looseObject({ content: z.string() }).optional(),
});
export type RichTextItem = z.infer<typeof RichTextItem>;

/** Plain text of a rich-text array. */
export function plainText(items: readonly RichTextItem[] | undefined): string {
  return (items ?? []).map((i) => i.plain_text ?? i.text?.content ?? '').join('');
}

/** One select / multi-select / status option of a schema property. */
export const SchemaOption = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  color: z.string().optional(),
});
export type SchemaOption = z.infer<typeof SchemaOption>;

const Options = z.looseObject({ options: z.array(SchemaOption).default([]) });

/** One property of a data source schema. */
export const SchemaProperty = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  type: z.string(),
  select: Options.optional(),
  multi_select: Options.optional(),
  status: Options.optional(),
});
export type SchemaProperty = z.infer<typeof SchemaProperty>;

/** `GET /v1/databases/{id}`: a container of data sources (no properties since 2025-09-03). */
export const Database = z.looseObject({
  object: z.literal('database'),
  id: z.string(),
  title: z.array(RichTextItem).optional(),
  data_sources: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).default([]),
  url: z.string().optional(),
});
export type Database = z.infer<typeof Database>;

/** `GET|PATCH /v1/data_sources/{id}`: the schema. */
export const DataSource = z.looseObject({
  object: z.literal('data_source'),
  id: z.string(),
  title: z.array(RichTextItem).optional(),
  properties: z.record(z.string(), SchemaProperty),
});
export type DataSource = z.infer<typeof DataSource>;

/** A property value on a page: its id and type; the value sits under the type's key. */
export const PageProperty = z.looseObject({ id: z.string(), type: z.string() });
export type PageProperty = z.infer<typeof PageProperty>;

/** A page (create, update, retrieve, query results). */
export const Page = z.looseObject({
  object: z.literal('page'),
  id: z.string(),
  url: z.string().default(''),
  last_edited_time: z.string(),
  last_edited_by: z.looseObject({ id: z.string() }),
  in_trash: z.boolean().optional(),
  archived: z.boolean().optional(),
  properties: z.record(z.string(), PageProperty),
});
export type Page = z.infer<typeof Page>;

/** `POST /v1/data_sources/{id}/query`: pages (data sources in the results are skipped). */
export const QueryResult = z.looseObject({
  results: z.array(z.looseObject({ object: z.string() })),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
  request_status: z.looseObject({ type: z.string(), incomplete_reason: z.string().optional() }).optional(),
});
export type QueryResult = z.infer<typeof QueryResult>;

/** `GET /v1/users/{id}`. */
export const User = z.looseObject({
  object: z.literal('user'),
  id: z.string(),
  name: z.string().nullable().optional(),
  type: z.string().optional(),
});
export type User = z.infer<typeof User>;

/** One block of a page body (we only look at headings, tables and paragraphs). */
export const Block = z.looseObject({ id: z.string(), type: z.string() });
export type Block = z.infer<typeof Block>;

/** `GET /v1/blocks/{id}/children`. */
export const BlockList = z.looseObject({
  results: z.array(Block),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
export type BlockList = z.infer<typeof BlockList>;

/** The rich text of a text block (heading, paragraph), or '' for other blocks. */
export function blockText(block: Block): string {
  const payload = (block as Record<string, unknown>)[block.type];
  const parsed = z.looseObject({ rich_text: z.array(RichTextItem).optional() }).safeParse(payload);
  return parsed.success ? plainText(parsed.data.rich_text) : '';
}
