/**
 * Block children for page bodies (`children` on page create, `PATCH /v1/blocks/{id}/children`):
 * ≤ 100 children per array, ≤ 2 levels of nesting per request, ≤ 1000 blocks per request,
 * rich-text limits as for properties. Only the block types a ledger page needs are modelled.
 */
import { validation } from './errors.js';
import { isRecord, NOTION_LIMITS, parseRichText, shown } from './validate.js';

/** A validated block from a request, children still nested. */
export interface ParsedBlock {
  type: string;
  payload: Record<string, unknown>;
  children: ParsedBlock[];
}

const TEXT_BLOCKS = ['paragraph', 'heading_1', 'heading_2', 'heading_3', 'bulleted_list_item', 'numbered_list_item', 'to_do', 'toggle', 'quote', 'callout', 'code'];
const OTHER_BLOCKS = ['divider', 'table', 'table_row', 'bookmark'];

/** Block types the fake accepts. */
export const BLOCK_TYPES: readonly string[] = [...TEXT_BLOCKS, ...OTHER_BLOCKS];

interface Budget {
  total: number;
}

function parseOne(path: string, raw: unknown, depth: number, budget: Budget, tableWidth: number | undefined): ParsedBlock {
  if (!isRecord(raw)) throw validation(`${path} should be an object, instead was ${shown(raw)}.`);
  const typeKeys = Object.keys(raw).filter((k) => BLOCK_TYPES.includes(k));
  const type = (typeof raw.type === 'string' ? raw.type : typeKeys[0]) as string | undefined;
  if (type === undefined || !BLOCK_TYPES.includes(type)) {
    throw validation(`${path} should be a block of a supported type (${BLOCK_TYPES.join(', ')}), instead was ${shown(raw.type ?? Object.keys(raw))}.`);
  }
  const body = raw[type];
  if (!isRecord(body)) throw validation(`${path}.${type} should be an object, instead was ${shown(body)}.`);
  const p = `${path}.${type}`;
  budget.total += 1;
  const payload: Record<string, unknown> = {};
  if (TEXT_BLOCKS.includes(type)) {
    payload.rich_text = parseRichText(`${p}.rich_text`, body.rich_text ?? []);
    payload.color = typeof body.color === 'string' ? body.color : 'default';
    if (type === 'to_do') payload.checked = body.checked === true;
    if (type.startsWith('heading_')) payload.is_toggleable = body.is_toggleable === true;
    if (type === 'code') payload.language = typeof body.language === 'string' ? body.language : 'plain text';
    if (type === 'code') payload.caption = [];
    if (type === 'callout') payload.icon = body.icon ?? null;
  } else if (type === 'table') {
    const width = body.table_width;
    if (typeof width !== 'number' || !Number.isInteger(width) || width < 1) throw validation(`${p}.table_width should be a positive integer, instead was ${shown(width)}.`);
    payload.table_width = width;
    payload.has_column_header = body.has_column_header === true;
    payload.has_row_header = body.has_row_header === true;
  } else if (type === 'table_row') {
    if (tableWidth === undefined) throw validation(`${path}: table_row blocks can only be children of a table.`);
    const cells = body.cells;
    if (!Array.isArray(cells)) throw validation(`${p}.cells should be an array, instead was ${shown(cells)}.`);
    if (cells.length !== tableWidth) throw validation(`${p}.cells.length should be \`${tableWidth}\` (table_width), instead was \`${cells.length}\`.`);
    payload.cells = cells.map((c, i) => parseRichText(`${p}.cells[${i}]`, c));
  } else if (type === 'bookmark') {
    if (typeof body.url !== 'string') throw validation(`${p}.url should be a string, instead was ${shown(body.url)}.`);
    if (body.url.length > NOTION_LIMITS.url) throw validation(`${p}.url.length should be ≤ \`${NOTION_LIMITS.url}\`, instead was \`${body.url.length}\`.`);
    payload.url = body.url;
    payload.caption = [];
  }
  const rawChildren = body.children;
  let children: ParsedBlock[] = [];
  if (rawChildren !== undefined) {
    if (depth >= 2) throw validation(`${p}.children: at most two levels of nested blocks can be sent in one request.`);
    children = parseChildren(`${p}.children`, rawChildren, depth + 1, budget, type === 'table' ? (payload.table_width as number) : undefined);
  }
  if (type === 'table' && children.length === 0) throw validation(`${p}.children should contain at least one table_row.`);
  return { type, payload, children };
}

function parseChildren(path: string, raw: unknown, depth: number, budget: Budget, tableWidth: number | undefined): ParsedBlock[] {
  if (!Array.isArray(raw)) throw validation(`${path} should be an array, instead was ${shown(raw)}.`);
  if (raw.length > NOTION_LIMITS.children) throw validation(`${path}.length should be ≤ \`${NOTION_LIMITS.children}\`, instead was \`${raw.length}\`.`);
  const out = raw.map((b, i) => parseOne(`${path}[${i}]`, b, depth, budget, tableWidth));
  if (budget.total > NOTION_LIMITS.blocksPerRequest) {
    throw validation(`body contains ${budget.total} block elements; at most ${NOTION_LIMITS.blocksPerRequest} are allowed per request.`);
  }
  return out;
}

/** Validates `body.children` of a create or append request. */
export function parseBlocks(raw: unknown, path = 'body.children'): ParsedBlock[] {
  return parseChildren(path, raw, 1, { total: 0 }, undefined);
}
