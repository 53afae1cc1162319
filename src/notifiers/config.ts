/**
 * The `notify:` list of the config: every notifier type, told apart by `type`, with unique names
 * (a name is the notifier's outbox channel). Composed into config/schema.ts.
 */
import { z } from 'zod';
import { SlackConfig } from './slack/config.js';
import { TeamsConfig } from './teams/config.js';
import { WebhookConfig } from './webhook/config.js';
import { unfitKeyName, unfitKeyNameMessage } from '../util/key-name.js';

export const NotifierConfig = z.discriminatedUnion('type', [SlackConfig, TeamsConfig, WebhookConfig]);
export type NotifierConfig = z.infer<typeof NotifierConfig>;

export const NotifyConfig = z.array(NotifierConfig).superRefine((list, ctx) => {
  const seen = new Map<string, number>();
  list.forEach((n, index) => {
    const name = n.name ?? n.type;
    const unfit = unfitKeyName(name);
    if (unfit) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: unfitKeyNameMessage('notifier', name, unfit) });
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `notifier name "${name}" is used twice (also notify[${first}]); give each notifier a unique name`,
      });
    } else {
      seen.set(name, index);
    }
  });
});
export type NotifyConfig = z.infer<typeof NotifyConfig>;
