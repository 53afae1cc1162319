/** Severity of a finding or case. `Unknown` is a real bucket and sits below every threshold. */
export type Severity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Unknown';

/** A threshold a user can configure: every severity except `Unknown`. */
export type SeverityThreshold = Exclude<Severity, 'Unknown'>;

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['Critical', 'High', 'Medium', 'Low', 'Unknown'];
export const SEVERITY_THRESHOLDS: readonly SeverityThreshold[] = ['Critical', 'High', 'Medium', 'Low'];

const RANK: Record<Severity, number> = { Critical: 4, High: 3, Medium: 2, Low: 1, Unknown: 0 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** True when `severity` is at or above `threshold`. `Unknown` never meets a threshold. */
export function meetsThreshold(severity: Severity, threshold: SeverityThreshold): boolean {
  if (severity === 'Unknown') return false;
  return RANK[severity] >= RANK[threshold];
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

const ALIASES: Record<string, Severity> = {
  critical: 'Critical',
  high: 'High',
  important: 'High',
  medium: 'Medium',
  moderate: 'Medium',
  low: 'Low',
  informational: 'Low',
  info: 'Low',
};

/**
 * Reads a vendor severity string case-insensitively. Anything unrecognised (empty, `Unknown`,
 * `None`, a number, null) becomes `Unknown` rather than an error: vendors extend their enums.
 */
export function parseSeverity(value: unknown): Severity {
  if (typeof value !== 'string') return 'Unknown';
  return ALIASES[value.trim().toLowerCase()] ?? 'Unknown';
}

/** Compares by severity, most severe first (for sorting). */
export function compareSeverityDesc(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}
