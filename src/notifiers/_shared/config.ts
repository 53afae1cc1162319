/**
 * Config fields every notifier has (routing, links, delivery bounds), composed into each channel's
 * `config.ts`. Only zod here: the config layer may import it through the channels' config files.
 */
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../../core/case.js';
import { CASE_KINDS, type CaseKind } from '../../core/identity.js';
import type { NotifierRouting } from '../../core/notification.js';
import { SEVERITY_THRESHOLDS, type SeverityThreshold } from '../../core/severity.js';

/** An http(s) URL. */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** A notifier's name: its outbox channel is `notify:<name>`. */
export const NotifierName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use letters, digits, ".", "_" or "-" (at most 64)');

/** Deep links added to messages. */
export const NotifierLinks = z.strictObject({
  /** Where "see all" and "Open dashboard" point. */
  dashboard: HttpUrl.optional(),
  /** Link a case to its Notion page when the Notion mirror has one. */
  notion: z.boolean().default(true),
});

/** The fields every notifier type shares. */
export const commonNotifierFields = {
  /** Unique among notifiers; defaults to the type. */
  name: NotifierName.optional(),
  /** Which events this channel is told about (default: all). */
  events: z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])).min(1).optional(),
  /** Cases below this severity are not told (default: the top-level `minSeverity`). */
  minSeverity: z.enum(SEVERITY_THRESHOLDS as [SeverityThreshold, ...SeverityThreshold[]]).optional(),
  /** Case kinds this channel follows (default: all). */
  kinds: z.array(z.enum(CASE_KINDS as [CaseKind, ...CaseKind[]])).min(1).optional(),
  /** An unchanged, healthy run sends nothing. */
  quietWhenUnchanged: z.boolean().default(true),
  /** Messages one run may send here; the rest is summed up as "…and N more" with a link. */
  maxMessagesPerRun: z.number().int().min(1).max(100).default(10),
  /** Include this channel in `vulnledger report --send`. */
  report: z.boolean().default(true),
  links: NotifierLinks.default({ notion: true }),
  /** Timeout of one HTTP request, in ms. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Retries of one message within a delivery (429 within 30 s, 5xx, network), with exponential backoff. */
  retries: z.number().int().min(0).max(10).default(2),
};

/** The parsed common fields. */
export interface CommonNotifierConfig {
  type: string;
  name?: string | undefined;
  events?: EventType[] | undefined;
  minSeverity?: SeverityThreshold | undefined;
  kinds?: CaseKind[] | undefined;
  quietWhenUnchanged: boolean;
  maxMessagesPerRun: number;
  report: boolean;
  links: { dashboard?: string | undefined; notion: boolean };
  timeoutMs: number;
  retries: number;
}

/** The routing of a configured notifier, with the top-level `minSeverity` as the default threshold. */
export function routingOf(config: CommonNotifierConfig, defaultMinSeverity: SeverityThreshold): NotifierRouting {
  return {
    events: config.events ?? [...EVENT_TYPES],
    minSeverity: config.minSeverity ?? defaultMinSeverity,
    kinds: config.kinds ?? null,
    quietWhenUnchanged: config.quietWhenUnchanged,
    maxMessagesPerRun: config.maxMessagesPerRun,
    report: config.report,
    notionLinks: config.links.notion,
  };
}

/** The name a notifier goes by: its `name`, else its type. */
export function notifierNameOf(config: { type: string; name?: string | undefined }): string {
  return config.name ?? config.type;
}
