import { describe, expect, it } from 'vitest';
import { isInUnreadScope } from '../../core/lifecycle.js';
import { CoverageTracker } from './coverage.js';
import { parseCveDetailsRow } from './cve-details.js';

const A = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const B = '5c2d8e3a-7f41-4b6e-9a0d-1e2f3a4b5c6d';

describe('CoverageTracker', () => {
  it('is complete until something is recorded as unread', () => {
    expect(new CoverageTracker(['machines', 'sql']).coverage()).toEqual({ complete: true });
  });

  it('turns unread parts into selectors the lifecycle guard understands, and merges parts with the same reason', () => {
    const t = new CoverageTracker(['registryImages', 'machines', 'sql']);
    t.unread(['machines'], [A], 'HTTP 500');
    t.unread(['machines'], [B], 'HTTP 500');
    t.unread('all', [B.toUpperCase()], 'not visible');
    t.unread(['sql'], null, 'ParserFailure');
    t.unread(['registryImages', 'machines', 'sql'], [A], 'every kind listed = all kinds');
    const coverage = t.coverage();
    expect(coverage).toEqual({
      complete: false,
      unread: [
        { kind: 'machine', subscriptionId: A },
        { kind: 'machine', subscriptionId: B },
        { subscriptionId: B.toUpperCase() },
        { kind: 'sql' },
        { subscriptionId: A },
      ],
      reason:
        `not read, so none of its findings was resolved: machines in subscriptions ${A}, ${B}: HTTP 500 | ` +
        `all kinds in subscription ${B.toUpperCase()}: not visible | sql (whole scope): ParserFailure | all kinds in subscription ${A}: every kind listed = all kinds`,
    });
    // The guard: a machine finding in B is protected, a registry image in B too (all kinds), an image elsewhere is not.
    expect(isInUnreadScope({ kind: 'machine', subscriptionId: B }, coverage)).toBe(true);
    expect(isInUnreadScope({ kind: 'registryImage', subscriptionId: B }, coverage)).toBe(true);
    expect(isInUnreadScope({ kind: 'sql', subscriptionId: 'ffffffff-0000-4000-8000-000000000000' }, coverage)).toBe(true);
    expect(isInUnreadScope({ kind: 'registryImage', subscriptionId: 'ffffffff-0000-4000-8000-000000000000' }, coverage)).toBe(false);
  });

  it('lists at most 20 subscriptions in the reason, and keeps every one in the selectors', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const t = new CoverageTracker(['machines']);
    t.unread('all', ids, 'not visible');
    const coverage = t.coverage();
    expect(coverage.complete).toBe(false);
    if (coverage.complete) return;
    expect(coverage.unread).toHaveLength(25);
    expect(coverage.reason).toMatch(/000000000019 and 5 more: not visible$/);
  });
});

describe('parseCveDetailsRow', () => {
  it('reads id, severity, CVSS v3 and published date; lower-cases the id', () => {
    expect(
      parseCveDetailsRow({
        id: '/providers/microsoft.security/cvedetails/cve-2024-6179',
        name: 'cve-2024-6179',
        properties: { cveId: 'CVE-2024-6179', severity: 'Critical', cvss: { '4.0': null, '3.0': { base: 9.8, cvssVectorString: 'x' } }, publishedDate: '2024-06-20T00:00:00Z' },
      }),
    ).toEqual({ id: 'cve-2024-6179', detail: { found: true, severity: 'Critical', cvss: 9.8, publishedAt: '2024-06-20T00:00:00Z' } });
  });

  it('a rejected CVE (no severity, null cvss) and odd shapes never throw', () => {
    expect(parseCveDetailsRow({ name: 'cve-2020-0001', properties: { status: 'Reject', cvss: { '3.0': null } } })).toEqual({
      id: 'cve-2020-0001',
      detail: { found: true, severity: 'Unknown', cvss: null, publishedAt: null },
    });
    expect(parseCveDetailsRow({ properties: { cveId: 'GHSA-1234' } })).toBeNull();
    expect(parseCveDetailsRow(null)).toBeNull();
    expect(parseCveDetailsRow({ properties: { cveId: 'CVE-2024-1', cvss: { '3.0': { base: 42 } } } })).toBeNull(); // not a CVE id (4+ digits)
    expect(parseCveDetailsRow({ properties: { cveId: 'CVE-2024-12345', cvss: { '3.0': { base: 42 } } } })?.detail).toEqual({ found: true, severity: 'Unknown', cvss: null, publishedAt: null });
  });
});
