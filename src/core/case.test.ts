import { describe, expect, it } from 'vitest';
import { planCaseUpdate, type CaseAggregate, type CaseRecord, type CaseUpdateContext } from './case.js';
import { DEFAULT_SLA } from './sla.js';
import { initialTriage } from './triage.js';

const ctx = (now: string, extra: Partial<CaseUpdateContext> = {}): CaseUpdateContext => ({
  now: new Date(now),
  runId: 'run-2',
  sla: DEFAULT_SLA,
  resolvingSources: ['defender'],
  ...extra,
});

const agg = (overrides: Partial<CaseAggregate> = {}): CaseAggregate => ({
  key: 'CVE-2024-6119',
  kind: 'container',
  vulnId: 'CVE-2024-6119',
  title: 'CVE-2024-6119: DoS',
  severity: 'High',
  cvss: 7.5,
  openFindings: 2,
  totalFindings: 2,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-11-08T00:00:00.000Z',
  ...overrides,
});

function existing(overrides: Partial<CaseRecord> = {}, triage: Partial<CaseRecord['triage']> = {}): CaseRecord {
  return {
    key: 'CVE-2024-6119',
    kind: 'container',
    vulnId: 'CVE-2024-6119',
    title: 'CVE-2024-6119: DoS',
    severity: 'High',
    cvss: 7.5,
    state: 'open',
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-01T00:00:00.000Z',
    resolvedAt: null,
    reopenedAt: null,
    openFindings: 2,
    totalFindings: 2,
    slaNotice: 'none',
    triage: { ...initialTriage('2026-12-01'), ...triage },
    ...overrides,
  };
}

describe('planCaseUpdate', () => {
  it('creates a case with an SLA due date and a case.new event', () => {
    const u = planCaseUpdate(undefined, agg({ severity: 'Critical' }), ctx('2026-11-01T00:00:00Z'));
    expect(u.after.state).toBe('open');
    expect(u.after.triage.status).toBe('new');
    expect(u.after.triage.dueDate).toBe('2026-11-08');
    expect(u.events.map((e) => e.type)).toEqual(['case.new']);
  });

  it('an Unknown-severity case has no due date', () => {
    expect(planCaseUpdate(undefined, agg({ severity: 'Unknown' }), ctx('2026-11-01T00:00:00Z')).after.triage.dueDate).toBeNull();
  });

  it('resolves when no finding is open: triage → fixed with system evidence', () => {
    const u = planCaseUpdate(existing({}, { status: 'in_progress' }), agg({ openFindings: 0 }), ctx('2026-11-08T09:00:00Z'));
    expect(u.after.state).toBe('resolved');
    expect(u.after.resolvedAt).toBe('2026-11-08T09:00:00.000Z');
    expect(u.after.triage.status).toBe('fixed');
    expect(u.evidence).toEqual([
      { at: '2026-11-08T09:00:00.000Z', author: 'vulnledger', text: 'No longer reported by defender as of 2026-11-08 (run run-2).', kind: 'system' },
    ]);
    expect(u.events.map((e) => e.type)).toEqual(['case.resolved']);
    expect(u.changes).toContainEqual({ field: 'triage.status', oldValue: 'in_progress', newValue: 'fixed' });
  });

  it.each(['risk_accepted', 'false_positive', 'not_affected', 'fixed'] as const)('keeps a person\'s closing status %s on resolution', (status) => {
    const u = planCaseUpdate(existing({}, { status, acceptedUntil: '2027-01-01' }), agg({ openFindings: 0 }), ctx('2026-11-08T00:00:00Z'));
    expect(u.after.state).toBe('resolved');
    expect(u.after.triage.status).toBe(status);
    expect(u.evidence).toEqual([]);
  });

  it('reopens a resolved case: triage back to triaging', () => {
    const before = existing({ state: 'resolved', resolvedAt: '2026-11-08T00:00:00.000Z', openFindings: 0 }, { status: 'fixed' });
    const u = planCaseUpdate(before, agg({ openFindings: 1 }), ctx('2026-11-15T00:00:00Z'));
    expect(u.after.state).toBe('reopened');
    expect(u.after.resolvedAt).toBeNull();
    expect(u.after.reopenedAt).toBe('2026-11-15T00:00:00.000Z');
    expect(u.after.triage.status).toBe('triaging');
    expect(u.events.map((e) => e.type)).toEqual(['case.reopened']);
  });

  it('a reopened case stays covered by an unexpired risk acceptance or a false-positive verdict', () => {
    const resolved = { state: 'resolved' as const, resolvedAt: '2026-11-08T00:00:00.000Z', openFindings: 0 };
    const accepted = planCaseUpdate(existing(resolved, { status: 'risk_accepted', acceptedUntil: '2026-12-31' }), agg(), ctx('2026-11-15T00:00:00Z'));
    expect(accepted.after.triage.status).toBe('risk_accepted');
    const expired = planCaseUpdate(existing(resolved, { status: 'risk_accepted', acceptedUntil: '2026-11-10' }), agg(), ctx('2026-11-15T00:00:00Z'));
    expect(expired.after.triage.status).toBe('triaging');
    const fp = planCaseUpdate(existing(resolved, { status: 'false_positive' }), agg(), ctx('2026-11-15T00:00:00Z'));
    expect(fp.after.triage.status).toBe('false_positive');
  });

  it('worsens on a severity rise and moves an SLA due date, but not a manual one', () => {
    const u = planCaseUpdate(existing(), agg({ severity: 'Critical' }), ctx('2026-11-03T00:00:00Z'));
    expect(u.events).toEqual([{ type: 'case.worsened', caseKey: 'CVE-2024-6119', at: '2026-11-03T00:00:00.000Z', details: { reason: 'severity', from: 'High', to: 'Critical' } }]);
    expect(u.after.triage.dueDate).toBe('2026-11-08');
    const manual = planCaseUpdate(existing({}, { dueDate: '2026-12-24', dueDateSource: 'manual' }), agg({ severity: 'Critical' }), ctx('2026-11-03T00:00:00Z'));
    expect(manual.after.triage.dueDate).toBe('2026-12-24');
  });

  it('a severity drop is history, not an event', () => {
    const u = planCaseUpdate(existing(), agg({ severity: 'Medium' }), ctx('2026-11-03T00:00:00Z'));
    expect(u.events).toEqual([]);
    expect(u.changes).toContainEqual({ field: 'severity', oldValue: 'High', newValue: 'Medium' });
  });

  it('restarts the SLA on reopen when configured', () => {
    const before = existing({ state: 'resolved', openFindings: 0 });
    const u = planCaseUpdate(before, agg(), ctx('2026-11-20T00:00:00Z', { sla: { ...DEFAULT_SLA, restartOnReopen: true } }));
    expect(u.after.triage.dueDate).toBe('2026-12-20');
  });
});
