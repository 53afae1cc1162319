/**
 * Maps ONE raw Defender for Cloud row (an Azure Resource Graph `securityresources` row, a REST
 * record or an export-file record, already JSON-parsed) to findings. Both Defender data models:
 * individual recommendations (`microsoft.security/assessments`) and grouped sub-assessments
 * (`…/subassessments`). See readme.md for every rule.
 */
import type { DefenderModel } from '../../core/finding.js';
import { messageOf } from '../../util/errors.js';
import { skipped, type RowContext, type RowMapping } from './common.js';
import { mapGrouped } from './grouped.js';
import { mapIndividual } from './individual.js';
import { asRecord, asText, pick, readDefenderRow, type DefenderRow } from './schema.js';

export type { RowMapping } from './common.js';

const SUBASSESSMENT_TYPE = 'microsoft.security/assessments/subassessments';
const ASSESSMENT_TYPE = 'microsoft.security/assessments';
const SUBASSESSMENT_ID_RE = /\/providers\/microsoft\.security\/assessments\/[^/]+\/subassessments\//i;
const ASSESSMENT_ID_RE = /\/providers\/microsoft\.security\/assessments\/[^/]+\/?$/i;

/**
 * Maps one raw Defender row to findings (one per asset × vulnerability), or to exactly one skip
 * record saying why not (`healthy`, `not-applicable`, `not-ours`, `unrecognised`, `invalid`).
 * Never throws, whatever the input; severity is set faithfully and never filtered here.
 */
export function mapDefenderRow(raw: unknown): RowMapping {
  try {
    return mapRow(raw);
  } catch (error) {
    return skipped('invalid', safeId(raw), null, `mapping failed: ${errorText(error)}`);
  }
}

function mapRow(raw: unknown): RowMapping {
  const row = readDefenderRow(raw);
  if (row === null) return skipped('unrecognised', '', null, `row is ${describe(raw)}, not an object`);
  const type = row.type.trim().toLowerCase();
  const model = modelOf(type, row.id);
  if (model === null) {
    if (type.startsWith('microsoft.security/')) return skipped('not-ours', row.id, null, `type ${type.slice(0, 100)}`);
    return skipped('unrecognised', row.id, null, type === '' ? 'no type' : `type ${type.slice(0, 100)}`);
  }
  const props = asRecord(row.properties);
  if (props === undefined) return skipped('invalid', row.id, model, 'properties missing');
  const ctx: RowContext = { row, model, notes: [] };
  if (type === '') ctx.notes.push('type missing; model inferred from the id');
  return model === 'individual' ? mapIndividual(ctx, props) : mapGrouped(ctx, props);
}

function modelOf(type: string, id: DefenderRow['id']): DefenderModel | null {
  if (type === SUBASSESSMENT_TYPE) return 'grouped';
  if (type === ASSESSMENT_TYPE) return 'individual';
  if (type !== '') return null;
  if (SUBASSESSMENT_ID_RE.test(id)) return 'grouped';
  if (ASSESSMENT_ID_RE.test(id)) return 'individual';
  return null;
}

function safeId(raw: unknown): string {
  try {
    const id = pick(raw, 'id');
    return typeof id === 'string' ? id : asText(id);
  } catch {
    return '';
  }
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  return `a ${typeof raw}`;
}

function errorText(error: unknown): string {
  try {
    return (messageOf(error)).slice(0, 200);
  } catch {
    return 'unknown error';
  }
}
