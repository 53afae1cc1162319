import { z } from 'zod';
import { commonNotifierFields, HttpUrl } from '../_shared/config.js';

/**
 * `type: teams` — a Teams Workflows webhook ("When a Teams webhook request is received" +
 * "Post card in a chat or channel"). The URL carries a signature: it is a secret, from `${ENV}`.
 */
export const TeamsConfig = z.strictObject({
  type: z.literal('teams'),
  ...commonNotifierFields,
  /** The Workflows trigger URL (`https://…logic.azure.com/…` or `…powerplatform.com/…`, with `sig=`). */
  webhookUrl: HttpUrl,
});
export type TeamsConfig = z.infer<typeof TeamsConfig>;
