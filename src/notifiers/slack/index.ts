/**
 * `type: slack`: one summary per run and its details, as thread replies under the summary with a
 * bot token or as follow-up messages with an incoming webhook. See readme.md.
 */
import { notifierChannel, type Notifier } from '../../core/notification.js';
import type { CheckResult, DoctorCheck } from '../../core/ports.js';
import { addSecret } from '../../util/logger.js';
import { notifierNameOf, routingOf } from '../_shared/config.js';
import type { NotifierDeps } from '../_shared/plugin.js';
import { DEFAULT_SEND_POLICY, sendWithRetry } from '../_shared/send.js';
import { apiTransport, slackWebClient, webApiFailure, webhookTransport, type SlackTransport } from './client.js';
import type { SlackConfig } from './config.js';
import { renderSlackMessage, splitSlackNotification } from './render.js';

export const SLACK_TYPE = 'slack';

function transportOf(config: SlackConfig, deps: NotifierDeps, name: string): SlackTransport {
  if (config.token && config.channel) {
    return apiTransport(config.token, config.channel, { apiUrl: config.apiUrl, timeoutMs: config.timeoutMs, log: deps.log.child(`notify:${name}`) });
  }
  return webhookTransport(config.webhookUrl!, { timeoutMs: config.timeoutMs });
}

/** Builds a Slack notifier. Registers its webhook URL and token as secrets; contacts nothing. */
export function createSlackNotifier(config: SlackConfig, deps: NotifierDeps): Notifier {
  addSecret(config.webhookUrl);
  addSecret(config.token);
  const name = notifierNameOf(config);
  const routing = routingOf(config, deps.defaultMinSeverity);
  let transport: SlackTransport | null = null;
  const policy = { ...DEFAULT_SEND_POLICY, retries: config.retries, ...deps.sendPolicy };
  const threaded = Boolean(config.token);
  return {
    name,
    type: SLACK_TYPE,
    channel: notifierChannel(name),
    routing,
    dashboardUrl: config.links.dashboard ?? null,
    // Slack allows short bursts and answers 429 + Retry-After beyond ~1 message/s, which we honour.
    minIntervalMs: 0,
    split: (notification, render) => splitSlackNotification(notification, render, notification.kind === 'changes' ? routing.maxMessagesPerRun : null),
    async send(message, ctx) {
      transport ??= transportOf(config, deps, name);
      const payload = renderSlackMessage(message, ctx.render, { threaded });
      const threadTs = transport.threaded && message.part > 1 ? ctx.parentRef : null;
      return sendWithRetry(() => transport!.post(payload, threadTs), policy, ctx.signal);
    },
  };
}

const SLACK_HOOK = /^https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

/** `doctor` checks: the webhook URL's shape, or the bot token (`auth.test`) and channel membership (`conversations.info`). Posts nothing. */
export function slackChecks(config: SlackConfig, deps: NotifierDeps): DoctorCheck[] {
  addSecret(config.webhookUrl);
  addSecret(config.token);
  const label = `notify ${notifierNameOf(config)}`;
  if (config.webhookUrl) {
    const url = config.webhookUrl;
    return [
      {
        name: `${label}: webhook URL`,
        async run(): Promise<CheckResult> {
          const name = `${label}: webhook URL`;
          if (SLACK_HOOK.test(url)) return { name, status: 'ok', detail: 'a Slack incoming-webhook URL (hooks.slack.com/services/…)' };
          let host = 'an unparsable URL';
          try {
            host = new URL(url).host;
          } catch {
            return { name, status: 'fail', detail: 'not a URL', hint: 'Set webhookUrl to the incoming webhook of your Slack app (https://hooks.slack.com/services/…), from ${ENV}.' };
          }
          return {
            name,
            status: 'warn',
            detail: `not a Slack incoming-webhook URL (host ${host}); fine for a proxy or a test server`,
            hint: 'A Slack app webhook looks like https://hooks.slack.com/services/T…/B…/…',
          };
        },
      },
    ];
  }
  const token = config.token!;
  const channel = config.channel!;
  const client = () => slackWebClient(token, { apiUrl: config.apiUrl, timeoutMs: config.timeoutMs, log: deps.log.child('doctor') });
  return [
    {
      name: `${label}: token`,
      async run(): Promise<CheckResult> {
        const name = `${label}: token`;
        try {
          const r = await client().auth.test();
          const shape = token.startsWith('xoxb-') ? '' : ' (not a bot token: xoxb-… expected)';
          return { name, status: shape ? 'warn' : 'ok', detail: `auth.test ok: ${String(r.team ?? '?')} as ${String(r.user ?? '?')}${shape}` };
        } catch (error) {
          const outcome = webApiFailure('auth.test', error);
          return { name, status: 'fail', detail: outcome.ok ? 'auth.test failed' : outcome.error, hint: 'Check the bot token (Slack app → OAuth & Permissions → Bot User OAuth Token, with chat:write).' };
        }
      },
    },
    {
      name: `${label}: channel`,
      async run(): Promise<CheckResult> {
        const name = `${label}: channel`;
        if (!CHANNEL_ID.test(channel)) {
          return {
            name,
            status: 'warn',
            detail: `channel "${channel}" is a name; membership can only be checked with a channel id`,
            hint: 'Use the channel id (channel details → About → Channel ID, e.g. C0123ABCD) so doctor can check that the app is a member.',
          };
        }
        try {
          const r = await client().conversations.info({ channel });
          const info = r.channel as { name?: string; is_member?: boolean; is_archived?: boolean } | undefined;
          const shown = `#${info?.name ?? channel}`;
          if (info?.is_archived) return { name, status: 'fail', detail: `${shown} is archived`, hint: 'Unarchive the channel or configure another one.' };
          if (info?.is_member === false) return { name, status: 'fail', detail: `the app is not a member of ${shown}`, hint: `Invite it: /invite @<your app> in ${shown}.` };
          return { name, status: 'ok', detail: `${shown}: the app is a member` };
        } catch (error) {
          const outcome = webApiFailure('conversations.info', error);
          return { name, status: 'fail', detail: outcome.ok ? 'conversations.info failed' : outcome.error, hint: 'Check the channel id and that the app has channels:read (groups:read for private channels).' };
        }
      },
    },
  ];
}
