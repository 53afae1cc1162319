import { describe, expect, it } from 'vitest';
import { advisoryCaseKey, describeExposure, linkHistory, planAdvisory, type Advisory } from './advisory.js';

const NOW = new Date('2026-06-01T06:00:00Z');

function advisory(overrides: Partial<Advisory> = {}): Advisory {
  return {
    itemKey: 'https://msrc.microsoft.com/blog/2026/05/cvd/',
    guid: 'https://msrc.microsoft.com/blog/2026/05/cvd/',
    title: 'Coordinated Vulnerability Disclosure: OpenSSH',
    link: 'https://msrc.microsoft.com/blog/2026/05/cvd/',
    publishedAt: '2026-05-27T17:00:00.000Z',
    updatedAt: null,
    categories: ['Coordinated Vulnerability Disclosure'],
    summary: 'About CVE-2024-6387.',
    cveIds: ['CVE-2024-6387'],
    advisoryId: null,
    announce: true,
    ...overrides,
  };
}

describe('advisoryCaseKey', () => {
  it('keeps short plain ids and hashes anything else', () => {
    expect(advisoryCaseKey('jvn', 'JVNDB-2026-000101')).toBe('advisory:jvn:JVNDB-2026-000101');
    expect(advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/2026/05/cvd/')).toBe(advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/2026/05/cvd/'));
    expect(advisoryCaseKey('msrc', 'https://msrc.microsoft.com/blog/2026/05/cvd/')).toMatch(/^advisory:msrc:[0-9a-f]{12}$/);
    expect(advisoryCaseKey('msrc', 'a b')).not.toBe('advisory:msrc:a b');
  });
});

describe('planAdvisory', () => {
  it('first sight: a new advisory case (no SLA, triage undecided) and advisory.new', () => {
    const u = planAdvisory(undefined, undefined, advisory(), { now: NOW, source: 'msrc' });
    expect(u.status).toBe('new');
    expect(u.record).toMatchObject({ kind: 'advisory', vulnId: 'https://msrc.microsoft.com/blog/2026/05/cvd/', severity: 'Unknown', state: 'open', openFindings: 0 });
    expect(u.record.triage).toMatchObject({ status: 'new', responseRequired: 'undecided', dueDate: null });
    expect(u.events).toEqual([
      {
        type: 'advisory.new',
        caseKey: u.record.key,
        at: '2026-06-01T06:00:00.000Z',
        details: { source: 'msrc', title: 'Coordinated Vulnerability Disclosure: OpenSSH', link: 'https://msrc.microsoft.com/blog/2026/05/cvd/', publishedAt: '2026-05-27T17:00:00.000Z', cves: 'CVE-2024-6387' },
      },
    ]);
    expect(planAdvisory(undefined, undefined, advisory({ announce: false }), { now: NOW, source: 'msrc' }).events).toEqual([]);
    expect(planAdvisory(undefined, undefined, advisory({ advisoryId: 'JVN#12345678' }), { now: NOW, source: 'jvn' }).record.vulnId).toBe('JVN#12345678');
  });

  it('same content: unchanged; changed content: updated without an event and never touching state or triage', () => {
    const first = planAdvisory(undefined, undefined, advisory(), { now: NOW, source: 'msrc' });
    const triaged = { ...first.record, triage: { ...first.record.triage, status: 'not_affected' as const, responseRequired: 'no' as const } };
    expect(planAdvisory(triaged, first.advisory, advisory({ announce: false }), { now: NOW, source: 'msrc' }).status).toBe('unchanged');
    const later = new Date('2026-06-02T06:00:00Z');
    const changed = planAdvisory(triaged, first.advisory, advisory({ title: 'Updated', cveIds: ['CVE-2024-6387', 'CVE-2024-6119'] }), { now: later, source: 'msrc' });
    expect(changed.status).toBe('changed');
    expect(changed.events).toEqual([]);
    expect(changed.record.triage).toEqual(triaged.triage);
    expect(changed.record.state).toBe('open');
    expect(changed.advisory.firstSeen).toBe('2026-06-01T06:00:00.000Z');
    expect(changed.changes).toEqual([
      { field: 'title', oldValue: 'Coordinated Vulnerability Disclosure: OpenSSH', newValue: 'Updated' },
      { field: 'advisory.cves', oldValue: 'CVE-2024-6387', newValue: 'CVE-2024-6387, CVE-2024-6119' },
    ]);
  });
});

describe('links and exposure', () => {
  it('a link is recorded on both sides', () => {
    const entries = linkHistory({ advisoryKey: 'advisory:msrc:abc', caseKey: 'machine:CVE-2024-6387', cveId: 'CVE-2024-6387', linkedAt: '2026-06-01T06:00:00.000Z', runId: 'r1' });
    expect(entries.map((e) => [e.caseKey, e.field, e.newValue])).toEqual([
      ['machine:CVE-2024-6387', 'advisory.linked', 'advisory:msrc:abc (CVE-2024-6387)'],
      ['advisory:msrc:abc', 'advisory.concerns', 'machine:CVE-2024-6387 (CVE-2024-6387)'],
    ]);
  });

  it('says where a CVE is open', () => {
    expect(describeExposure('open', { machine: 3 })).toBe('open on 3 machines');
    expect(describeExposure('open', { machine: 1 })).toBe('open on 1 machine');
    expect(describeExposure('open', { registryImage: 2, runningContainer: 1 })).toBe('open in 2 images and 1 running container');
    expect(describeExposure('open', { sql: 1, machine: 2 })).toBe('open on 2 machines and 1 database');
    expect(describeExposure('resolved', {})).toBe('(resolved)');
  });
});
