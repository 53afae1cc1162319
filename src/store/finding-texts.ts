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
  return textIdOfKey(findingTextKey(t));
}

/** The text as one string: equal keys ⇔ equal texts (the input of the id's hash). */
export function findingTextKey(t: FindingText): string {
  return [t.title, t.description, t.impact, t.remediation, t.referencesJson, t.publishedAt ?? '\u0000'].join(SEP);
}

/** `findingTextId` from a key already built. */
export function textIdOfKey(key: string): string {
  return sha256Hex(key).slice(0, 32);
}
