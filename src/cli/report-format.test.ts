import { describe, expect, it } from 'vitest';
import { messages } from '../core/i18n.js';
import { caseSnapshot, counts } from '../notifiers/_shared/test-helpers.js';
import { mdCell, renderReportMarkdown } from './report-format.js';

describe('Markdown report', () => {
  it('escapes every untrusted string so it cannot break the table, inject HTML or link', () => {
    expect(mdCell('a|b <script>x</script> [click](https://evil.example) *x* `y`\nz & \\')).toBe(
      'a\\|b \\<script\\>x\\</script\\> \\[click\\]\\(https://evil.example\\) \\*x\\* \\`y\\` z \\& \\\\',
    );
    const md = renderReportMarkdown(
      {
        id: 'r',
        at: '2026-11-23T06:00:00.000Z',
        minSeverity: 'High',
        kinds: null,
        cases: [caseSnapshot({ events: [], title: 'evil | title', owner: '<b>me</b>', resources: [{ label: 'vm|1', id: '', resourceGroup: 'rg' }] })],
        open: counts({ High: 1 }),
        overdue: counts({}),
      },
      messages('en'),
    );
    expect(md.split('\n').at(-2)).toBe(
      '| High | machine:[CVE-2026-2001](https://nvd.nist.gov/vuln/detail/CVE-2026-2001) | evil \\| title | vm\\|1 \\(rg\\) | new | 2026-12-23 |  | \\<b\\>me\\</b\\> |',
    );
  });
});
