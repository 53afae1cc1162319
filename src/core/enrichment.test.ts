import { describe, expect, it } from 'vitest';
import { planEnrichment, policyDueDate, type EnrichmentCandidate, type EnrichmentContext } from './enrichment.js';
import { DEFAULT_SLA, slaDueDate } from './sla.js';

const AT = '2026-11-23T06:00:00.000Z';
const ctx: EnrichmentContext = { at: AT, policy: { epssStep: 0.1 }, isNewCase: false, firstKevLoad: false };
const KEV = { dateAdded: '2026-11-20', dueDate: '2026-12-11', knownRansomware: null };

function candidate(overrides: Partial<EnrichmentCandidate> = {}): EnrichmentCandidate {
  return { caseKey: 'machine:CVE-2024-6387', cveId: 'CVE-2024-6387', open: true, stored: null, ...overrides };
}

describe('planEnrichment: KEV', () => {
  it('a case newly in KEV is marked, with history and case.worsened', () => {
    const u = planEnrichment(candidate(), { kev: KEV, epss: undefined }, ctx);
    expect(u.after.kev).toEqual({ ...KEV, since: AT });
    expect(u).toMatchObject({ changed: true, kevChanged: true });
    expect(u.changes).toEqual([{ field: 'kev', oldValue: null, newValue: 'added 2026-11-20, CISA due 2026-12-11, ransomware unknown' }]);
    expect(u.events).toEqual([
      { type: 'case.worsened', caseKey: 'machine:CVE-2024-6387', at: AT, details: { reason: 'kev', cveId: 'CVE-2024-6387', dateAdded: '2026-11-20', dueDate: '2026-12-11', knownRansomware: null } },
    ]);
  });

  it('is not flagged for a new case, a resolved case, or on the first KEV catalog load', () => {
    expect(planEnrichment(candidate(), { kev: KEV, epss: undefined }, { ...ctx, isNewCase: true }).events).toEqual([]);
    expect(planEnrichment(candidate({ open: false }), { kev: KEV, epss: undefined }, ctx).events).toEqual([]);
    const quiet = planEnrichment(candidate(), { kev: KEV, epss: undefined }, { ...ctx, firstKevLoad: true });
    expect(quiet.events).toEqual([]);
    expect(quiet.after.kev).not.toBeNull();
  });

  it('keeps `since` on later runs; ransomware becoming known is a worsening; removal is recorded; no data keeps the mark', () => {
    const stored = { kev: { ...KEV, since: '2026-11-01T00:00:00.000Z' }, epss: null, epssBaseline: null };
    const same = planEnrichment(candidate({ stored }), { kev: KEV, epss: undefined }, ctx);
    expect(same).toMatchObject({ changed: false, kevChanged: false, events: [], changes: [] });
    const ransom = planEnrichment(candidate({ stored }), { kev: { ...KEV, knownRansomware: true }, epss: undefined }, ctx);
    expect(ransom.after.kev?.since).toBe('2026-11-01T00:00:00.000Z');
    expect(ransom.events.map((e) => e.details.reason)).toEqual(['kev-ransomware']);
    const removed = planEnrichment(candidate({ stored }), { kev: null, epss: undefined }, ctx);
    expect(removed).toMatchObject({ changed: true, kevChanged: true, events: [], after: { kev: null } });
    expect(planEnrichment(candidate({ stored }), { kev: undefined, epss: undefined }, ctx).changed).toBe(false);
  });
});

describe('planEnrichment: EPSS', () => {
  const score = (s: number) => ({ score: s, percentile: 0.9, date: '2026-11-22' });

  it('the first score sets the baseline quietly', () => {
    const u = planEnrichment(candidate(), { kev: undefined, epss: score(0.2) }, ctx);
    expect(u.after).toEqual({ kev: null, epss: score(0.2), epssBaseline: 0.2 });
    expect(u.events).toEqual([]);
    expect(u.changes).toEqual([{ field: 'epss', oldValue: null, newValue: '0.2 (percentile 0.9, 2026-11-22)' }]);
  });

  it('a rise of exactly the step flags the case and moves the baseline; drift does not; a fall lowers the baseline', () => {
    const at = (baseline: number, now: number) => ({ kev: null, epss: score(now), epssBaseline: baseline });
    const rise = planEnrichment(candidate({ stored: at(0.2, 0.25) }), { kev: undefined, epss: score(0.3) }, ctx);
    expect(rise.events.map((e) => e.details)).toEqual([{ reason: 'epss', cveId: 'CVE-2024-6387', from: 0.2, to: 0.3, percentile: 0.9, date: '2026-11-22' }]);
    expect(rise.after.epssBaseline).toBe(0.3);
    const drift = planEnrichment(candidate({ stored: at(0.2, 0.25) }), { kev: undefined, epss: score(0.29) }, ctx);
    expect(drift).toMatchObject({ changed: true, events: [], changes: [], after: { epssBaseline: 0.2 } });
    const fall = planEnrichment(candidate({ stored: at(0.5, 0.5) }), { kev: undefined, epss: score(0.1) }, ctx);
    expect(fall.after.epssBaseline).toBe(0.1);
    const climb = planEnrichment(candidate({ stored: fall.after }), { kev: undefined, epss: score(0.21) }, ctx);
    expect(climb.events).toHaveLength(1);
    expect(planEnrichment(candidate({ stored: at(0.2, 0.2), open: false }), { kev: undefined, epss: score(0.9) }, ctx).events).toEqual([]);
    expect(planEnrichment(candidate({ stored: at(0.2, 0.2) }), { kev: undefined, epss: score(0.9) }, { ...ctx, isNewCase: true }).events).toEqual([]);
  });

  it('"not scored" clears a score; no data keeps it', () => {
    const stored = { kev: null, epss: score(0.2), epssBaseline: 0.2 };
    expect(planEnrichment(candidate({ stored }), { kev: undefined, epss: null }, ctx).after).toEqual({ kev: null, epss: null, epssBaseline: null });
    expect(planEnrichment(candidate({ stored }), { kev: undefined, epss: undefined }, ctx).changed).toBe(false);
    expect(planEnrichment(candidate(), { kev: null, epss: null }, ctx).changed).toBe(false);
  });
});

describe('the KEV SLA rule', () => {
  it('due = the earlier of the severity due date and kevDays after entering KEV (or first sighting), for any severity', () => {
    expect(slaDueDate('High', '2026-11-16T06:00:00Z', DEFAULT_SLA, null)).toBe('2026-12-16');
    expect(slaDueDate('High', '2026-11-16T06:00:00Z', DEFAULT_SLA, '2026-11-23T06:00:00Z')).toBe('2026-11-30');
    expect(slaDueDate('High', '2026-11-16T06:00:00Z', DEFAULT_SLA, '2026-11-01T00:00:00Z')).toBe('2026-11-23');
    expect(slaDueDate('Unknown', '2026-11-16T06:00:00Z', DEFAULT_SLA, '2026-11-16T06:00:00Z')).toBe('2026-11-23');
    expect(slaDueDate('Critical', '2026-11-16T06:00:00Z', { ...DEFAULT_SLA, kevDays: 14 }, '2026-11-16T06:00:00Z')).toBe('2026-11-23');
    expect(slaDueDate('High', '2026-11-16T06:00:00Z', { ...DEFAULT_SLA, kevDays: null }, '2026-11-16T06:00:00Z')).toBe('2026-12-16');
    expect(
      policyDueDate({ severity: 'High', firstSeen: '2026-07-27T06:00:00Z', reopenedAt: '2026-11-23T06:00:00Z', kev: { ...KEV, since: '2026-11-16T00:00:00Z' } }, { ...DEFAULT_SLA, restartOnReopen: true }),
    ).toBe('2026-11-30');
  });
});

