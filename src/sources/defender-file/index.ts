/**
 * Source `defender-file`: imports the Defender exports users already have — `az graph query -o json`
 * output, saved Resource Graph REST pages, Defender REST lists — from a file, folder or glob.
 * Files are streamed row by row; both Defender data models are understood (see ../defender-rows).
 * Exports of 8 MB and more are parsed on a second thread while the ledger is written (threaded.ts).
 */
import { statSync } from 'node:fs';
import { workerEntryExists } from '../../util/worker-inbox.js';
import { FINDING_KINDS } from '../../core/finding.js';
import type { Coverage } from '../../core/lifecycle.js';
import type { DoctorCheck, FindingSource, SourceBatch, SourceContext, SourceResult } from '../../core/ports.js';
import { expandFiles } from '../../util/glob.js';
import type { DefenderFileConfig } from './config.js';
import { readExports } from './read-exports.js';
import type { ThreadUsage } from './protocol.js';
import { readExportsInWorker } from './threaded.js';

export const DEFENDER_FILE_TYPE = 'defender-file';

/** The debug log entry in which the source says how busy its reader thread was (`activeMs`, `idleMs`). */
export const READER_USAGE_LOG = 'export reader thread';

/** Builds the source from its config; `baseDir` resolves relative paths (the config file's folder). */
export function createDefenderFileSource(config: DefenderFileConfig, baseDir: string, options: DefenderFileOptions = {}): FindingSource {
  const name = config.name ?? DEFENDER_FILE_TYPE;
  return {
    name,
    type: DEFENDER_FILE_TYPE,
    kinds: FINDING_KINDS,
    collect: (ctx) => collect(name, config.path, baseDir, ctx, options),
  };
}

/** `doctor`: the path matches readable files. Reads only their size, never their content. */
export function defenderFileChecks(config: DefenderFileConfig, baseDir: string): DoctorCheck[] {
  const name = config.name ?? DEFENDER_FILE_TYPE;
  return [
    {
      name: `source ${name}: files`,
      async run() {
        const files = expandFiles(config.path, baseDir);
        if (files.length === 0) {
          return { name: `source ${name}: files`, status: 'fail', detail: `no files match "${config.path}" (relative to ${baseDir})`, hint: 'Export with `az graph query -q "<query>" -o json > exports/defender.json`, or fix "path".' };
        }
        const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
        return { name: `source ${name}: files`, status: 'ok', detail: `${files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB` };
      },
    },
  ];
}

/** How the source reads: the reader thread for large exports (see threaded.ts). */
export interface DefenderFileOptions {
  /** The reader thread's entry (default: worker.js beside this module; absent when running from TypeScript sources). */
  workerUrl?: URL;
  /** Exports at least this large (all files together) are read on a second thread; default 8 MB. */
  workerMinBytes?: number;
}

const DEFAULT_WORKER_URL = new URL('./worker.js', import.meta.url);
const DEFAULT_WORKER_MIN_BYTES = 8 * 1024 * 1024;

async function* collect(name: string, pattern: string, baseDir: string, ctx: SourceContext, options: DefenderFileOptions): AsyncGenerator<SourceBatch, SourceResult, void> {
  const files = expandFiles(pattern, baseDir);
  if (files.length === 0) {
    throw new Error(`no export files match "${pattern}" (relative to ${baseDir}); check the source's path. Nothing was resolved.`);
  }
  const totalBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const notes: string[] = [];
  const read = { signal: ctx.signal, onBytes: (bytes: number) => ctx.progress({ source: name, phase: 'read', bytes, totalBytes }) };
  const workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
  const threaded = totalBytes >= (options.workerMinBytes ?? DEFAULT_WORKER_MIN_BYTES) && workerEntryExists(workerUrl);
  ctx.log.debug('reading exports', { files: files.length, bytes: totalBytes, thread: threaded ? 'reader' : 'main' });
  const onReaderUsage = ({ activeMs, idleMs }: ThreadUsage): void => ctx.log.debug(READER_USAGE_LOG, { activeMs: Math.round(activeMs), idleMs: Math.round(idleMs) });
  const { pagedFiles, truncatedFiles } = yield* threaded ? readExportsInWorker(workerUrl, files, { ...read, onReaderUsage }) : readExports(files, read);

  let coverage: Coverage = { complete: true };
  if (truncatedFiles.length > 0) {
    coverage = { complete: false, unread: [{}], reason: `Resource Graph marked the export as truncated (resultTruncated) in ${truncatedFiles.join(', ')}; nothing was resolved` };
  } else if (pagedFiles > 0 && pagedFiles === files.length) {
    coverage = {
      complete: false,
      unread: [{}],
      reason: `every file is a page with a continuation token ($skipToken / nextLink), so the last page is missing; export all pages. Nothing was resolved`,
    };
  } else if (pagedFiles > 0) {
    notes.push(`${pagedFiles} file(s) are pages of a paged result; the last page is present, so the set is treated as complete`);
  }
  return { coverage, notes };
}
