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
    sources: string;
    due: string;
    findings: string;
    next: string;
    runStatus: Record<'ok' | 'partial' | 'failed' | 'running', string>;
  };
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
    sources: 'Sources',
    due: 'due',
    findings: 'findings',
    next: 'Next',
    runStatus: { ok: 'ok', partial: 'PARTIAL', failed: 'FAILED', running: 'running' },
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
    sources: 'ソース',
    due: '期限',
    findings: '件の検出',
    next: '次のコマンド',
    runStatus: { ok: '正常', partial: '一部失敗', failed: '失敗', running: '実行中' },
  },
};

export const MESSAGES: Record<Language, Messages> = { en, ja };

export function messages(language: Language): Messages {
  return MESSAGES[language];
}
