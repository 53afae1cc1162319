/**
 * Source `defender-file`: imports the Defender exports users already have — `az graph query -o json`
 * output, saved Resource Graph REST pages, Defender REST lists — from a file, folder or glob.
 * Files are streamed row by row; both Defender data models are understood (see ../defender-rows).
 */
import { statSync } from 'node:fs';
import type { DefenderModel } from '../../core/finding.js';
import { FINDING_KINDS } from '../../core/finding.js';
import type { Coverage } from '../../core/lifecycle.js';
import type { DoctorCheck, FindingSource, SourceBatch, SourceContext, SourceResult } from '../../core/ports.js';
import { expandFiles } from '../../util/glob.js';
import { mapDefenderRow } from '../defender-rows/map.js';
import type { DefenderFileConfig } from './config.js';
import { readJsonRows } from './json-rows.js';

export const DEFENDER_FILE_TYPE = 'defender-file';

/** Builds the source from its config; `baseDir` resolves relative paths (the config file's folder). */
export function createDefenderFileSource(config: DefenderFileConfig, baseDir: string): FindingSource {
  const name = config.name ?? DEFENDER_FILE_TYPE;
  return {
    name,
    type: DEFENDER_FILE_TYPE,
    kinds: FINDING_KINDS,
    collect: (ctx) => collect(name, config.path, baseDir, ctx),
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

async function* collect(name: string, pattern: string, baseDir: string, ctx: SourceContext): AsyncGenerator<SourceBatch, SourceResult, void> {
  const files = expandFiles(pattern, baseDir);
  if (files.length === 0) {
    throw new Error(`no export files match "${pattern}" (relative to ${baseDir}); check the source's path. Nothing was resolved.`);
  }
  const sizes = files.map((f) => statSync(f).size);
  const totalBytes = sizes.reduce((sum, n) => sum + n, 0);
  let doneBytes = 0;
  const notes: string[] = [];
  let pagedFiles = 0;
  const truncatedFiles: string[] = [];

  for (const [index, file] of files.entries()) {
    ctx.log.debug('reading export', { file });
    const rows = readJsonRows(file, {
      signal: ctx.signal,
      onBytes: (bytes) => ctx.progress({ source: name, phase: 'read', bytes: doneBytes + bytes, totalBytes }),
    });
    for (;;) {
      const next = await rows.next();
      if (next.done) {
        if (next.value.morePages) pagedFiles++;
        if (next.value.truncated) truncatedFiles.push(file);
        break;
      }
      const batch: SourceBatch = { rows: next.value.length, findings: [], skipped: [], models: {} };
      const models: Partial<Record<DefenderModel, number>> = {};
      for (const raw of next.value) {
        const mapped = mapDefenderRow(raw);
        if (mapped.model) models[mapped.model] = (models[mapped.model] ?? 0) + 1;
        if (mapped.skipped) batch.skipped.push(mapped.skipped);
        for (const finding of mapped.findings) batch.findings.push(finding);
      }
      batch.models = models;
      yield batch;
    }
    doneBytes += sizes[index]!;
  }

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
