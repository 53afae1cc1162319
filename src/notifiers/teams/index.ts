/**
 * `type: teams`: Adaptive Cards posted to a Teams Workflows webhook with plain fetch (the shared
 * HTTP helper: timeout, one attempt per call; retries are ours). Any 2xx is success — the service
 * answers 202 with an empty body and posts the card later. See readme.md.
 */
import { notifierChannel, type Notifier, type SendResult } from '../../core/notification.js';
import type { CheckResult, DoctorCheck } from '../../core/ports.js';
import { fetchWithRetry } from '../../util/http.js';
import { addSecret } from '../../util/logger.js';
import { notifierNameOf, routingOf } from '../_shared/config.js';
import type { NotifierDeps } from '../_shared/plugin.js';
import { DEFAULT_SEND_POLICY, httpFailure, sendWithRetry } from '../_shared/send.js';
import type { TeamsConfig } from './config.js';
import { renderTeamsMessage, splitTeamsNotification } from './render.js';

export const TEAMS_TYPE = 'teams';

/** Builds a Teams notifier. Registers its webhook URL as a secret; contacts nothing. */
export function createTeamsNotifier(config: TeamsConfig, deps: NotifierDeps): Notifier {
  addSecret(config.webhookUrl);
  const name = notifierNameOf(config);
  const routing = routingOf(config, deps.defaultMinSeverity);
  const policy = { ...DEFAULT_SEND_POLICY, retries: config.retries, ...deps.sendPolicy };
  const describe = `Teams webhook of notifier ${name}`;
  const post = async (body: string, signal: AbortSignal): Promise<SendResult> => {
    try {
      const response = await fetchWithRetry(config.webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        timeoutMs: config.timeoutMs,
        retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
        signal,
        describe,
      });
      await response.arrayBuffer().catch(() => undefined);
      return { ok: true, ref: response.headers.get('x-ms-workflow-run-id') };
    } catch (error) {
      return httpFailure(error);
    }
  };
  return {
    name,
    type: TEAMS_TYPE,
    channel: notifierChannel(name),
    routing,
    dashboardUrl: config.links.dashboard ?? null,
    // Teams throttles above 4 requests a second.
    minIntervalMs: 300,
    split: (notification, render) => splitTeamsNotification(notification, render, notification.kind === 'changes' ? routing.maxMessagesPerRun : null),
    async send(message, ctx) {
      const body = JSON.stringify(renderTeamsMessage(message, ctx.render));
      return sendWithRetry(() => post(body, ctx.signal), policy, ctx.signal);
    },
  };
}

const WORKFLOW_HOSTS = [/\.logic\.azure\.com$/i, /^api\.powerautomate\.com$/i, /\.api\.powerplatform\.com$/i, /^(.+\.)?flow\.microsoft\.com$/i];

/** `doctor` check: the Workflows URL's shape (host, `sig`). Posts nothing, prints no URL. */
export function teamsChecks(config: TeamsConfig): DoctorCheck[] {
  addSecret(config.webhookUrl);
  const name = `notify ${notifierNameOf(config)}: webhook URL`;
  return [
    {
      name,
      async run(): Promise<CheckResult> {
        let url: URL;
        try {
          url = new URL(config.webhookUrl);
        } catch {
          return { name, status: 'fail', detail: 'not a URL', hint: 'Set webhookUrl to the URL of the Workflows trigger "When a Teams webhook request is received".' };
        }
        if (/\.webhook\.office\.com$/i.test(url.host)) {
          return { name, status: 'fail', detail: `an Office 365 connector URL (${url.host}); these are retired`, hint: 'Create a Workflows flow ("Send webhook alerts to a channel") and use its URL.' };
        }
        const sig = url.searchParams.has('sig');
        if (!WORKFLOW_HOSTS.some((h) => h.test(url.host))) {
          return { name, status: 'warn', detail: `not a Workflows URL (host ${url.host}); fine for a proxy or a test server${sig ? '' : '; no sig parameter'}` };
        }
        if (!sig) return { name, status: 'warn', detail: `a Workflows URL (${url.host}) without a sig parameter`, hint: 'Copy the whole HTTP POST URL of the trigger, including ?…&sig=….' };
        return { name, status: 'ok', detail: `a Workflows trigger URL (${url.host}, signed)` };
      },
    },
  ];
}
