/** Splitting key lists for `IN (…)` queries, shared by the store modules. */
export { chunks } from '../util/chunks.js';

/** Keys per `IN (…)` list (SQLite allows 32,766 bound parameters; PostgreSQL 65,535). */
export const IN_CHUNK = 500;
