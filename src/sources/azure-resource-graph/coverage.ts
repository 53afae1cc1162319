/**
 * Which parts of the configured scope a run could NOT read, and the coverage the source reports
 * from them. The lifecycle resolves nothing inside an unread part, so this is what stands between
 * a failed page and a false "fixed". Pure: no I/O.
 */
import type { Coverage, ScopeSelector } from '../../core/lifecycle.js';
import { findingKindOf, type QueryKind } from './queries.js';

/** Subscriptions listed in a reason before "and N more". */
const LISTED_SUBSCRIPTIONS = 20;

interface UnreadPart {
  /** Kinds not read; `all` = every configured kind. */
  kinds: 'all' | Set<QueryKind>;
  /** Subscriptions not read; null = the whole scope (tenant, management groups, or every subscription). */
  subscriptions: Map<string, string> | null;
  why: string;
}

/** Collects the unread parts of one source run and turns them into a `Coverage`. */
export class CoverageTracker {
  private readonly parts: UnreadPart[] = [];

  constructor(private readonly kinds: readonly QueryKind[]) {}

  /** True when something was not read. */
  get incomplete(): boolean {
    return this.parts.length > 0;
  }

  /**
   * Records a part that was not read: these kinds (or `all`) in these subscriptions (or, with
   * null, the whole scope), and why. Parts with the same reason are merged.
   */
  unread(kinds: 'all' | readonly QueryKind[], subscriptions: readonly string[] | null, why: string): void {
    const kindSet = kinds === 'all' || this.kinds.every((k) => kinds.includes(k)) ? 'all' : new Set(kinds);
    const same = this.parts.find(
      (p) => p.why === why && sameKinds(p.kinds, kindSet) && (p.subscriptions === null) === (subscriptions === null),
    );
    if (same) {
      if (same.subscriptions && subscriptions) for (const id of subscriptions) same.subscriptions.set(id.toLowerCase(), id);
      return;
    }
    this.parts.push({
      kinds: kindSet,
      subscriptions: subscriptions ? new Map(subscriptions.map((id) => [id.toLowerCase(), id])) : null,
      why,
    });
  }

  /** The coverage to report: complete only when nothing was recorded as unread. */
  coverage(): Coverage {
    if (this.parts.length === 0) return { complete: true };
    const selectors: ScopeSelector[] = [];
    const seen = new Set<string>();
    const add = (selector: ScopeSelector): void => {
      const key = `${selector.kind ?? '*'}|${selector.subscriptionId?.toLowerCase() ?? '*'}`;
      if (seen.has(key)) return;
      seen.add(key);
      selectors.push(selector);
    };
    for (const part of this.parts) {
      const kinds = part.kinds === 'all' ? [undefined] : [...part.kinds].map(findingKindOf);
      const subscriptions = part.subscriptions ? [...part.subscriptions.values()] : [undefined];
      for (const kind of kinds) {
        for (const subscriptionId of subscriptions) {
          const selector: ScopeSelector = {};
          if (kind !== undefined) selector.kind = kind;
          if (subscriptionId !== undefined) selector.subscriptionId = subscriptionId;
          add(selector);
        }
      }
    }
    return { complete: false, unread: selectors, reason: this.reason() };
  }

  /** One sentence per unread part: what was not read and why. */
  reason(): string {
    const lines = this.parts.map((part) => `${describeKinds(part.kinds)}${describeSubscriptions(part.subscriptions)}: ${part.why}`);
    return `not read, so none of its findings was resolved: ${lines.join(' | ')}`;
  }
}

function sameKinds(a: 'all' | Set<QueryKind>, b: 'all' | Set<QueryKind>): boolean {
  if (a === 'all' || b === 'all') return a === b;
  return a.size === b.size && [...a].every((k) => b.has(k));
}

function describeKinds(kinds: 'all' | Set<QueryKind>): string {
  return kinds === 'all' ? 'all kinds' : [...kinds].join(', ');
}

function describeSubscriptions(subscriptions: Map<string, string> | null): string {
  if (subscriptions === null) return ' (whole scope)';
  const ids = [...subscriptions.values()];
  const shown = ids.slice(0, LISTED_SUBSCRIPTIONS).join(', ');
  const more = ids.length > LISTED_SUBSCRIPTIONS ? ` and ${ids.length - LISTED_SUBSCRIPTIONS} more` : '';
  return ` in subscription${ids.length === 1 ? '' : 's'} ${shown}${more}`;
}
