/**
 * Worker threads for tests: vitest runs TypeScript sources, but a worker thread needs JavaScript,
 * so a worker entry is bundled from the current sources with esbuild (once per test file).
 * Production uses the compiled files in dist/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles a worker entry (a path relative to the repository, e.g. `src/sources/defender-file/worker.ts`); returns its URL. */
export async function bundleWorker(entry: string): Promise<URL> {
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'vl-worker-')), 'worker.mjs');
  await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    // CommonJS dependencies inside an ESM bundle need a require.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return pathToFileURL(outfile);
}
