import { Parser } from 'htmlparser2';

const BLOCK_TAGS = new Set([
  'p', 'br', 'div', 'li', 'ul', 'ol', 'tr', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'section', 'article', 'hr',
]);
const DROPPED_TAGS = new Set(['script', 'style', 'noscript', 'template', 'head', 'iframe', 'object']);

// C0/C1 control characters except tab and newline, zero-width space, direction marks and bidi
// overrides/isolates that can hide or reorder text (Trojan Source). ZWJ/ZWNJ stay: emoji and scripts need them.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Removes control and invisible formatting characters (keeps tab and newline). */
export function stripControlChars(text: string): string {
  return text.replace(CONTROL_RE, '');
}

/**
 * Turns untrusted HTML (Qualys remediation text, feed descriptions) into plain text: tags removed
 * by a real HTML parser (not a regex), entities decoded once, `<script>`/`<style>` content dropped,
 * block elements turned into line breaks, whitespace collapsed, control characters removed.
 * Text without markup passes through unchanged apart from whitespace normalisation.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return plainText(html);
  const out: string[] = [];
  let dropDepth = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        const tag = name.toLowerCase();
        if (DROPPED_TAGS.has(tag)) dropDepth++;
        else if (BLOCK_TAGS.has(tag)) out.push('\n');
        if (tag === 'li' && dropDepth === 0) out.push('- ');
      },
      onclosetag(name) {
        const tag = name.toLowerCase();
        if (DROPPED_TAGS.has(tag)) dropDepth = Math.max(0, dropDepth - 1);
        else if (BLOCK_TAGS.has(tag)) out.push('\n');
      },
      ontext(text) {
        if (dropDepth === 0) out.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return normalizeWhitespace(stripControlChars(out.join('')));
}

/** Plain text (never parsed as HTML): control characters removed, whitespace normalised. */
export function plainText(text: string): string {
  return normalizeWhitespace(stripControlChars(text));
}

function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00A0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
