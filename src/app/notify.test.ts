/** Planning notifications inside the run: routing, quietness, snapshots, one entry per message. */
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import type { Finding } from '../core/finding.js';
import { messages } from '../core/i18n.js';
import type { NotificationMessage, Notifier } from '../core/notification.js';
import type { FindingSource, LedgerStore } from '../core/ports.js';
import { DEFAULT_SLA } from '../core/sla.js';
import { makeFinding } from '../core/test-helpers.js';
import { NotifierConfig } from '../notifiers/config.js';
import { createNotifier } from '../notifiers/registry.js';
import { openSqliteLedger } from '../store/sqlite.js';
import { nullLogger } from '../util/logger.js';
import { followsCase, gatherReport, notificationPlanners, planReport, resourceOf } from './notify.js';
import { runLedger } from './run.js';

const en = messages('en');
let store: LedgerStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

function source(findings: () => Finding[], fail = false): FindingSource {
  return {
    name: 'defender-export',
    type: 'test',
    kinds: ['registryImage', 'runningContainer', 'machine', 'sql'],
    async *collect() {
      if (fail) throw new Error('export unreadable: line 3');
      yield { findings: findings(), skipped: [] };
      return { coverage: { complete: true }, notes: [] };
    },
  };
}

const machine = (vulnId: string, severity: Finding['severity'], name = 'vm-web-01') =>
  makeFinding({
    kind: 'machine',
    assetKey: `/subscriptions/s1/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/${name}`,
    vulnId,
    severity,
    resource: { id: `/subscriptions/s1/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/${name}`, name, subscriptionId: 's1', resourceGroup: 'rg-web', type: 'microsoft.compute/virtualmachines' },
  });
const image = (vulnId: string, severity: Finding['severity']) => makeFinding({ vulnId, severity });

function notifiers(configs: unknown[]): Notifier[] {
  return configs.map((c) => createNotifier(NotifierConfig.parse(c), { defaultMinSeverity: 'High', log: nullLogger }));
}

const SLACK = { type: 'slack', name: 'all', webhookUrl: 'https://hooks.slack.com/services/T1/B1/x' };

async function runWith(list: Notifier[], findings: () => Finding[], at: string, fail = false) {
  store ??= (await openSqliteLedger(':memory:', { clock: fixedClock(at), log: nullLogger })).store;
  return runLedger(store, [source(findings, fail)], {
    minSeverity: 'Medium',
    sla: DEFAULT_SLA,
    clock: fixedClock(at),
    log: nullLogger,
    outboxPlanners: notificationPlanners(list, { messages: en }),
  });
}

async function entriesOf(runId: string) {
  return (await store!.outbox.list()).filter((e) => e.runId === runId);
}

describe('planning a run’s notifications', () => {
  it('one entry per message, keyed per channel, run and part; replies follow the summary', async () => {
    const list = notifiers([SLACK]);
    const report = await runWith(list, () => [image('CVE-2024-6119', 'High'), machine('CVE-2024-6387', 'Critical')], '2026-11-16T06:00:00Z');
    const entries = await entriesOf(report.run.id);
    expect(entries.map((e) => [e.idempotencyKey, e.channel, e.seq, e.dependsOn])).toEqual([
      [`notify:all:${report.run.id}:1`, 'notify:all', 0, null],
      [`notify:all:${report.run.id}:2`, 'notify:all', 1, entries[0]!.id],
    ]);
    const [summary, details] = entries.map((e) => e.payload as NotificationMessage);
    expect(summary!.run).toMatchObject({ id: report.run.id, status: 'ok', counts: { 'case.new': { Critical: 1, High: 1, Medium: 0, Low: 0, Unknown: 0 } } });
    expect(summary!.run!.open).toEqual({ Critical: 1, High: 1, Medium: 0, Low: 0, Unknown: 0 });
    expect(details!.cases.map((c) => [c.key, c.events, c.severity, c.dueDate, c.overdue])).toEqual([
      ['machine:CVE-2024-6387', ['case.new'], 'Critical', '2026-11-23', false],
      ['CVE-2024-6119', ['case.new'], 'High', '2026-12-16', false],
    ]);
    expect(details!.cases[0]!.resources).toEqual([
      { label: 'vm-web-01', id: '/subscriptions/s1/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-web-01', resourceGroup: 'rg-web' },
    ]);
  });

  it('routes by event type, severity threshold and case kind; several notifiers of one type', async () => {
    const list = notifiers([
      { ...SLACK, name: 'critical', minSeverity: 'Critical' },
      { type: 'teams', name: 'machines', webhookUrl: 'https://x.logic.azure.com/w?sig=1', kinds: ['machine'] },
      { type: 'webhook', name: 'resolved-only', url: 'https://siem.example/h', secret: 'a-secret-of-16-chars', events: ['case.resolved'], minSeverity: 'Medium' },
    ]);
    await runWith(list, () => [image('CVE-2024-6119', 'High'), machine('CVE-2024-6387', 'Critical'), image('CVE-2024-0001', 'Medium')], '2026-11-16T06:00:00Z');
    const first = await store!.outbox.list();
    const keysOf = (channel: string) => first.filter((e) => e.channel === channel).flatMap((e) => (e.payload as NotificationMessage).cases.map((c) => c.key));
    expect(keysOf('notify:critical')).toEqual(['machine:CVE-2024-6387']);
    expect(keysOf('notify:machines')).toEqual(['machine:CVE-2024-6387']);
    expect(first.filter((e) => e.channel === 'notify:resolved-only')).toEqual([]);

    const second = await runWith(list, () => [image('CVE-2024-6119', 'High')], '2026-11-23T06:00:00Z');
    const entries = await entriesOf(second.run.id);
    const resolved = entries.filter((e) => e.channel === 'notify:resolved-only').map((e) => e.payload as NotificationMessage);
    expect(resolved.flatMap((m) => m.cases.map((c) => [c.key, c.events, c.state, c.status]))).toEqual([
      ['machine:CVE-2024-6387', ['case.resolved'], 'resolved', 'fixed'],
      ['CVE-2024-0001', ['case.resolved'], 'resolved', 'fixed'],
    ]);
    // The resolved machine keeps its resources in the snapshot.
    expect(resolved[0]!.cases[0]!.resources.map((r) => r.label)).toEqual(['vm-web-01']);
  });

  it('an unchanged healthy run is quiet; quietWhenUnchanged: false says "no changes"; a failing source is always told', async () => {
    const list = notifiers([SLACK, { ...SLACK, name: 'chatty', quietWhenUnchanged: false }]);
    const findings = () => [image('CVE-2024-6119', 'High')];
    await runWith(list, findings, '2026-11-16T06:00:00Z');
    const unchanged = await runWith(list, findings, '2026-11-16T07:00:00Z');
    const entries = await entriesOf(unchanged.run.id);
    expect(entries.map((e) => e.channel)).toEqual(['notify:chatty']);
    expect(entries[0]!.payload).toMatchObject({ part: 1, parts: 1, cases: [], run: { counts: {}, status: 'ok' } });

    const failed = await runWith(list, findings, '2026-11-16T08:00:00Z', true);
    const told = await entriesOf(failed.run.id);
    expect(told.map((e) => e.channel).sort()).toEqual(['notify:all', 'notify:chatty']);
    expect((told.find((e) => e.channel === 'notify:all')!.payload as NotificationMessage).run).toMatchObject({ status: 'failed', sources: [{ name: 'defender-export', status: 'failed', error: 'export unreadable: line 3' }] });
  });

  it('a run that stops before committing plans nothing (the outbox is in the same transaction)', async () => {
    store = (await openSqliteLedger(':memory:', { clock: fixedClock('2026-11-16T06:00:00Z'), log: nullLogger })).store;
    const broken: Notifier = { ...notifiers([SLACK])[0]!, split: () => { throw new Error('renderer bug'); } };
    await expect(runWith([broken], () => [image('CVE-2024-6119', 'High')], '2026-11-16T06:00:00Z')).rejects.toThrow('renderer bug');
    expect(await store.outbox.list()).toEqual([]);
    expect(await store.listCases({})).toEqual([]);
  });
});

describe('the weekly list', () => {
  it('gathers every open case at or above the threshold, most severe first, with overdue flags', async () => {
    await runWith(notifiers([]), () => [image('CVE-2024-6119', 'High'), machine('CVE-2024-6387', 'Critical'), machine('CVE-2024-0001', 'Medium', 'vm-2')], '2026-11-01T06:00:00Z');
    const data = await gatherReport(store!, { id: 'report-1', at: '2026-11-23T06:00:00.000Z', minSeverity: 'High' });
    expect(data.cases.map((c) => [c.key, c.overdue])).toEqual([
      ['machine:CVE-2024-6387', true],
      ['CVE-2024-6119', false],
    ]);
    expect(data.open).toEqual({ Critical: 1, High: 1, Medium: 0, Low: 0, Unknown: 0 });
    expect(data.overdue).toEqual({ Critical: 1, High: 0, Medium: 0, Low: 0, Unknown: 0 });
  });

  it('plans report --send per notifier that takes reports, never capped', async () => {
    const many = () => Array.from({ length: 120 }, (_, i) => machine(`CVE-2025-${10000 + i}`, 'High', `vm-${i % 7}`));
    await runWith(notifiers([]), many, '2026-11-01T06:00:00Z');
    const list = notifiers([{ ...SLACK, maxMessagesPerRun: 1 }, { ...SLACK, name: 'no-reports', report: false }]);
    const entries = await planReport(store!, list, { id: 'report-20261123T060000Z-ab12', at: '2026-11-23T06:00:00.000Z', messages: en });
    expect(new Set(entries.map((e) => e.channel))).toEqual(new Set(['notify:all']));
    const payloads = entries.map((e) => e.payload as NotificationMessage);
    expect(payloads.length).toBeGreaterThan(2);
    expect(payloads.reduce((n, p) => n + p.cases.length, 0)).toBe(120);
    expect(payloads.at(-1)!.more).toBe(0);
    expect(entries[1]!.idempotencyKey).toBe('notify:all:report-20261123T060000Z-ab12:2');
  });
});

describe('helpers', () => {
  it('resource labels people recognise', () => {
    const container = makeFinding({
      kind: 'runningContainer',
      assetKey: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks-1/billing/deployment/api/app',
      resource: { id: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks-1', name: 'aks-1', subscriptionId: 's1', resourceGroup: 'rg', type: '' },
    });
    const stored = { ...container, source: 's', state: 'open' as const, firstSeen: '', lastSeen: '', resolvedAt: null, reopenedAt: null, contentHash: '' };
    expect(resourceOf(stored).label).toBe('aks-1/billing/deployment/api/app');
    expect(resourceOf({ ...stored, kind: 'sql', server: 'sql-1', database: '売上DB' }).label).toBe('sql-1 / 売上DB');
  });

  it('advisories without a severity are followed; other Unknown-severity cases are not', () => {
    const routing = { minSeverity: 'High' as const, kinds: null };
    expect(followsCase(routing, { kind: 'advisory', severity: 'Unknown' })).toBe(true);
    expect(followsCase(routing, { kind: 'machine', severity: 'Unknown' })).toBe(false);
    expect(followsCase({ ...routing, kinds: ['machine'] }, { kind: 'advisory', severity: 'Unknown' })).toBe(false);
  });
});
