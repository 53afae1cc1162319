/**
 * How many times a property test runs: its own default, or `FC_RUNS=N` for a deeper search of every
 * property (a positive integer; anything else is ignored).
 */
const requested = Number(process.env.FC_RUNS);

/** The run count `FC_RUNS` asks for, or null. */
export const DEEPER_RUNS: number | null = Number.isInteger(requested) && requested > 0 ? requested : null;

/** `fc.assert` parameters: `defaultRuns` runs, or `FC_RUNS`. */
export function propertyRuns(defaultRuns: number): { numRuns: number } {
  return { numRuns: DEEPER_RUNS ?? defaultRuns };
}
