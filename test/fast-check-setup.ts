/**
 * Property tests run synchronously, so a test timeout cannot stop them. A failing property reports
 * its first counterexample (with the seed and path to replay it) instead of shrinking it for as
 * long as that takes, and no property runs longer than its time limit. `FC_RUNS=N` runs every
 * property N times (a deeper search than the default).
 */
import fc from 'fast-check';

const runs = Number(process.env.FC_RUNS);
fc.configureGlobal({
  endOnFailure: true,
  interruptAfterTimeLimit: 15_000,
  markInterruptAsFailure: true,
  ...(Number.isInteger(runs) && runs > 0 ? { numRuns: runs } : {}),
});
