/** Runs the CLI in-process with captured output, the way a user runs it. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEMO_DATA = path.join(REPO_ROOT, 'demo', 'data');

/** A scratch project folder with a config and an exports folder. */
export interface Workspace {
  dir: string;
  exportsDir: string;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Replaces the exports with a demo week's files (and optional extra files). */
  useWeek(week: string): void;
  writeExport(name: string, content: string | Buffer): void;
  writeConfig(text: string): void;
}

export const DEFAULT_CONFIG = `database: ./ledger.db
minSeverity: High
sources:
  - type: defender-file
    name: defender-export
    path: ./exports/*.json
`;

export function workspace(config = DEFAULT_CONFIG): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'vl-ws-'));
  const exportsDir = path.join(dir, 'exports');
  mkdirSync(exportsDir, { recursive: true });
  writeFileSync(path.join(dir, 'vulnledger.yaml'), config);
  return {
    dir,
    exportsDir,
    async run(args, env = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        env: { PATH: process.env.PATH, USER: 'tester', ...env },
        cwd: dir,
        stdoutIsTTY: false,
        stderrIsTTY: false,
      });
      return { code, stdout, stderr };
    },
    useWeek(week) {
      mkdirSync(exportsDir, { recursive: true });
      for (const f of readdirSync(exportsDir)) rmSync(path.join(exportsDir, f));
      cpSync(path.join(DEMO_DATA, week), exportsDir, { recursive: true });
    },
    writeExport(name, content) {
      writeFileSync(path.join(exportsDir, name), content);
    },
    writeConfig(text) {
      writeFileSync(path.join(dir, 'vulnledger.yaml'), text);
    },
  };
}
