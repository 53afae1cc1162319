/**
 * Names the ledger keys rows by (source, notifier and mirror names): what makes one unusable, if
 * anything. A lone surrogate (a YAML `"\ud800"` escape) is stored by SQLite as bytes that read
 * back as three U+FFFD, so the name the ledger gives back (run records, outbox channels) is not
 * the configured one; a control character (tab and newline included) would be printed raw in
 * digests and notifications.
 */
export function unfitKeyName(name: string): 'a lone surrogate' | 'a control character' | null {
  if (!name.isWellFormed()) return 'a lone surrogate';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'a control character';
  return null;
}

/** The config error for an unfit name: `what` is "source", "notifier" or "mirror". */
export function unfitKeyNameMessage(what: string, name: string, why: string): string {
  return `${what} name ${JSON.stringify(name)} has ${why}; the ledger keys its records by this name and would give it back changed or print it raw. Use printable characters (Japanese and emoji are fine)`;
}
