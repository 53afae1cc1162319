/**
 * Property mapping (pure): a case → the canonical text of each field (exactly what the Notion page
 * will hold, within Notion's limits), canonical text → request property values, page property
 * values → canonical text, and a person's text in a human-owned field → a ledger edit.
 * Limits: rich text ≤ 2000 characters per element (we cap a property at 10,000 and mark the cut),
 * multi-select ≤ 100 values with no commas, option names ≤ 100 characters.
 */
import { isCveId } from '../../core/identity.js';
import { evidenceEdit, evidenceText, type FieldValues, type HumanField, type MirrorCase, type ParsedField } from '../../core/mirror.js';
import { severityRank } from '../../core/severity.js';
import type { Triage, TriageEdit } from '../../core/triage.js';
import type { StoredFinding } from '../../core/finding.js';
import { fieldSpec, FIELD_SPECS, optionLabel, optionValue, type Language, type Naming, type NotionPropertyType } from './fields.js';
import { plainText, type PageProperty, type RichTextItem } from './schema.js';
import { sha256Hex } from '../../core/identity.js';

/** Characters of one rich-text element (Notion's limit). */
export const RICH_TEXT_CHUNK = 2000;
/** Characters a rich-text property may hold before it is cut and marked. */
export const MAX_TEXT = 10_000;
/** Values of a multi-select property (Notion's limit). */
export const MAX_MULTI_SELECT = 100;
/** Characters of an option name. */
export const MAX_OPTION_NAME = 100;

/** The line that ends a text cut for Notion. */
export const CUT_MARKER: Record<Language, string> = {
  en: '… (cut here: full text in the ledger, `vulnledger show <case>`)',
  ja: '…（ここまで。全文は台帳にあります: `vulnledger show <case>`）',
};

/** True for a marker line the mirror added itself (in either language). */
export function isCutMarker(line: string): boolean {
  return line === CUT_MARKER.en || line === CUT_MARKER.ja;
}

/** Text as Notion keeps it: `\n` line ends, no control characters, trimmed. */
export function normalizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** Normalized text, cut at {@link MAX_TEXT} with the marker line when longer. */
export function capText(text: string, language: Language): string {
  const clean = normalizeText(text);
  if (clean.length <= MAX_TEXT) return clean;
  const marker = CUT_MARKER[language];
  return `${cutAt(clean, MAX_TEXT - marker.length - 1).trimEnd()}\n${marker}`;
}

/** Splits text into rich-text elements of at most {@link RICH_TEXT_CHUNK} characters. */
export function richText(text: string): Array<{ type: 'text'; text: { content: string } }> {
  const out: Array<{ type: 'text'; text: { content: string } }> = [];
  let rest = text;
  while (rest.length > 0) {
    const part = cutAt(rest, RICH_TEXT_CHUNK);
    out.push({ type: 'text', text: { content: part } });
    rest = rest.slice(part.length);
  }
  return out;
}

/** A multi-select option name: no commas (`;` instead), one line, at most 100 characters. */
export function optionName(raw: string): string {
  const clean = raw.replace(/,/g, ';').replace(/\s+/g, ' ').trim();
  return clean.length <= MAX_OPTION_NAME ? clean : `${cutAt(clean, MAX_OPTION_NAME - 1)}…`;
}

/** Canonical multi-select: distinct option names, sorted, at most 100, one per line. */
export function multiSelectText(values: Iterable<string | null | undefined>): string {
  const names = new Set<string>();
  for (const v of values) {
    if (!v) continue;
    const name = optionName(v);
    if (name !== '') names.add(name);
  }
  return [...names].sort().slice(0, MAX_MULTI_SELECT).join('\n');
}

/** The Azure portal page of a resource id, or null. */
export function portalUrl(resourceId: string): string | null {
  return resourceId.startsWith('/subscriptions/') ? `https://portal.azure.com/#@/resource${resourceId}` : null;
}

function dateOnly(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '';
}

/** The findings a page describes: the open ones, or every finding of a resolved case. */
export function shownFindings(findings: readonly StoredFinding[]): StoredFinding[] {
  const open = findings.filter((f) => f.state === 'open');
  return open.length > 0 ? open : [...findings];
}

/** The finding whose texts describe the case: open first, most severe, with a description. */
function representative(findings: readonly StoredFinding[]): StoredFinding | undefined {
  return [...findings].sort(
    (a, b) =>
      (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      (a.description ? 0 : 1) - (b.description ? 0 : 1),
  )[0];
}

/** Every field of a case as canonical text, the way Notion will hold it. */
export function renderValues(c: MirrorCase, language: Language): FieldValues {
  const r = c.record;
  const t = r.triage;
  const shown = shownFindings(c.findings);
  const main = representative(c.findings);
  const link = isCveId(r.vulnId) ? `https://nvd.nist.gov/vuln/detail/${r.vulnId.toUpperCase()}` : (shown.map((f) => portalUrl(f.resource.id)).find((u) => u !== null) ?? '');
  return {
    title: r.key,
    severity: optionLabel(fieldSpec('severity'), r.severity, language),
    state: optionLabel(fieldSpec('state'), r.state, language),
    status: optionLabel(fieldSpec('status'), t.status, language),
    responseRequired: optionLabel(fieldSpec('responseRequired'), t.responseRequired, language),
    owner: capText(t.owner ?? '', language),
    dueDate: t.dueDate ?? '',
    respondedAt: t.respondedAt ?? '',
    acceptedUntil: t.acceptedUntil ?? '',
    firstSeen: dateOnly(r.firstSeen),
    lastSeen: dateOnly(r.lastSeen),
    resolvedAt: dateOnly(r.resolvedAt),
    resources: multiSelectText(shown.map((f) => f.resource.name)),
    repositories: multiSelectText(shown.map((f) => f.repository)),
    resourceGroups: multiSelectText(shown.map((f) => f.resource.resourceGroup)),
    subscriptions: multiSelectText(shown.map((f) => f.resource.subscriptionId)),
    databases: multiSelectText(shown.map((f) => (f.database ? `${f.server ?? '?'}/${f.database}` : null))),
    description: capText(main?.description ?? '', language),
    impact: capText(main?.impact ?? '', language),
    remediation: capText(main?.remediation ?? '', language),
    evidence: capText(evidenceText(t.evidence), language),
    justification: capText(t.justification ?? '', language),
    cvss: r.cvss === null ? '' : String(r.cvss),
    epss: c.epss === null ? '' : String(c.epss),
    kev: String(c.kev),
    links: link.length <= 2000 ? link : '',
  };
}

/** A request property value for a canonical text, given the property's type in the schema. */
export function toRequestValue(type: NotionPropertyType, text: string): Record<string, unknown> {
  switch (type) {
    case 'title':
      return { title: richText(text) };
    case 'rich_text':
      return { rich_text: richText(text) };
    case 'select':
      return { select: text === '' ? null : { name: text } };
    case 'status':
      return { status: text === '' ? null : { name: text } };
    case 'multi_select':
      return { multi_select: text === '' ? [] : text.split('\n').map((name) => ({ name })) };
    case 'date':
      return { date: text === '' ? null : { start: text } };
    case 'number':
      return { number: text === '' ? null : Number(text) };
    case 'checkbox':
      return { checkbox: text === 'true' };
    case 'url':
      return { url: text === '' ? null : text };
  }
}

function rich(value: unknown): string {
  return Array.isArray(value) ? normalizeText(plainText(value as RichTextItem[])) : '';
}

function named(value: unknown): string {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : '';
}

/** Canonical text of a page property value; undefined for types vulnledger does not read. */
export function readValue(property: PageProperty): string | undefined {
  const value = (property as Record<string, unknown>)[property.type];
  switch (property.type) {
    case 'title':
    case 'rich_text':
      return rich(value);
    case 'select':
    case 'status':
      return named(value);
    case 'multi_select':
      return Array.isArray(value) ? value.map(named).filter((n) => n !== '').sort().join('\n') : '';
    case 'date': {
      const start = typeof value === 'object' && value !== null ? (value as { start?: unknown }).start : undefined;
      return typeof start === 'string' ? start.slice(0, 10) : '';
    }
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    case 'checkbox':
      return String(value === true);
    case 'url':
      return typeof value === 'string' ? value : '';
    default:
      return undefined;
  }
}

/**
 * Canonical values of every mapped field present on a page (and the title). Option names that
 * read as one of our values (any label or alias) become our label in the configured language.
 */
export function readValues(properties: Record<string, PageProperty>, naming: Naming): FieldValues {
  const out: FieldValues = {};
  const title = Object.values(properties).find((p) => p.type === 'title');
  if (title) out.title = readValue(title) ?? '';
  for (const spec of FIELD_SPECS) {
    const property = properties[naming.names[spec.field]];
    if (!property || !spec.accepts.includes(property.type as NotionPropertyType)) continue;
    let text = readValue(property);
    if (text === undefined) continue;
    if (spec.options && text !== '') {
      // Any label or alias of one of our values reads as our label: "Done" in a status property is "Fixed".
      const value = optionValue(spec, text);
      if (value !== undefined) text = optionLabel(spec, value, naming.language);
    }
    out[spec.field] = text;
  }
  return out;
}

function labelsOf(field: HumanField, language: Language): string {
  return (fieldSpec(field).options ?? []).map((o) => o.label[language]).join(', ');
}

/** Reads a person's text in a human-owned field as a ledger edit (validated later by core rules). */
export function parseHuman(field: HumanField, text: string, current: Triage, naming: Naming): ParsedField {
  const property = naming.names[field];
  switch (field) {
    case 'status': {
      if (text === '') return { ok: false, reason: `${property} is empty; a case always has a triage status (${labelsOf(field, naming.language)})` };
      const value = optionValue(fieldSpec(field), text);
      if (!value) return { ok: false, reason: `"${text}" is not a triage status vulnledger knows (${labelsOf(field, naming.language)})` };
      return { ok: true, edit: { status: value as Triage['status'] } };
    }
    case 'responseRequired': {
      if (text === '') return { ok: true, edit: { responseRequired: 'undecided' } };
      const value = optionValue(fieldSpec(field), text);
      if (!value) return { ok: false, reason: `"${text}" is not a response-required value vulnledger knows (${labelsOf(field, naming.language)})` };
      return { ok: true, edit: { responseRequired: value as Triage['responseRequired'] } };
    }
    case 'owner':
    case 'justification': {
      if (text.split('\n').some(isCutMarker)) {
        return { ok: false, reason: `${property} was cut to fit Notion; change it with \`vulnledger triage\` instead, so nothing is lost` };
      }
      const edit: TriageEdit = {};
      edit[field] = text === '' ? null : text;
      return { ok: true, edit };
    }
    case 'dueDate':
    case 'respondedAt':
    case 'acceptedUntil': {
      const edit: TriageEdit = {};
      edit[field] = text === '' ? null : text;
      return { ok: true, edit };
    }
    case 'evidence': {
      const { added, removed } = evidenceEdit(text, current.evidence, isCutMarker);
      const note = removed > 0 ? `${removed} evidence line(s) removed in Notion stay in the ledger (evidence is append-only)` : undefined;
      return { ok: true, edit: added.length > 0 ? { evidence: added } : {}, ...(note ? { note } : {}) };
    }
  }
}

/** Short hex digest. */
export function digest(value: unknown): string {
  return sha256Hex(JSON.stringify(value)).slice(0, 32);
}
