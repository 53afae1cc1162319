/**
 * Splits a notification into messages that each fit a channel's limits (one outbox entry per
 * message). The channel measures by rendering with worst-case placeholders (part numbers, the
 * "…and N more" footer, every link at its longest), so the real message rendered at delivery is
 * never larger than the one measured here. Each case is one independent block of a message, so
 * its cost is measured once and messages are packed by adding costs (linear in the number of cases).
 * What the channel puts between two cases (a comma in a JSON array, a divider) is measured once too,
 * from two cases side by side; every packed message is then measured whole once more, as it will
 * be sent.
 */
import type { CaseSnapshot, Notification, NotificationMessage } from '../../core/notification.js';

/** Part numbers and counts a measured message carries (rendered at least as wide as real ones); wider for 1,000+ cases. */
export const PLACEHOLDER_PART = 999;
/** The "…and N more" count a measured message carries; wider for a million cases or more. */
export const PLACEHOLDER_MORE = 999_999;

/** All nines, at least `min` and at least as many digits as `bound`. */
function nines(min: number, bound: number): number {
  return Math.max(min, 10 ** String(bound).length - 1);
}

export interface PackOptions {
  /**
   * `separate`: the first message is the summary alone (Slack: the details follow or thread under it);
   * `inline`: the first message carries the summary and the first cases (Teams, webhook).
   */
  head: 'separate' | 'inline';
  /** Most messages for this notification; the cases left over are counted in the last one's `more`. Null: no cap. */
  maxMessages: number | null;
  /** Most cases in one message (block limits). */
  maxCasesPerMessage: number;
  /**
   * The size of a rendered message in the channel's measure (characters, bytes): a base, plus each
   * case's own cost, plus a fixed cost between two cases. A message that breaks this is caught by
   * the final measure (`SplitError`).
   */
  size: (message: NotificationMessage) => number;
  /** The largest allowed size. */
  limit: number;
  /** Every other limit of the channel (per-block lengths); checked for the summary and each case on its own. */
  valid?: (message: NotificationMessage) => boolean;
}

/** A message that could not be made to fit: a renderer bug (each renderer bounds a single case). */
export class SplitError extends Error {
  override readonly name = 'SplitError';
}

function message(n: Notification, cases: CaseSnapshot[], part: number, parts: number, more: number): NotificationMessage {
  return {
    v: 1,
    kind: n.kind,
    part,
    parts,
    run: n.kind === 'changes' ? n.run : null,
    report: n.kind === 'report' ? n.report : null,
    cases,
    more,
  };
}

/**
 * Packs the notification's cases, in order, greedily into messages. The first message is always
 * there (the summary). Never drops a case silently: a case that does not fit in a capped set of
 * messages is counted in the last message's `more`.
 */
export function packMessages(n: Notification, options: PackOptions): NotificationMessage[] {
  const valid = options.valid ?? (() => true);
  // A notification has at most one part per case plus its summary, and leaves out at most every case.
  const part = nines(PLACEHOLDER_PART, n.cases.length + 1);
  const moreCount = nines(PLACEHOLDER_MORE, n.cases.length);
  const probe = (cases: CaseSnapshot[], head: boolean): NotificationMessage => message(n, cases, head ? 1 : part, part, moreCount);
  const fits = (m: NotificationMessage): boolean => valid(m) && options.size(m) <= options.limit;

  const headProbe = probe([], true);
  if (!fits(headProbe)) throw new SplitError(`the ${n.kind} summary does not fit in one message`);
  const headBase = options.size(headProbe);
  const detailsBase = options.size(probe([], false));
  const costs = n.cases.map((c) => {
    const alone = probe([c], false);
    if (!fits(alone)) throw new SplitError(`case ${c.key} does not fit in a message of its own`);
    return options.size(alone) - detailsBase;
  });
  // What separates two cases (a comma in a JSON array; nothing where each case is its own block
  // between others), measured with the first case next to itself.
  const first = n.cases[0];
  const separator = n.cases.length < 2 ? 0 : options.size(probe([first!, first!], false)) - detailsBase - 2 * costs[0]!;

  const done: CaseSnapshot[][] = [];
  let current: CaseSnapshot[] = [];
  let used = headBase;
  let currentIsHead = true;
  if (options.head === 'separate') {
    done.push([]);
    currentIsHead = false;
    used = detailsBase;
  }
  const capReached = (): boolean => options.maxMessages !== null && done.length >= options.maxMessages;
  let more = 0;

  for (let i = 0; i < n.cases.length; i++) {
    if (capReached()) {
      more = n.cases.length - i;
      break;
    }
    const item = n.cases[i]!;
    const cost = costs[i]!;
    const added = current.length > 0 ? cost + separator : cost;
    if (current.length < options.maxCasesPerMessage && used + added <= options.limit) {
      current.push(item);
      used += added;
      continue;
    }
    // It does not fit here: close this message (the head is closed even when it holds no case).
    done.push(current);
    current = [];
    currentIsHead = false;
    if (capReached()) {
      more = n.cases.length - i;
      break;
    }
    current.push(item);
    used = detailsBase + cost;
  }
  if (current.length > 0 || currentIsHead) done.push(current);
  const parts = done.length;
  const out = done.map((cases, index) => message(n, cases, index + 1, parts, index === parts - 1 ? more : 0));
  for (const m of out) {
    if (!fits(m)) throw new SplitError(`message ${m.part} of ${parts} does not fit (the channel's size is not additive per case)`);
  }
  return out;
}
