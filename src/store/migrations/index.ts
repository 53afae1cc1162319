import type { Migration } from 'kysely';
import * as m0001 from './0001-ledger.js';
import * as m0003 from './0003-advisories-enrichment.js';
import * as m0004 from './0004-outbox-delivery.js';
import * as m0005 from './0005-mirrors.js';
import * as m0006 from './0006-finding-texts.js';
import * as m0007 from './0007-findings-open-index.js';

/**
 * Every migration, in order, listed explicitly (no folder scanning: what ships is what runs).
 * Names sort lexically; later issues append `0002-…` and so on.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': m0001,
  '0003-advisories-enrichment': m0003,
  '0004-outbox-delivery': m0004,
  '0005-mirrors': m0005,
  '0006-finding-texts': m0006,
  '0007-findings-open-index': m0007,
};
