/** The text half of a finding, stored once per distinct text in `finding_texts` (see migration 0006). */
import { sha256Hex } from '../core/identity.js';

/** A vulnerability's text as stored. */
export interface FindingText {
  title: string;
  description: string;
  impact: string;
  remediation: string;
  referencesJson: string;
  publishedAt: string | null;
}

const SEP = '\u001f';

/**
 * The id of a text: a hash of every field, so equal texts share one row and any change makes a
 * new one. Persistent: the formula must never change (stored rows are keyed by it).
 */
export function findingTextId(t: FindingText): string {
  const key = [t.title, t.description, t.impact, t.remediation, t.referencesJson, t.publishedAt ?? '\u0000'].join(SEP);
  return sha256Hex(key).slice(0, 32);
}
