/** Builders of notifications for render and delivery tests (not shipped: excluded from the build). */
import { messages, type Language } from '../../core/i18n.js';
import { emptySeverityCounts, type CaseSnapshot, type Notification, type RenderContext, type RunSnapshot, type SeverityCounts } from '../../core/notification.js';

export function counts(values: Partial<SeverityCounts>): SeverityCounts {
  return { ...emptySeverityCounts(), ...values };
}

export function caseSnapshot(overrides: Partial<CaseSnapshot> = {}): CaseSnapshot {
  return {
    key: 'machine:CVE-2026-2001',
    kind: 'machine',
    vulnId: 'CVE-2026-2001',
    title: 'CVE-2026-2001: curl: heap overflow in SOCKS5 proxy handshake',
    severity: 'High',
    cvss: 8.6,
    state: 'open',
    status: 'new',
    owner: null,
    dueDate: '2026-12-23',
    overdue: false,
    openFindings: 1,
    resources: [
      {
        label: 'vm-batch-03',
        id: '/subscriptions/7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c/resourcegroups/rg-batch/providers/microsoft.compute/virtualmachines/vm-batch-03',
        resourceGroup: 'rg-batch',
      },
    ],
    resourceCount: 1,
    link: null,
    events: ['case.new'],
    previousSeverity: null,
    ...overrides,
  };
}

export function runSnapshot(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: '20261123T060000Z-fcb2',
    at: '2026-11-23T06:00:00.000Z',
    status: 'ok',
    sources: [{ name: 'defender-export', status: 'ok', error: null }],
    counts: { 'case.new': counts({ High: 1 }) },
    open: counts({ Critical: 2, High: 7 }),
    overdue: counts({ Critical: 1, High: 3 }),
    ...overrides,
  };
}

export function changes(cases: CaseSnapshot[], run: Partial<RunSnapshot> = {}): Notification {
  return { kind: 'changes', run: runSnapshot(run), cases };
}

export function renderContext(language: Language = 'en', overrides: Partial<RenderContext> = {}): RenderContext {
  return { messages: messages(language), dashboardUrl: null, caseLink: () => null, ...overrides };
}
