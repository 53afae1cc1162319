import { z } from 'zod';
import { commonNotifierFields, HttpUrl } from '../_shared/config.js';

/**
 * `type: slack` — an incoming webhook (`webhookUrl`), or a bot token and a channel (`token` +
 * `channel`, which lets details thread under the summary). Secrets come from `${ENV}`.
 */
export const SlackConfig = z
  .strictObject({
    type: z.literal('slack'),
    ...commonNotifierFields,
    /** Incoming webhook URL (`https://hooks.slack.com/services/T…/B…/…`); a secret. */
    webhookUrl: HttpUrl.optional(),
    /** Bot token (`xoxb-…`) with `chat:write`; a secret. */
    token: z.string().min(1).optional(),
    /** Channel for the bot: an id (`C0123ABCD`, lets `doctor` check membership) or `#name`. */
    channel: z.string().min(1).optional(),
    /** Web API base URL (proxies, tests); default `https://slack.com/api/`. */
    apiUrl: HttpUrl.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.webhookUrl !== undefined && value.token !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either webhookUrl or token + channel, not both' });
    } else if (value.webhookUrl === undefined && value.token === undefined) {
      ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: 'required: webhookUrl (an incoming webhook), or token + channel (a bot)' });
    } else if (value.token !== undefined && value.channel === undefined) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'required with token: the channel to post to (an id such as C0123ABCD, or #name)' });
    } else if (value.webhookUrl !== undefined && value.channel !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'a Slack app webhook always posts to the channel it was created for; remove channel (or use token + channel)' });
    }
  });
export type SlackConfig = z.infer<typeof SlackConfig>;
