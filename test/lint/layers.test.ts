import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without types
import { checkImport } from '../../eslint-rules/layers.js';

const parts = (p: string): string[] => p.split('/');

describe('layers lint rule', () => {
  it.each([
    ['core/case.ts', './severity.js', 'core/severity.ts'],
    ['core/identity.ts', 'node:crypto', null],
    ['app/run.ts', '../core/case.js', 'core/case.ts'],
    ['store/sqlite.ts', 'kysely', null],
    ['sources/defender-file/index.ts', '../defender-rows/map.js', 'sources/defender-rows/map.ts'],
    ['sources/registry.ts', './defender-file/index.js', 'sources/defender-file/index.ts'],
    ['config/schema.ts', '../sources/feed/config.js', 'sources/feed/config.ts'],
    ['cli/main.ts', '../store/sqlite.js', 'store/sqlite.ts'],
  ])('allows %s → %s', (from, spec, to) => {
    expect(checkImport(parts(from), spec, to === null ? null : parts(to))).toBeNull();
  });

  it.each([
    ['core/case.ts', '../store/db.js', 'store/db.ts', /core\/ may import only its own folder/],
    ['core/case.ts', 'node:fs', null, /must stay pure/],
    ['core/case.ts', 'zod', null, /must stay pure/],
    ['app/run.ts', '../store/db.js', 'store/db.ts', /app\/ may import only core\/, util\//],
    ['app/run.ts', '../sources/feed/index.js', 'sources/feed/index.ts', /app\//],
    ['sources/feed/index.ts', '../kev/index.js', 'sources/kev/index.ts', /sibling plugin/],
    ['notifiers/slack/render.ts', '../teams/render.js', 'notifiers/teams/render.ts', /sibling plugin/],
    ['sources/feed/index.ts', '../../store/db.js', 'store/db.ts', /sources\/ may import only/],
    ['store/db.ts', '../app/run.js', 'app/run.ts', /store\/ may import only/],
    ['web/routes.ts', '../store/db.js', 'store/db.ts', /web\/ may import only/],
    ['config/schema.ts', '../sources/feed/index.js', 'sources/feed/index.ts', /config\/ may import only/],
  ])('forbids %s → %s', (from, spec, to, message) => {
    expect(checkImport(parts(from), spec, to === null ? null : parts(to))).toMatch(message);
  });
});
