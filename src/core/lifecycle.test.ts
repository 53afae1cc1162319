import { describe, expect, it } from 'vitest';
import { fingerprint } from './identity.js';
import { classifyFinding, failedCoverage, findingContentHash, isInUnreadScope, mayResolve, mergeFindings, type Coverage } from './lifecycle.js';
import { makeFinding, stored } from './test-helpers.js';

describe('fingerprint', () => {
  it('ignores the digest: a rebuilt image keeps its identity', () => {
    const a = makeFinding({ digests: ['sha256:old'] });
    const b = makeFinding({ digests: ['sha256:new'] });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(findingContentHash(a)).not.toBe(findingContentHash(b));
  });

  it('differs by kind, asset and vulnerability, and ignores case', () => {
    const base = fingerprint('machine', '/subs/x/vm1', 'CVE-2024-1');
    expect(fingerprint('machine', '/SUBS/X/VM1', 'cve-2024-1')).toBe(base);
    expect(fingerprint('registryImage', '/subs/x/vm1', 'CVE-2024-1')).not.toBe(base);
    expect(fingerprint('machine', '/subs/x/vm2', 'CVE-2024-1')).not.toBe(base);
    expect(fingerprint('machine', '/subs/x/vm1', 'CVE-2024-2')).not.toBe(base);
  });
});

describe('classifyFinding', () => {
  const fresh = makeFinding();
  const hash = findingContentHash(fresh);
  it.each([
    ['new', undefined, { status: 'new' }],
    ['reopened', stored(fresh, { state: 'resolved', contentHash: hash }), { status: 'reopened' }],
    ['unchanged', stored(fresh, { contentHash: hash }), { status: 'unchanged' }],
    ['severity up', stored(makeFinding({ severity: 'Medium' })), { status: 'changed', changes: ['severity_up'] }],
    ['severity down', stored(makeFinding({ severity: 'Critical' })), { status: 'changed', changes: ['severity_down'] }],
    ['fix available', stored(makeFinding({ fixAvailable: false })), { status: 'changed', changes: ['fix_available'] }],
    ['other attributes', stored(makeFinding({ digests: ['sha256:zzz'] })), { status: 'changed', changes: ['attributes'] }],
  ])('%s', (_name, before, expected) => {
    expect(classifyFinding(before, fresh, hash)).toEqual(expected);
  });
});

describe('resolution and the partial-scope guard', () => {
  const refs = [
    { fingerprint: 'a', kind: 'machine' as const, subscriptionId: 'S1' },
    { fingerprint: 'b', kind: 'machine' as const, subscriptionId: 's2' },
    { fingerprint: 'c', kind: 'sql' as const, subscriptionId: 's1' },
    { fingerprint: 'd', kind: 'machine' as const, subscriptionId: 's1' },
  ];
  const seen = new Set(['d']);
  const ALL = ['machine', 'sql', 'registryImage', 'runningContainer'] as const;
  const selectResolutions = (coverage: Coverage, kinds: readonly (typeof ALL)[number][] = ALL) =>
    refs.filter((ref) => mayResolve(ref, seen, coverage, kinds)).map((ref) => ref.fingerprint);

  it('a complete read resolves every open finding it did not see', () => {
    expect(selectResolutions({ complete: true })).toEqual(['a', 'b', 'c']);
  });

  it('a failed source resolves nothing', () => {
    expect(selectResolutions(failedCoverage('HTTP 500'))).toEqual([]);
  });

  it('an unread subscription keeps its findings open (case-insensitive ids)', () => {
    const coverage: Coverage = { complete: false, unread: [{ subscriptionId: 's1' }], reason: '403 on s1' };
    expect(selectResolutions(coverage)).toEqual(['b']);
    expect(isInUnreadScope({ kind: 'machine', subscriptionId: 'S1' }, coverage)).toBe(true);
  });

  it('an unread kind keeps only that kind open', () => {
    expect(selectResolutions({ complete: false, unread: [{ kind: 'sql' }], reason: 'sql query failed' })).toEqual(['a', 'b']);
  });

  it('a source resolves only kinds it reads', () => {
    expect(selectResolutions({ complete: true }, ['sql'])).toEqual(['c']);
  });
});

describe('mergeFindings', () => {
  it('unites sets and keeps the worse severity', () => {
    const a = makeFinding({ digests: ['sha256:1'], severity: 'Medium', software: 'openssl', cvss: 5 });
    const b = makeFinding({ digests: ['sha256:2'], severity: 'High', software: 'libssl3', cvss: null, severitySource: 'recommendation' });
    const m = mergeFindings(a, b);
    expect(m.digests).toEqual(['sha256:1', 'sha256:2']);
    expect(m.severity).toBe('High');
    expect(m.severitySource).toBe('recommendation');
    expect(m.software).toBe('openssl, libssl3');
    expect(m.cvss).toBe(5);
  });
});
