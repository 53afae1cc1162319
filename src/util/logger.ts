import type { LogData, Logger } from '../core/ports.js';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const secrets = new Set<string>();

/**
 * Registers a secret (token, webhook URL) so that it never appears in log output, errors shown
 * to users, or `doctor` output (Renovate's `addSecretForSanitizing`). Short values are ignored to
 * avoid redacting ordinary words.
 */
export function addSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Replaces every registered secret in a text with `[REDACTED]`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out;
}

/** Where log lines go (stderr by default), one string per line. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level: LogLevel;
  format: 'text' | 'json';
  sink: LogSink;
  now?: () => Date;
}

function serialize(data: LogData | undefined): string {
  if (!data) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const text = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}

/** A logger writing a fixed message plus data per line, with secrets redacted at the sink. */
export function createLogger(options: LoggerOptions, component = 'vulnledger'): Logger {
  const now = options.now ?? (() => new Date());
  const write = (level: Exclude<LogLevel, 'silent'>, message: string, data?: LogData): void => {
    if (ORDER[level] < ORDER[options.level]) return;
    const line =
      options.format === 'json'
        ? JSON.stringify({ time: now().toISOString(), level, component, msg: message, ...normalize(data) })
        : `${level.toUpperCase().padEnd(5)} [${component}] ${message}${data ? ` ${serialize(data)}` : ''}`;
    options.sink(redact(line));
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    child: (name) => createLogger(options, `${component}:${name}`),
  };
}

function normalize(data: LogData | undefined): LogData {
  if (!data) return {};
  const out: LogData = {};
  for (const [key, value] of Object.entries(data)) out[key] = value instanceof Error ? value.message : value;
  return out;
}

/** A logger that drops everything (tests that do not assert on logs). */
export const nullLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => nullLogger,
};

/** A logger that keeps lines in memory (tests that assert on logs). */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'text', sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
