/** Repeated benchmark runs: each child process prints one JSON line with at least `ms`. */
export type RunResult = Record<string, unknown>;

/** The run with the median time (its other figures come with it). */
export function median(results: readonly RunResult[]): RunResult {
  return [...results].sort((a, b) => (a.ms as number) - (b.ms as number))[Math.floor(results.length / 2)]!;
}

/** Every run's time in seconds, in run order: `0.81 / 0.77 / 0.74`. */
export function runSeconds(results: readonly RunResult[]): string {
  return results.map((r) => ((r.ms as number) / 1000).toFixed(2)).join(' / ');
}
