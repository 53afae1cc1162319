import { describe, expect, it } from 'vitest';
import { slaStatus, slaTransition } from './sla.js';
import { applyTriageEdit, initialTriage, isValidDate } from './triage.js';

const now = new Date('2026-11-30T10:00:00Z');

describe('applyTriageEdit', () => {
  it('applies fields and records old → new', () => {
    const r = applyTriageEdit(initialTriage('2026-12-30'), { status: 'in_progress', owner: 'sato', respondedAt: '2026-11-29', evidence: ['https://jira/SEC-1'] }, 'sato', now);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.triage.status).toBe('in_progress');
    expect(r.triage.evidence).toEqual([{ at: '2026-11-30T10:00:00.000Z', author: 'sato', text: 'https://jira/SEC-1', kind: 'link' }]);
    expect(r.changes).toEqual([
      { field: 'triage.status', oldValue: 'new', newValue: 'in_progress' },
      { field: 'triage.owner', oldValue: null, newValue: 'sato' },
      { field: 'triage.respondedAt', oldValue: null, newValue: '2026-11-29' },
      { field: 'triage.evidence', oldValue: null, newValue: 'https://jira/SEC-1' },
    ]);
  });

  it('requires an unexpired acceptance date for risk_accepted', () => {
    expect(applyTriageEdit(initialTriage(null), { status: 'risk_accepted' }, 'a', now)).toEqual({
      ok: false,
      errors: ['status risk_accepted needs an acceptance expiry (--accept-until YYYY-MM-DD)'],
    });
    expect(applyTriageEdit(initialTriage(null), { status: 'risk_accepted', acceptedUntil: '2026-11-01' }, 'a', now)).toEqual({
      ok: false,
      errors: ['acceptance expiry 2026-11-01 is in the past (today is 2026-11-30)'],
    });
    expect(applyTriageEdit(initialTriage(null), { status: 'risk_accepted', acceptedUntil: '2027-03-31' }, 'a', now).ok).toBe(true);
  });

  it('rejects impossible dates and empty evidence', () => {
    const r = applyTriageEdit(initialTriage(null), { dueDate: '2026-02-30', respondedAt: '30/11/2026', evidence: ['  '] }, 'a', now);
    expect(r).toEqual({
      ok: false,
      errors: [
        'dueDate must be a date written YYYY-MM-DD, got "2026-02-30"',
        'respondedAt must be a date written YYYY-MM-DD, got "30/11/2026"',
        'evidence must not be empty',
      ],
    });
  });

  it('a manual due date is marked manual; clearing it goes back to the SLA', () => {
    const set = applyTriageEdit(initialTriage('2026-12-30'), { dueDate: '2026-12-10' }, 'a', now);
    expect(set.ok && set.triage.dueDateSource).toBe('manual');
    const noChange = applyTriageEdit(initialTriage('2026-12-30'), { owner: 'x' }, 'a', now);
    expect(noChange.ok && noChange.triage.dueDateSource).toBe('sla');
  });

  it('validates dates', () => {
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2027-02-29')).toBe(false);
  });
});

describe('SLA', () => {
  const policy = { dueSoonDays: 3 };
  it.each([
    ['2026-12-10', 'ok'],
    ['2026-12-03', 'due_soon'],
    ['2026-11-30', 'due_soon'],
    ['2026-11-29', 'breached'],
  ] as const)('due %s on 2026-11-30 is %s', (due, expected) => {
    expect(slaStatus({ status: 'triaging', dueDate: due, respondedAt: null }, true, '2026-11-30', policy)).toBe(expected);
  });

  it('stops for closed, answered or resolved cases', () => {
    expect(slaStatus({ status: 'fixed', dueDate: '2026-11-01', respondedAt: null }, true, '2026-11-30', policy)).toBe('none');
    expect(slaStatus({ status: 'triaging', dueDate: '2026-11-01', respondedAt: '2026-11-02' }, true, '2026-11-30', policy)).toBe('none');
    expect(slaStatus({ status: 'triaging', dueDate: '2026-11-01', respondedAt: null }, false, '2026-11-30', policy)).toBe('none');
  });

  it('fires each notice once', () => {
    expect(slaTransition('due_soon', 'none')).toEqual({ event: 'sla.due_soon', notice: 'due_soon' });
    expect(slaTransition('due_soon', 'due_soon')).toEqual({ event: null, notice: 'due_soon' });
    expect(slaTransition('breached', 'due_soon')).toEqual({ event: 'sla.breached', notice: 'breached' });
    expect(slaTransition('breached', 'breached')).toEqual({ event: null, notice: 'breached' });
  });
});
