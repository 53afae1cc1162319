/**
 * `doctor`: a registry of checks (config, database, each source, notifier and mirror), run with a
 * timeout each, never writing and never printing a secret. Plugins contribute checks; the CLI
 * composes them.
 */

import type { CheckResult, DoctorCheck } from '../core/ports.js';
import { messageOf } from '../util/errors.js';

export type { CheckResult, CheckStatus, DoctorCheck } from '../core/ports.js';

export interface DoctorReport {
  results: CheckResult[];
  /** False when any check failed. */
  ok: boolean;
}

/** Runs checks in order (later checks often depend on earlier ones being meaningful), each with a timeout. */
export async function runDoctor(checks: readonly DoctorCheck[], options: { timeoutMs?: number; onResult?: (r: CheckResult) => void } = {}): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    let outcome: CheckResult[];
    try {
      const r = await Promise.race([
        check.run(timeout),
        new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(new Error(`no answer within ${options.timeoutMs ?? 60_000} ms`)), { once: true })),
      ]);
      outcome = Array.isArray(r) ? r : [r];
    } catch (error) {
      outcome = [{ name: check.name, status: 'fail', detail: messageOf(error) }];
    }
    for (const r of outcome) {
      results.push(r);
      options.onResult?.(r);
    }
  }
  return { results, ok: results.every((r) => r.status !== 'fail') };
}
