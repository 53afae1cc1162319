/**
 * The one declaration of every option (DESIGN §3). Plugin sections come from each plugin's
 * `config.ts`; this file composes them. Unknown keys are rejected everywhere.
 */
import { z } from 'zod';
import { SEVERITY_THRESHOLDS, type SeverityThreshold } from '../core/severity.js';
import { DefenderFileConfig } from '../sources/defender-file/config.js';
import { EpssConfig } from '../sources/epss/config.js';
import { FeedConfig } from '../sources/feed/config.js';
import { KevConfig } from '../sources/kev/config.js';
import { NotifyConfig } from '../notifiers/config.js';
import { MirrorsConfig } from '../mirrors/config.js';
import { AzureResourceGraphConfig } from '../sources/azure-resource-graph/config.js';

const days = z.number().int().min(0).max(3650);

/** SLA: days to respond per severity; `dueSoonDays` before the due date a reminder fires. */
export const SlaConfig = z
  .strictObject({
    Critical: days.default(7),
    High: days.default(30),
    Medium: days.default(90),
    Low: days.default(180),
    dueSoonDays: days.default(3),
    restartOnReopen: z.boolean().default(false),
    /** KEV rule: a case in CISA KEV is due this many days after it entered KEV, whatever its severity; null turns the rule off. */
    kev: days.nullable().default(7),
  })
  .default({ Critical: 7, High: 30, Medium: 90, Low: 180, dueSoonDays: 3, restartOnReopen: false, kev: 7 });

/** Every source type, told apart by `type`. Later sources add their config here. */
export const SourceConfig = z.discriminatedUnion('type', [DefenderFileConfig, AzureResourceGraphConfig, FeedConfig, KevConfig, EpssConfig]);
export type SourceConfig = z.infer<typeof SourceConfig>;

export const Config = z.strictObject({
  /** SQLite file of the ledger; relative to the config file. */
  database: z.string().min(1).default('./vulnledger.db'),
  /** Findings below this severity are not recorded (once tracked, a finding stays tracked until fixed). */
  minSeverity: z.enum(SEVERITY_THRESHOLDS as [SeverityThreshold, ...SeverityThreshold[]]).default('High'),
  sla: SlaConfig,
  /** Language of the CLI digest and messages. */
  language: z.enum(['en', 'ja']).default('en'),
  sources: z.array(SourceConfig).default([]),
  /** Where to tell what changed: Slack, Teams, signed webhooks (see README "Notifications"). */
  notify: NotifyConfig.default([]),
  /** Two-way mirrors people triage in: Notion (see README "Notion mirror"). */
  mirrors: MirrorsConfig,
});
export type Config = z.infer<typeof Config>;
