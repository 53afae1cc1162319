/** Table types of migration 0005 (mirrors: one page per case, and each mirror's small state). */

/** The page of a case in a mirror, with what the page is known to hold. */
export interface MirrorPagesTable {
  mirror: string;
  case_key: string;
  page_id: string;
  url: string;
  /** JSON of the field values the page held at the last sync; null when unknown (adopted page). */
  values_json: string | null;
  /** sha256 of `values_json` (a quick "nothing to push" check). */
  values_hash: string | null;
  body_hash: string | null;
  gone_at: string | null;
  created_at: string;
  synced_at: string;
}

/** Key/value state per mirror: the pull watermark, the cached data source id, the sync lock. */
export interface MirrorStateTable {
  mirror: string;
  key: string;
  value: string;
  updated_at: string;
}
