/**
 * Property tests run synchronously, so a test timeout cannot stop them. A failing property reports
 * its first counterexample (with the seed and path to replay it) instead of shrinking it for as
 * long as that takes, and no property runs longer than its time limit. `FC_RUNS=N` runs every
 * property N times (a deeper search than the default).
 */
import fc from 'fast-check';

const runs = Number(process.env.FC_RUNS);
const deeper = Number.isInteger(runs) && runs > 0;
fc.configureGlobal({
  endOnFailure: true,
  // A default run of a property takes well under a second; a deeper search gets 25 ms a run.
  interruptAfterTimeLimit: deeper ? Math.max(15_000, runs * 25) : 15_000,
  markInterruptAsFailure: true,
  ...(deeper ? { numRuns: runs } : {}),
});
