/** Message catalogue for the CLI digest and notifications: English and Japanese (the original users). */
import type { CaseState, EventType } from './case.js';
import type { Severity } from './severity.js';
import type { TriageStatus } from './triage.js';

export type Language = 'en' | 'ja';

export interface Messages {
  severity: Record<Severity, string>;
  state: Record<CaseState, string>;
  status: Record<TriageStatus, string>;
  event: Record<EventType, string>;
  digest: {
    title: string;
    new: string;
    reopened: string;
    resolved: string;
    worsened: string;
    stillOpen: string;
    overdue: string;
    total: string;
    newAndReopened: string;
    noChanges: string;
    /** A run in which every source failed and nothing else happened: it changed nothing. */
    nothingRecorded: string;
    noNewCases: string;
    sources: string;
    due: string;
    finding: string;
    findings: string;
    next: string;
    runStatus: Record<'ok' | 'partial' | 'failed' | 'running', string>;
  };
  /** Slack, Teams and webhook messages. `{n}`, `{i}` … are filled in by the renderer. */
  notify: NotifyMessages;
}

/** Strings of notification messages (issue 5). */
export interface NotifyMessages {
  changesTitle: string;
  reportTitle: string;
  /** Summary field labels for the counted event types; other labels come from `event`. */
  stillOpen: string;
  overdueTotal: string;
  none: string;
  noChanges: string;
  noOpenCases: string;
  openCases: string;
  runHealth: string;
  sourceProblem: string;
  detailsInThread: string;
  detailsFollow: string;
  part: string;
  andMore: string;
  seeAll: string;
  seeAllCli: string;
  resources: string;
  moreResources: string;
  noResources: string;
  status: string;
  owner: string;
  due: string;
  noDue: string;
  overdue: string;
  openFindings: string;
  severityChange: string;
  notion: string;
  source: string;
  dashboard: string;
}

const en: Messages = {
  severity: { Critical: 'Critical', High: 'High', Medium: 'Medium', Low: 'Low', Unknown: 'Unknown' },
  state: { open: 'open', resolved: 'resolved', reopened: 'reopened' },
  status: {
    new: 'new',
    triaging: 'triaging',
    in_progress: 'in progress',
    risk_accepted: 'risk accepted',
    false_positive: 'false positive',
    not_affected: 'not affected',
    fixed: 'fixed',
  },
  event: {
    'case.new': 'New',
    'case.reopened': 'Reopened',
    'case.resolved': 'Resolved',
    'case.worsened': 'Worsened',
    'sla.due_soon': 'Due soon',
    'sla.breached': 'Overdue',
    'acceptance.expired': 'Risk acceptance expired',
    'advisory.new': 'New advisory',
  },
  digest: {
    title: 'Run',
    new: 'New',
    reopened: 'Reopened',
    resolved: 'Resolved',
    worsened: 'Worsened',
    stillOpen: 'Still open',
    overdue: 'Overdue',
    total: 'Total',
    newAndReopened: 'New and reopened cases, most severe first',
    noChanges: 'No changes since the last run.',
    nothingRecorded: 'Nothing was recorded: every source failed (see above), and the ledger is as it was.',
    noNewCases: 'No new or reopened cases.',
    sources: 'Sources',
    due: 'due',
    finding: 'finding',
    findings: 'findings',
    next: 'Next',
    runStatus: { ok: 'ok', partial: 'PARTIAL', failed: 'FAILED', running: 'running' },
  },
  notify: {
    changesTitle: 'vulnledger: what changed',
    reportTitle: 'vulnledger: open cases',
    stillOpen: 'Open now',
    overdueTotal: 'Overdue now',
    none: 'none',
    noChanges: 'No changes since the last run.',
    noOpenCases: 'No open cases at or above {severity}.',
    openCases: '{n} open case(s) at or above {severity}, {overdue} overdue.',
    runHealth: 'Run {id}: {status}',
    sourceProblem: 'Source {name} {status}: {error}',
    detailsInThread: 'Details in the thread.',
    detailsFollow: 'Details follow in {n} message(s).',
    part: 'Part {i} of {n}',
    andMore: '…and {n} more',
    seeAll: 'see all',
    seeAllCli: 'the full list: `vulnledger cases`',
    resources: 'Resources',
    moreResources: '…and {n} more',
    noResources: 'no resource recorded',
    status: 'Status',
    owner: 'Owner',
    due: 'Due',
    noDue: 'no due date',
    overdue: 'OVERDUE',
    openFindings: '{n} open finding(s)',
    severityChange: 'severity {from} → {to}',
    notion: 'Notion',
    source: 'Source',
    dashboard: 'Open dashboard',
  },
};

const ja: Messages = {
  severity: { Critical: '緊急', High: '高', Medium: '中', Low: '低', Unknown: '不明' },
  state: { open: '未解消', resolved: '解消', reopened: '再発' },
  status: {
    new: '新規',
    triaging: '調査中',
    in_progress: '対応中',
    risk_accepted: 'リスク受容',
    false_positive: '誤検知',
    not_affected: '影響なし',
    fixed: '対応済み',
  },
  event: {
    'case.new': '新規',
    'case.reopened': '再発',
    'case.resolved': '解消',
    'case.worsened': '悪化',
    'sla.due_soon': '期限間近',
    'sla.breached': '期限超過',
    'acceptance.expired': 'リスク受容の期限切れ',
    'advisory.new': '新しいアドバイザリ',
  },
  digest: {
    title: '実行',
    new: '新規',
    reopened: '再発',
    resolved: '解消',
    worsened: '悪化',
    stillOpen: '未解消',
    overdue: '期限超過',
    total: '合計',
    newAndReopened: '新規・再発の案件（重要度順）',
    noChanges: '前回の実行から変化はありません。',
    nothingRecorded: 'すべてのソースが失敗したため（上記参照）、何も記録していません。台帳は実行前のままです。',
    noNewCases: '新規・再発の案件はありません。',
    sources: 'ソース',
    due: '期限',
    finding: '件の検出',
    findings: '件の検出',
    next: '次のコマンド',
    runStatus: { ok: '正常', partial: '一部失敗', failed: '失敗', running: '実行中' },
  },
  notify: {
    changesTitle: 'vulnledger: 変更点',
    reportTitle: 'vulnledger: 未解消の案件',
    stillOpen: '現在の未解消',
    overdueTotal: '現在の期限超過',
    none: 'なし',
    noChanges: '前回の実行から変化はありません。',
    noOpenCases: '{severity}以上の未解消の案件はありません。',
    openCases: '{severity}以上の未解消の案件 {n} 件（うち期限超過 {overdue} 件）。',
    runHealth: '実行 {id}: {status}',
    sourceProblem: 'ソース {name} {status}: {error}',
    detailsInThread: '詳細はスレッドにあります。',
    detailsFollow: '詳細は続く {n} 件のメッセージにあります。',
    part: '{i}/{n}',
    andMore: '…ほか {n} 件',
    seeAll: 'すべて表示',
    seeAllCli: '全件: `vulnledger cases`',
    resources: 'リソース',
    moreResources: '…ほか {n} 件',
    noResources: 'リソースの記録なし',
    status: 'ステータス',
    owner: '担当',
    due: '期限',
    noDue: '期限なし',
    overdue: '期限超過',
    openFindings: '未解消の検出 {n} 件',
    severityChange: '重要度 {from} → {to}',
    notion: 'Notion',
    source: '出典',
    dashboard: 'ダッシュボードを開く',
  },
};

export const MESSAGES: Record<Language, Messages> = { en, ja };

export function messages(language: Language): Messages {
  return MESSAGES[language];
}
