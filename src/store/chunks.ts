/** Splitting key lists for `IN (…)` queries, shared by the store modules. */

/** Keys per `IN (…)` list (SQLite allows 32,766 bound parameters; PostgreSQL 65,535). */
export const IN_CHUNK = 500;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
