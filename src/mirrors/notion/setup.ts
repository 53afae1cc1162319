/**
 * `vulnledger notion setup`: creates or extends the database schema vulnledger writes, never
 * deleting or retyping anything a person added. Existing properties are adopted by name and type
 * (a hand-built database keyed by a `CVE ID` title works as it is); select options are extended
 * by sending the existing options plus the new ones (Notion removes options left out of an update).
 * `planSchema` is pure and also serves `doctor` and the sync's pre-write check.
 */
import type { MappableField } from './config.js';
import { FIELD_SPECS, type FieldSpec, type Naming, type NotionPropertyType } from './fields.js';
import type { NotionApi } from './client.js';
import type { DataSource, SchemaProperty } from './schema.js';
import type { Target } from './target.js';

/** A property vulnledger needs, matched against the data source. */
export interface MatchedProperty {
  field: MappableField;
  name: string;
  type: NotionPropertyType;
  /** Option names of a select / status property. */
  options: string[];
}

/** What the schema lacks, and the update that adds it. */
export interface SchemaPlan {
  /** Name of the title property (holds the case key), or null when the data source has none. */
  titleName: string | null;
  matched: MatchedProperty[];
  add: Array<{ field: MappableField; name: string; type: NotionPropertyType }>;
  extend: Array<{ field: MappableField; name: string; added: string[] }>;
  /** `status` properties (options cannot be added through the API) lacking some of our values. */
  statusGaps: Array<{ field: MappableField; name: string; missing: string[] }>;
  mistyped: Array<{ field: MappableField; name: string; actual: string; expected: readonly NotionPropertyType[] }>;
  /** `properties` for `PATCH /v1/data_sources/{id}`, or null when nothing needs adding. */
  update: Record<string, unknown> | null;
}

function optionsOf(p: SchemaProperty): SchemaProperty['select'] {
  return p.type === 'select' ? p.select : p.type === 'multi_select' ? p.multi_select : p.type === 'status' ? p.status : undefined;
}

function newPropertyConfig(spec: FieldSpec, naming: Naming): Record<string, unknown> {
  switch (spec.type) {
    case 'select':
      return { select: { options: (spec.options ?? []).map((o) => ({ name: o.label[naming.language], color: o.color })) } };
    case 'multi_select':
      return { multi_select: { options: [] } };
    case 'number':
      return { number: { format: 'number' } };
    default:
      return { [spec.type]: {} };
  }
}

/** Compares a data source's schema with what vulnledger writes (pure). */
export function planSchema(ds: DataSource, naming: Naming): SchemaPlan {
  const plan: SchemaPlan = { titleName: null, matched: [], add: [], extend: [], statusGaps: [], mistyped: [], update: null };
  const update: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(ds.properties)) if (p.type === 'title') plan.titleName = name;
  for (const spec of FIELD_SPECS) {
    const name = naming.names[spec.field];
    const existing = ds.properties[name];
    if (!existing) {
      plan.add.push({ field: spec.field, name, type: spec.type });
      update[name] = newPropertyConfig(spec, naming);
      continue;
    }
    if (!spec.accepts.includes(existing.type as NotionPropertyType)) {
      plan.mistyped.push({ field: spec.field, name, actual: existing.type, expected: spec.accepts });
      continue;
    }
    const current = optionsOf(existing)?.options ?? [];
    plan.matched.push({ field: spec.field, name, type: existing.type as NotionPropertyType, options: current.map((o) => o.name) });
    if (!spec.options) continue;
    const wanted = spec.options.map((o) => ({ label: o.label[naming.language], color: o.color, value: o.value }));
    if (existing.type === 'status') {
      // Status options cannot be added through the API; a value is usable if any option reads as it.
      const missing = wanted.filter((w) => !current.some((o) => o.name === w.label || spec.options!.find((s) => s.value === w.value)!.aliases.includes(o.name)));
      if (missing.length > 0) plan.statusGaps.push({ field: spec.field, name, missing: missing.map((m) => m.label) });
      continue;
    }
    const missing = wanted.filter((w) => !current.some((o) => o.name === w.label));
    if (missing.length === 0) continue;
    plan.extend.push({ field: spec.field, name, added: missing.map((m) => m.label) });
    update[name] = {
      select: {
        options: [...current.map((o) => (o.id ? { id: o.id, name: o.name } : { name: o.name })), ...missing.map((m) => ({ name: m.label, color: m.color }))],
      },
    };
  }
  plan.update = Object.keys(update).length > 0 ? update : null;
  return plan;
}

/** One line per problem that stops vulnledger from writing, for errors and `doctor`. */
export function schemaProblems(plan: SchemaPlan): string[] {
  const out: string[] = [];
  if (plan.titleName === null) out.push('the data source has no title property');
  if (plan.add.length > 0) out.push(`missing: ${plan.add.map((a) => `${a.name} (${a.type})`).join(', ')}`);
  for (const m of plan.mistyped) out.push(`"${m.name}" is ${m.actual}; vulnledger writes ${m.expected.join(' or ')}`);
  return out;
}

/** What `notion setup` did. */
export interface SetupReport {
  target: Target;
  plan: SchemaPlan;
  /** True when the schema was updated. */
  changed: boolean;
}

/**
 * Adds the missing properties and select options in one schema update. Mistyped properties are
 * reported, never changed (rename or delete them in Notion, or map the field to another name).
 */
export async function applySetup(api: NotionApi, target: Target, naming: Naming): Promise<SetupReport> {
  const ds = await api.getDataSource(target.dataSourceId);
  const plan = planSchema(ds, naming);
  if (!plan.update) return { target, plan, changed: false };
  await api.updateDataSource(target.dataSourceId, plan.update);
  return { target, plan, changed: true };
}
