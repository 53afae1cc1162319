/**
 * `mirrors:` — every mirror type, told apart by `type` (composed into src/config/schema.ts).
 * Names must be unique: page links are stored per mirror name.
 */
import { z } from 'zod';
import { NotionMirrorConfig } from './notion/config.js';
import { duplicateNames, resolveNaming } from './notion/fields.js';
import { unfitKeyName, unfitKeyNameMessage } from '../util/key-name.js';

/** One mirror. Later mirror types add their config here. */
export const MirrorConfig = z.discriminatedUnion('type', [NotionMirrorConfig]);
export type MirrorConfig = z.infer<typeof MirrorConfig>;

/** The `mirrors` list: unique names (default: the type), and no property name used twice. */
export const MirrorsConfig = z
  .array(MirrorConfig)
  .superRefine((mirrors, ctx) => {
    const names = new Map<string, number>();
    mirrors.forEach((m, i) => {
      const name = m.name ?? m.type;
      const unfit = unfitKeyName(name);
      if (unfit) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: unfitKeyNameMessage('mirror', name, unfit) });
      const first = names.get(name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `mirror name "${name}" is used twice (also mirrors[${first}]); give each mirror a unique name` });
      }
      names.set(name, i);
      const twice = duplicateNames(resolveNaming(m.propertyNames));
      if (twice.length > 0) {
        ctx.addIssue({ code: 'custom', path: [i, 'propertyNames'], message: `property name(s) ${twice.map((n) => `"${n}"`).join(', ')} given to more than one field` });
      }
    });
  })
  .default([]);
export type MirrorsConfig = z.infer<typeof MirrorsConfig>;
