import { z } from 'zod';

/** `type: defender-file` — imports Defender exports from a file, a folder or a glob. */
export const DefenderFileConfig = z.strictObject({
  type: z.literal('defender-file'),
  /** Unique source name; findings and resolutions are tracked per name. Defaults to the type. */
  name: z.string().min(1).optional(),
  /** A file, a folder (every *.json inside) or a glob such as `./exports/*.json`; relative to the config file. */
  path: z.string().min(1),
});
export type DefenderFileConfig = z.infer<typeof DefenderFileConfig>;
