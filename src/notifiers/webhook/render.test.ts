import { describe, expect, it } from 'vitest';
import { caseSnapshot, changes, counts, renderContext } from '../_shared/test-helpers.js';
import { renderWebhookEvent, splitWebhookNotification } from './render.js';
import { signBody, verifySignature } from './sign.js';

describe('the webhook event', () => {
  it('is the documented JSON (exact)', () => {
    const n = changes([caseSnapshot({ events: ['case.worsened'], previousSeverity: 'Medium', owner: 'sato' })], { counts: { 'case.worsened': counts({ High: 1 }) } });
    const ctx = renderContext('en', { caseLink: () => 'https://www.notion.so/page-1', dashboardUrl: 'https://vuln.example.com/' });
    const [message] = splitWebhookNotification(n, ctx, { maxBytes: 262_144, maxMessages: 10 });
    expect(renderWebhookEvent(message!, ctx, { id: 'notify:siem:20261123T060000Z-fcb2:1', sentAt: '2026-11-23T06:00:05.000Z' })).toEqual({
      schemaVersion: 1,
      type: 'vulnledger.changes',
      id: 'notify:siem:20261123T060000Z-fcb2:1',
      sentAt: '2026-11-23T06:00:05.000Z',
      part: 1,
      parts: 1,
      run: {
        id: '20261123T060000Z-fcb2',
        at: '2026-11-23T06:00:00.000Z',
        status: 'ok',
        sources: [{ name: 'defender-export', status: 'ok', error: null }],
        counts: { 'case.worsened': counts({ High: 1 }) },
        open: counts({ Critical: 2, High: 7 }),
        overdue: counts({ Critical: 1, High: 3 }),
      },
      report: null,
      cases: [
        {
          key: 'machine:CVE-2026-2001',
          kind: 'machine',
          vulnId: 'CVE-2026-2001',
          title: 'CVE-2026-2001: curl: heap overflow in SOCKS5 proxy handshake',
          severity: 'High',
          cvss: 8.6,
          state: 'open',
          events: ['case.worsened'],
          previousSeverity: 'Medium',
          triage: { status: 'new', owner: 'sato', dueDate: '2026-12-23', overdue: false },
          openFindings: 1,
          resources: [
            {
              label: 'vm-batch-03',
              id: '/subscriptions/7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c/resourcegroups/rg-batch/providers/microsoft.compute/virtualmachines/vm-batch-03',
              resourceGroup: 'rg-batch',
              portalUrl: 'https://portal.azure.com/#@/resource/subscriptions/7d2e9a10-55c3-4f0e-9b8a-2f4c6e8a0b1c/resourcegroups/rg-batch/providers/microsoft.compute/virtualmachines/vm-batch-03',
            },
          ],
          resourceCount: 1,
          links: { nvd: 'https://nvd.nist.gov/vuln/detail/CVE-2026-2001', notion: 'https://www.notion.so/page-1', source: null },
        },
      ],
      more: 0,
      links: { dashboard: 'https://vuln.example.com/' },
    });
  });

  it('splits by bytes', () => {
    const cases = Array.from({ length: 200 }, (_, i) => caseSnapshot({ key: `K-${i}`, title: 'w'.repeat(900) }));
    const list = splitWebhookNotification(changes(cases), renderContext(), { maxBytes: 20_000, maxMessages: null });
    expect(list.length).toBeGreaterThan(5);
    for (const m of list) expect(Buffer.byteLength(JSON.stringify(renderWebhookEvent(m, renderContext(), { id: 'x'.repeat(60), sentAt: new Date(0).toISOString() })))).toBeLessThanOrEqual(20_000);
  });
});

describe('signatures', () => {
  it('HMAC-SHA256 of the raw body, hex, verified in constant time', () => {
    // Known answer: printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac 'secret-0123456789'
    expect(signBody('{"a":1}', 'secret-0123456789')).toBe('sha256=9a873f77aee75db6dc7b4b9e228cc7abe5a2d15f755fe81c4a457d40ef415650');
    expect(verifySignature('{"a":1}', signBody('{"a":1}', 'secret-0123456789'), 'secret-0123456789')).toBe(true);
    expect(verifySignature('{"a":2}', signBody('{"a":1}', 'secret-0123456789'), 'secret-0123456789')).toBe(false);
    expect(verifySignature('{"a":1}', 'sha1=abc', 'secret-0123456789')).toBe(false);
    expect(verifySignature('{"a":1}', undefined, 'secret-0123456789')).toBe(false);
  });
});
