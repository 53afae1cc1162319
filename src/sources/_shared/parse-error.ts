/**
 * Errors of the document sources (feed, KEV, EPSS): a document that is not what the source reads.
 * Each source names its own subclass, so a caller can tell them apart; the fields are the same.
 */
import { parseJsonText } from '../../util/json-position.js';

/** A document that could not be read. `line`/`column` are 1-based when known. */
export class DocumentParseError extends Error {
  override readonly name: string = 'DocumentParseError';
  constructor(
    message: string,
    readonly source: string | null,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(message);
  }
}

/** `"<source>: "` to start a message with where the document came from (nothing when unknown). */
export function sourcePrefix(source: string | null | undefined): string {
  return source ? `${source}: ` : '';
}

/** Parses JSON text; invalid JSON throws `ErrorClass` naming the line and column. */
export function parseJsonDocument(
  text: string,
  source: string | null,
  ErrorClass: new (message: string, source: string | null, line: number | null, column: number | null) => DocumentParseError,
): unknown {
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  throw new ErrorClass(`${sourcePrefix(source)}not valid JSON at line ${parsed.line}, column ${parsed.column}: ${parsed.reason}`, source, parsed.line, parsed.column);
}
