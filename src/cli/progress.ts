/** A one-line progress display on a TTY (stderr); silent when piped. */
import type { ProgressUpdate } from '../core/ports.js';
import type { CliIo } from './context.js';
import type { Colors } from './text.js';

export interface Progress {
  update(u: ProgressUpdate): void;
  done(): void;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Throttled to ~8 redraws a second; cleared when done. */
export function createProgress(io: CliIo, c: Colors): Progress {
  if (!io.stderrIsTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  const state = new Map<string, ProgressUpdate>();
  return {
    update(u) {
      state.set(u.source, { ...state.get(u.source), ...u });
      const now = Date.now();
      if (now - last < 120) return;
      last = now;
      const parts = [...state.values()].map((s) => {
        const pct = s.bytes !== undefined && s.totalBytes ? ` ${Math.min(100, Math.round((100 * s.bytes) / s.totalBytes))}% (${mb(s.bytes)} / ${mb(s.totalBytes)})` : '';
        const rows = s.rows !== undefined ? ` ${s.rows.toLocaleString('en-US')} rows` : '';
        const pages = s.pages !== undefined ? ` ${s.pages} pages` : '';
        return `${s.source}:${pct}${pages}${rows}${s.message ? ` ${s.message}` : ''}`;
      });
      io.stderr.write(`\r\u001b[2K${c.dim(parts.join('  |  ').slice(0, 200))}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[2K');
    },
  };
}
