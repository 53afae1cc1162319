/**
 * Property tests run synchronously, so a test timeout cannot stop them. A failing property reports
 * its first counterexample (with the seed and path to replay it) instead of shrinking it for as
 * long as that takes, and a property still running after its time limit (checked between runs)
 * fails. Every test sets its run count with `propertyRuns` (test/helpers/property.ts).
 */
import fc from 'fast-check';
import { DEEPER_RUNS } from './helpers/property.js';

fc.configureGlobal({
  endOnFailure: true,
  // A default run of a property takes well under a second; a deeper search (FC_RUNS) gets 25 ms a
  // run, within the test timeout vitest.config.ts sets for it.
  interruptAfterTimeLimit: DEEPER_RUNS === null ? 15_000 : Math.max(15_000, DEEPER_RUNS * 25),
  markInterruptAsFailure: true,
});
