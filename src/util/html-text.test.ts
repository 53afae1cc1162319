import { describe, expect, it } from 'vitest';
import { htmlToText, stripControlChars } from './html-text.js';

describe('htmlToText', () => {
  it('removes tags and keeps link text (Qualys remediation)', () => {
    const html = 'Refer to <A HREF="https://lists.debian.org/x.html" TARGET="_blank">DSA 5417-1</A> to address this issue.\n<P>Patch:<BR>\nlinks';
    expect(htmlToText(html)).toBe('Refer to DSA 5417-1 to address this issue.\n\nPatch:\n\nlinks');
  });

  it('drops script and style content entirely', () => {
    expect(htmlToText('safe<script>alert("x")</script> text<style>p{}</style>')).toBe('safe text');
  });

  it('decodes entities exactly once', () => {
    expect(htmlToText('a &amp; b &lt;em&gt; &amp;lt;')).toBe('a & b <em> &lt;');
  });

  it('keeps Japanese text and list items', () => {
    expect(htmlToText('<p>協調的な脆弱性開示</p><ul><li>CVE-2026-00001</li></ul>')).toBe('協調的な脆弱性開示\n\n- CVE-2026-00001');
  });

  it('passes plain text through, removing control characters', () => {
    expect(htmlToText('plain\u0007 text\u202E')).toBe('plain text');
    expect(stripControlChars('a\tb\nc\u0000')).toBe('a\tb\nc');
  });
});

describe('stripControlChars and joined emoji', () => {
  it('keeps the zero-width joiner of a family emoji, drops bidi overrides', () => {
    expect(stripControlChars('👨\u200D👩\u200D👧 ok\u202E')).toBe('👨\u200D👩\u200D👧 ok');
  });
});
