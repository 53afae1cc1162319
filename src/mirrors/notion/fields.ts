/**
 * The Notion database vulnledger maintains: one property per field, its type, who owns it, its
 * English and Japanese names, and the option labels of select fields. Pure data plus lookups.
 */
import type { MirrorField } from '../../core/mirror.js';
import { RESPONSE_REQUIRED, TRIAGE_STATUSES, type ResponseRequired, type TriageStatus } from '../../core/triage.js';
import type { CaseState } from '../../core/case.js';
import type { Severity } from '../../core/severity.js';
import type { MappableField, PropertyNamesConfig } from './config.js';

/** The Notion property types vulnledger reads and writes. */
export type NotionPropertyType = 'title' | 'rich_text' | 'select' | 'multi_select' | 'status' | 'date' | 'number' | 'checkbox' | 'url';

/** Label language of select options (follows the property-name preset). */
export type Language = 'en' | 'ja';

/** Notion's option colours. */
export type OptionColor = 'default' | 'gray' | 'brown' | 'orange' | 'yellow' | 'green' | 'blue' | 'purple' | 'pink' | 'red';

/** One option of a select field: our value, its labels, colour, and other labels we accept when reading. */
export interface OptionSpec {
  value: string;
  label: Record<Language, string>;
  color: OptionColor;
  /** Other names read as this value (the old setup's labels, Notion's default status names). */
  aliases: string[];
}

/** One mirrored field. */
export interface FieldSpec {
  field: MappableField;
  /** The type `notion setup` creates. */
  type: NotionPropertyType;
  /** Types accepted on an existing (hand-built) property. */
  accepts: readonly NotionPropertyType[];
  owner: 'machine' | 'human';
  names: Record<Language, string>;
  /** Fixed options of a select field. */
  options?: readonly OptionSpec[];
}

const SEVERITY_COLORS: Record<Severity, OptionColor> = { Critical: 'red', High: 'orange', Medium: 'yellow', Low: 'blue', Unknown: 'gray' };
const SEVERITY_OPTIONS: OptionSpec[] = (['Critical', 'High', 'Medium', 'Low', 'Unknown'] as const).map((s) => ({
  value: s,
  label: { en: s, ja: s },
  color: SEVERITY_COLORS[s],
  aliases: [],
}));

const STATE_OPTIONS: OptionSpec[] = [
  { value: 'open', label: { en: 'Open', ja: '未解消' }, color: 'red', aliases: [] },
  { value: 'reopened', label: { en: 'Reopened', ja: '再発' }, color: 'orange', aliases: [] },
  { value: 'resolved', label: { en: 'Resolved', ja: '解消' }, color: 'green', aliases: [] },
] satisfies Array<OptionSpec & { value: CaseState }>;

const STATUS_LABELS: Record<TriageStatus, { en: string; ja: string; color: OptionColor; aliases: string[] }> = {
  new: { en: 'New', ja: '新規', color: 'gray', aliases: ['未対応', '未着手', 'Not started', 'Open'] },
  triaging: { en: 'Triaging', ja: '調査中', color: 'yellow', aliases: ['In triage', '確認中', '検討中'] },
  in_progress: { en: 'In progress', ja: '対応中', color: 'blue', aliases: ['Exploitable', '作業中'] },
  risk_accepted: { en: 'Risk accepted', ja: 'リスク受容', color: 'purple', aliases: ['Accepted', 'リスク許容'] },
  false_positive: { en: 'False positive', ja: '誤検知', color: 'pink', aliases: ['誤検出'] },
  not_affected: { en: 'Not affected', ja: '影響なし', color: 'brown', aliases: ['対象外', '該当なし'] },
  fixed: { en: 'Fixed', ja: '対応済み', color: 'green', aliases: ['Done', 'Resolved', '完了', '対応済', '対応完了'] },
};
const STATUS_OPTIONS: OptionSpec[] = TRIAGE_STATUSES.map((s) => ({
  value: s,
  label: { en: STATUS_LABELS[s].en, ja: STATUS_LABELS[s].ja },
  color: STATUS_LABELS[s].color,
  aliases: [s, ...STATUS_LABELS[s].aliases],
}));

const RESPONSE_LABELS: Record<ResponseRequired, { en: string; ja: string; color: OptionColor; aliases: string[] }> = {
  yes: { en: 'Yes', ja: '要', color: 'red', aliases: ['要対応', '必要', 'あり', 'Required'] },
  no: { en: 'No', ja: '不要', color: 'green', aliases: ['対応不要', 'なし', 'Not required'] },
  undecided: { en: 'Undecided', ja: '未定', color: 'gray', aliases: ['未判断', '検討中', 'TBD'] },
};
const RESPONSE_OPTIONS: OptionSpec[] = RESPONSE_REQUIRED.map((r) => ({
  value: r,
  label: { en: RESPONSE_LABELS[r].en, ja: RESPONSE_LABELS[r].ja },
  color: RESPONSE_LABELS[r].color,
  aliases: [r, ...RESPONSE_LABELS[r].aliases],
}));

const SELECT: readonly NotionPropertyType[] = ['select', 'status'];

/** Every field vulnledger mirrors, in the order `notion setup` adds them. */
export const FIELD_SPECS: readonly FieldSpec[] = [
  { field: 'severity', type: 'select', accepts: ['select'], owner: 'machine', names: { en: 'Severity', ja: '重要度' }, options: SEVERITY_OPTIONS },
  { field: 'state', type: 'select', accepts: ['select'], owner: 'machine', names: { en: 'State', ja: '状態' }, options: STATE_OPTIONS },
  { field: 'status', type: 'select', accepts: SELECT, owner: 'human', names: { en: 'Triage status', ja: 'ステータス' }, options: STATUS_OPTIONS },
  { field: 'responseRequired', type: 'select', accepts: SELECT, owner: 'human', names: { en: 'Response required', ja: '対応要否' }, options: RESPONSE_OPTIONS },
  { field: 'owner', type: 'rich_text', accepts: ['rich_text'], owner: 'human', names: { en: 'Owner', ja: '担当者' } },
  { field: 'dueDate', type: 'date', accepts: ['date'], owner: 'human', names: { en: 'Due date', ja: '対応期限' } },
  { field: 'respondedAt', type: 'date', accepts: ['date'], owner: 'human', names: { en: 'Response date', ja: '対応日' } },
  { field: 'acceptedUntil', type: 'date', accepts: ['date'], owner: 'human', names: { en: 'Accepted until', ja: 'リスク受容期限' } },
  { field: 'firstSeen', type: 'date', accepts: ['date'], owner: 'machine', names: { en: 'First seen', ja: '初回検出日' } },
  { field: 'lastSeen', type: 'date', accepts: ['date'], owner: 'machine', names: { en: 'Last seen', ja: '最終検出日' } },
  { field: 'resolvedAt', type: 'date', accepts: ['date'], owner: 'machine', names: { en: 'Resolved', ja: '解消日' } },
  { field: 'resources', type: 'multi_select', accepts: ['multi_select'], owner: 'machine', names: { en: 'Resources', ja: '対象リソース' } },
  { field: 'repositories', type: 'multi_select', accepts: ['multi_select'], owner: 'machine', names: { en: 'Repositories', ja: 'レポジトリ' } },
  { field: 'resourceGroups', type: 'multi_select', accepts: ['multi_select'], owner: 'machine', names: { en: 'Resource groups', ja: 'リソースグループ' } },
  { field: 'subscriptions', type: 'multi_select', accepts: ['multi_select'], owner: 'machine', names: { en: 'Subscriptions', ja: 'サブスクリプション' } },
  { field: 'databases', type: 'multi_select', accepts: ['multi_select'], owner: 'machine', names: { en: 'Databases', ja: 'データベース' } },
  { field: 'description', type: 'rich_text', accepts: ['rich_text'], owner: 'machine', names: { en: 'Description', ja: '説明' } },
  { field: 'impact', type: 'rich_text', accepts: ['rich_text'], owner: 'machine', names: { en: 'Impact', ja: '影響' } },
  { field: 'remediation', type: 'rich_text', accepts: ['rich_text'], owner: 'machine', names: { en: 'Remediation', ja: '対処方法' } },
  { field: 'evidence', type: 'rich_text', accepts: ['rich_text'], owner: 'human', names: { en: 'Evidence', ja: 'エビデンス' } },
  { field: 'justification', type: 'rich_text', accepts: ['rich_text'], owner: 'human', names: { en: 'Justification', ja: '判断理由' } },
  { field: 'cvss', type: 'number', accepts: ['number'], owner: 'machine', names: { en: 'CVSS', ja: 'CVSS' } },
  { field: 'epss', type: 'number', accepts: ['number'], owner: 'machine', names: { en: 'EPSS', ja: 'EPSS' } },
  { field: 'kev', type: 'checkbox', accepts: ['checkbox'], owner: 'machine', names: { en: 'KEV', ja: 'KEV' } },
  { field: 'links', type: 'url', accepts: ['url'], owner: 'machine', names: { en: 'Links', ja: 'リンク' } },
];

const BY_FIELD = new Map<MirrorField, FieldSpec>(FIELD_SPECS.map((s) => [s.field, s]));

/** The spec of a field (not the title). */
export function fieldSpec(field: MirrorField): FieldSpec {
  const spec = BY_FIELD.get(field);
  if (!spec) throw new Error(`no field spec for ${field}`);
  return spec;
}

/** The resolved naming of a mirror: property name per field, and the label language. */
export interface Naming {
  language: Language;
  names: Record<MappableField, string>;
}

/** Resolves `propertyNames` (a preset or a map over a preset). */
export function resolveNaming(config: PropertyNamesConfig): Naming {
  const preset: Language = typeof config === 'string' ? config : (config.preset ?? 'en');
  const names = Object.fromEntries(FIELD_SPECS.map((s) => [s.field, s.names[preset]])) as Record<MappableField, string>;
  if (typeof config !== 'string') {
    for (const spec of FIELD_SPECS) {
      const custom = config[spec.field];
      if (custom !== undefined) names[spec.field] = custom;
    }
  }
  return { language: preset, names };
}

/** Names used by more than one field (a map that gives two fields the same name). */
export function duplicateNames(naming: Naming): string[] {
  const seen = new Map<string, number>();
  for (const name of Object.values(naming.names)) seen.set(name, (seen.get(name) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([name]) => name);
}

/** The label of a select value in a language. */
export function optionLabel(spec: FieldSpec, value: string, language: Language): string {
  const option = spec.options?.find((o) => o.value === value);
  return option ? option.label[language] : value;
}

/** Reads an option name as our value: any label (either language) or alias, case-insensitive. */
export function optionValue(spec: FieldSpec, name: string): string | undefined {
  const wanted = name.trim().toLowerCase();
  for (const o of spec.options ?? []) {
    if (o.label.en.toLowerCase() === wanted || o.label.ja.toLowerCase() === wanted || o.aliases.some((a) => a.toLowerCase() === wanted)) return o.value;
  }
  return undefined;
}
