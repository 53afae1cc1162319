/**
 * Every test's scratch files (ledgers, workspaces, bundled worker threads) go under one folder for
 * the run, removed at the end: the test processes inherit TMPDIR, and `os.tmpdir()` reads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let root: string | null = null;
let previous: string | undefined;

export function setup(): void {
  previous = process.env.TMPDIR;
  root = mkdtempSync(path.join(tmpdir(), 'vl-test-run-'));
  process.env.TMPDIR = root;
}

export function teardown(): void {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  if (root) rmSync(root, { recursive: true, force: true });
}
