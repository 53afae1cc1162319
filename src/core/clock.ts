/** The clock port: every use of "now" in the ledger goes through it, so tests are deterministic. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock frozen at one instant (tests, the demo's "weeks", `--now`). */
export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === 'string' ? new Date(at) : at;
  return { now: () => new Date(instant.getTime()) };
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant, in UTC. */
export function isoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Adds whole days to a `YYYY-MM-DD` date or an ISO instant and returns `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const base = new Date(date.length === 10 ? `${date}T00:00:00Z` : date);
  return isoDate(new Date(base.getTime() + days * DAY_MS));
}
