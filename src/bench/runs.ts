import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repeated benchmark runs: each child process prints one JSON line with at least `ms`. */
export type RunResult = Record<string, unknown>;

/** The run with the median time (its other figures come with it). */
export function median(results: readonly RunResult[]): RunResult {
  return [...results].sort((a, b) => (a.ms as number) - (b.ms as number))[Math.floor(results.length / 2)]!;
}

/** Milliseconds as seconds with two decimals; "n/a" when a run did not report the figure. */
export function seconds(ms: unknown): string {
  return typeof ms === 'number' ? (ms / 1000).toFixed(2) : 'n/a';
}

/** Every run's time in seconds, in run order: `0.81 / 0.77 / 0.74`. */
export function runSeconds(results: readonly RunResult[]): string {
  return results.map((r) => seconds(r.ms)).join(' / ');
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs a benchmark script of this folder in its own process (its own peak RSS); resolves with its last output line, parsed. */
export function runChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RunResult);
    });
  });
}
