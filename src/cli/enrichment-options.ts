/** Run options for enrichment, from the config (composition root helper). */
import { DEFAULT_ENRICHMENT_POLICY, type EnrichmentPolicy } from '../core/enrichment.js';
import type { Config } from '../config/schema.js';
import { UserError } from './context.js';

/** The EPSS rise that flags a case: the smallest `riseStep` of the configured epss sources, else 0.1. */
export function enrichmentPolicy(config: Config): EnrichmentPolicy {
  const steps = config.sources.flatMap((s) => (s.type === 'epss' ? [s.riseStep] : []));
  return steps.length > 0 ? { epssStep: Math.min(...steps) } : DEFAULT_ENRICHMENT_POLICY;
}

/** Parses `--epss-min`: a probability between 0 and 1. */
export function parseEpssMin(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UserError(`--epss-min must be a number between 0 and 1 (an EPSS probability), got "${value}"`);
  return n;
}
