import type { Migration } from 'kysely';
import * as m0001 from './0001-ledger.js';

/**
 * Every migration, in order, listed explicitly (no folder scanning: what ships is what runs).
 * Names sort lexically; later issues append `0002-…` and so on.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': m0001,
};
