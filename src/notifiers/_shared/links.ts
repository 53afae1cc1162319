/**
 * Links a notification may carry: NVD for CVE ids, the Azure portal for resources, a Notion page
 * or a dashboard from the config. Every URL is checked (http/https only), bounded in length and
 * percent-encoded where a channel's link syntax would break (`|`, `<`, `>`, brackets, parentheses,
 * quotes, spaces) or a mention could hide (`@`).
 */
import { isCveId } from '../../core/identity.js';

/** Longest URL a message links to; longer ones are left out (split budgets assume this bound). */
export const MAX_LINK_LENGTH = 300;

/** `https://nvd.nist.gov/vuln/detail/CVE-…` for a well-formed CVE id, else null. */
export function nvdUrl(vulnId: string): string | null {
  return isCveId(vulnId) ? `https://nvd.nist.gov/vuln/detail/${vulnId.toUpperCase()}` : null;
}

/** The Azure portal page of an ARM resource id (`/subscriptions/…`), else null. */
export function portalUrl(resourceId: string): string | null {
  if (!resourceId.startsWith('/subscriptions/')) return null;
  const path = encodePath(resourceId);
  if (path === null) return null;
  const url = `https://portal.azure.com/#@/resource${path}`;
  return url.length <= MAX_LINK_LENGTH ? url : null;
}

/** Percent-encodes every code point outside the unreserved set; null for text that is not valid Unicode. */
function encodePath(path: string): string | null {
  try {
    // encodeURIComponent leaves ! ' ( ) * alone; they would close a Markdown link, so encode them too.
    return path.replace(/[^A-Za-z0-9/._~-]/gu, (ch) => encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  } catch {
    return null;
  }
}

/**
 * An http(s) URL safe to put inside any channel's link syntax, or null: parsed, at most
 * {@link MAX_LINK_LENGTH} long, without credentials, a valid RFC 3986 URI in which `|`, `<`, `>`,
 * `(`, `)`, `[`, `]`, `{`, `}`, `*`, `@`, quotes, spaces and a second `#` are percent-encoded.
 */
export function safeLink(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // No credentials; with none, an `@` can only be in the path, query or fragment, where %40 means the same.
  if (parsed.username !== '' || parsed.password !== '') return null;
  // After the origin, keep only what RFC 3986 allows and no channel's link syntax can trip over.
  let rest = parsed.href.slice(parsed.origin.length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = `${rest.slice(0, hash + 1)}${rest.slice(hash + 1).replace(/#/g, '%23')}`;
  rest = rest.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/[^A-Za-z0-9\-._~:/?#!$&+,;=%]/gu, (ch) => {
    try {
      return encodeURIComponent(ch).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    } catch {
      return '';
    }
  });
  const text = `${parsed.origin}${rest}`;
  return text.length <= MAX_LINK_LENGTH ? text : null;
}

/** The host of a URL for display (`learn.microsoft.com`), or the URL itself when unparsable. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
