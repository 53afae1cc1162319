/**
 * The page body vulnledger maintains (pure): a heading, a table of the affected resources and,
 * when they do not fit, "…and N more" — at most 100 blocks. Blocks a person adds to the page are
 * never touched: ours are recognised by the heading text and what directly follows it.
 */
import type { MirrorCase } from '../../core/mirror.js';
import type { StoredFinding } from '../../core/finding.js';
import type { Language } from './fields.js';
import { cutAt, digest, portalUrl } from './properties.js';
import { blockText, type Block } from './schema.js';

/** Blocks in our section at most (heading + table + header row + rows + "more"). */
export const MAX_BODY_BLOCKS = 100;
/** Data rows that fit: 100 − heading − table − header row − "more" line. */
export const MAX_ROWS = MAX_BODY_BLOCKS - 4;
const MAX_CELL = 200;

/** The heading that starts our section. */
export const BODY_HEADING: Record<Language, string> = {
  en: 'Affected resources (kept up to date by vulnledger)',
  ja: '対象リソース（vulnledger が自動更新）',
};

const HEADER: Record<Language, string[]> = {
  en: ['Resource', 'Kind', 'Resource group', 'Subscription', 'Detail', 'State'],
  ja: ['リソース', '種類', 'リソースグループ', 'サブスクリプション', '詳細', '状態'],
};
const KIND: Record<Language, Record<StoredFinding['kind'], string>> = {
  en: { registryImage: 'image', runningContainer: 'container', machine: 'machine', sql: 'SQL' },
  ja: { registryImage: 'イメージ', runningContainer: 'コンテナ', machine: 'マシン', sql: 'SQL' },
};
const STATE: Record<Language, Record<StoredFinding['state'], string>> = {
  en: { open: 'open', resolved: 'resolved' },
  ja: { open: '未解消', resolved: '解消' },
};

function more(n: number, key: string, language: Language): string {
  return language === 'ja' ? `…ほか ${n} 件（全件は \`vulnledger show ${key}\`）` : `…and ${n} more (all of them: \`vulnledger show ${key}\`)`;
}

function isMoreLine(text: string): boolean {
  return text.startsWith('…and ') || text.startsWith('…ほか ');
}

/** One row of the table: cell texts and the resource's portal link. */
export interface BodyRow {
  cells: string[];
  link: string | null;
}

function resourceLabel(f: StoredFinding): string {
  if (f.kind === 'registryImage') return f.repository ?? f.assetKey;
  if (f.kind === 'runningContainer') return f.assetKey;
  if (f.kind === 'sql') return `${f.server ?? '?'}/${f.database ?? '?'}`;
  return f.resource.name || f.assetKey;
}

function detail(f: StoredFinding): string {
  const parts: string[] = [];
  if (f.software) parts.push(`${f.software}${f.installedVersions.length > 0 ? ` ${f.installedVersions.join(', ')}` : ''}${f.fixedVersion ? ` → ${f.fixedVersion}` : ''}`);
  if (f.digests.length > 0) parts.push(f.digests.map((d) => d.replace(/^sha256:/, '').slice(0, 12)).join(', '));
  return parts.join(' · ');
}

function cell(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= MAX_CELL ? one : `${cutAt(one, MAX_CELL - 1)}…`;
}

/** The table rows of a case: every finding, open ones first, then by resource. */
export function bodyRows(c: MirrorCase, language: Language): BodyRow[] {
  const findings = [...c.findings];
  findings.sort((a, b) => (a.state === b.state ? resourceLabel(a).localeCompare(resourceLabel(b)) : a.state === 'open' ? -1 : 1));
  return findings.map((f) => ({
    cells: [resourceLabel(f), KIND[language][f.kind], f.resource.resourceGroup, f.resource.subscriptionId, detail(f), STATE[language][f.state]].map(cell),
    link: portalUrl(f.resource.id),
  }));
}

/** Digest of the body: it changes exactly when the rendered table changes. */
export function bodyHash(c: MirrorCase, language: Language): string {
  return digest({ language, key: c.record.key, rows: bodyRows(c, language) });
}

function text(content: string, link: string | null = null): Record<string, unknown> {
  return { type: 'text', text: link ? { content, link: { url: link } } : { content } };
}

/** The blocks of our section (request shape), at most {@link MAX_BODY_BLOCKS}. */
export function bodyBlocks(c: MirrorCase, language: Language): Record<string, unknown>[] {
  const rows = bodyRows(c, language);
  const shown = rows.slice(0, MAX_ROWS);
  const tableRow = (cells: string[], link: string | null = null): Record<string, unknown> => ({
    type: 'table_row',
    table_row: { cells: cells.map((content, i) => (content === '' ? [] : [text(content, i === 0 ? link : null)])) },
  });
  const blocks: Record<string, unknown>[] = [
    { type: 'heading_3', heading_3: { rich_text: [text(BODY_HEADING[language])] } },
    {
      type: 'table',
      table: {
        table_width: HEADER[language].length,
        has_column_header: true,
        has_row_header: false,
        children: [tableRow(HEADER[language]), ...shown.map((r) => tableRow(r.cells, r.link))],
      },
    },
  ];
  if (rows.length > shown.length) blocks.push({ type: 'paragraph', paragraph: { rich_text: [text(more(rows.length - shown.length, c.record.key, language))] } });
  return blocks;
}

/** Ids of the blocks of our section(s) among a page's top-level blocks, in order. */
export function ourBlockIds(blocks: readonly Block[]): string[] {
  const ids: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const heading = b.type === 'heading_3' && (blockText(b) === BODY_HEADING.en || blockText(b) === BODY_HEADING.ja);
    if (!heading) continue;
    ids.push(b.id);
    let j = i + 1;
    if (blocks[j]?.type === 'table') ids.push(blocks[j++]!.id);
    if (blocks[j]?.type === 'paragraph' && isMoreLine(blockText(blocks[j]!))) ids.push(blocks[j++]!.id);
    i = j - 1;
  }
  return ids;
}
