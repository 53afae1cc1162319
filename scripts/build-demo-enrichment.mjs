#!/usr/bin/env node
// Builds the demo's offline advisory and enrichment mirrors in demo/data/enrichment/<week>/
// (committed; rerun this script to regenerate them). `npm start` copies each week's folder to
// demo/.run/enrichment/ before that week's run, the way a scheduled job would find fresh copies.
//   msrc-feed.xml  an MSRC-blog-style RSS 2.0 feed (SYNTHETIC posts) naming CVEs of the demo ledger;
//   kev.json       a CISA KEV catalog excerpt in CISA's format; week 2 ADDS CVE-2024-6387
//                  (a FICTIONAL addition dated 2026-11-20, so the demo shows a KEV addition);
//   epss.csv       a FIRST EPSS daily-CSV excerpt (SYNTHETIC scores); CVE-2023-45288 rises by 0.14
//                  in week 2 (flagged as worsened), CVE-2026-2001 is not scored yet.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'data', 'enrichment');

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// ---------------------------------------------------------------- MSRC-style feed (synthetic posts)
const POSTS = {
  openssh: {
    title: 'Coordinated Vulnerability Disclosure: signal handler race in OpenSSH server',
    slug: '2026/07/cvd-openssh-signal-handler-race',
    date: 'Tue, 14 Jul 2026 17:00:00 +0000',
    categories: ['Coordinated Vulnerability Disclosure', 'MSRC'],
    html: '<p>Through Coordinated Vulnerability Disclosure we worked with the OpenSSH maintainers on <strong>CVE-2024-6387</strong> (a regression of CVE-2006-5051) in <code>sshd</code>.</p><p>Update OpenSSH on Linux machines &amp; Arc-enabled servers; Defender for Cloud reports affected machines.</p><script>trackView()</script>',
  },
  ai: {
    title: "Microsoft's approach to Coordinated Vulnerability Disclosure for AI systems",
    slug: '2026/06/cvd-for-ai-systems',
    date: 'Tue, 02 Jun 2026 16:00:00 +0000',
    categories: ['Coordinated Vulnerability Disclosure'],
    html: '<p>How we handle reports about AI systems under our CVD policy.</p>',
  },
  researchers: {
    title: 'Announcing the 2026 MSRC Most Valuable Security Researchers',
    slug: '2026/07/2026-mvr',
    date: 'Mon, 20 Jul 2026 16:00:00 +0000',
    categories: ['Researcher Recognition'],
    html: '<p>Thank you to the researchers who reported vulnerabilities to us this year.</p>',
  },
  openssl: {
    title: 'Coordinated Vulnerability Disclosure: OpenSSL X.509 name checks and NPN buffer overread',
    slug: '2026/11/cvd-openssl-name-checks',
    date: 'Tue, 10 Nov 2026 17:00:00 +0000',
    categories: ['Coordinated Vulnerability Disclosure'],
    html: '<p>We coordinated with the OpenSSL project on CVE-2024-6119 (possible denial of service in X.509 name checks) and CVE-2024-5535 (SSL_select_next_proto buffer overread).</p><p>Rebuild container images on fixed base images.</p>',
  },
  curl: {
    title: 'Coordinated Vulnerability Disclosure: heap overflow in curl SOCKS5 proxy handshake',
    slug: '2026/11/cvd-curl-socks5',
    date: 'Thu, 12 Nov 2026 17:00:00 +0000',
    categories: ['Coordinated Vulnerability Disclosure'],
    html: '<p>A malicious proxy can crash curl or run code (CVE-2026-2001). Update curl on build and batch machines.</p>',
  },
  expat: {
    title: '協調的な脆弱性開示: libexpat の負の長さの処理 (CVE-2024-45490)',
    slug: '2026/11/20261120_cvd_libexpat',
    date: 'Fri, 20 Nov 2026 09:00:00 +0900',
    categories: ['Coordinated Vulnerability Disclosure', 'MSRC 日本'],
    html: '<p>libexpat 2.6.3 より前のバージョンでは XML_ParseBuffer が負の長さを拒否しません。コンテナー イメージを更新してください。</p>',
  },
};

function item(p) {
  const link = `https://msrc.microsoft.com/blog/${p.slug}/`;
  return [
    '    <item>',
    `      <title>${esc(p.title)}</title>`,
    `      <link>${link}</link>`,
    `      <pubDate>${p.date}</pubDate>`,
    `      <guid>${link}</guid>`,
    ...p.categories.map((c) => `      <category><![CDATA[${c}]]></category>`),
    `      <description>${esc(p.html)}</description>`,
    '    </item>',
  ].join('\n');
}

function feed(posts, buildDate) {
  return `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<!-- SYNTHETIC demo data in the shape of the MSRC blog's RSS 2.0 feed (https://msrc.microsoft.com/blog/feed).
     The posts are invented; the CVE ids are those of the demo ledger. Built by scripts/build-demo-enrichment.mjs. -->
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Microsoft Security Response Center</title>
    <link>https://msrc.microsoft.com/blog/</link>
    <description>Recent content on Microsoft Security Response Center</description>
    <generator>Hugo</generator>
    <language>en-us</language>
    <lastBuildDate>${buildDate}</lastBuildDate>
    <atom:link href="https://msrc.microsoft.com/blog/feed" rel="self" type="application/rss+xml" />
${posts.map((k) => item(POSTS[k])).join('\n')}
  </channel>
</rss>
`;
}

// ---------------------------------------------------------------- KEV catalog excerpt
const KEV = {
  'CVE-2023-4911': { vendorProject: 'GNU', product: 'GNU C Library', vulnerabilityName: 'GNU C Library Buffer Overflow Vulnerability', dateAdded: '2023-11-21', dueDate: '2023-12-12', ransomware: 'Unknown', cwes: ['CWE-122'] },
  'CVE-2024-5274': { vendorProject: 'Google', product: 'Chromium V8', vulnerabilityName: 'Google Chromium V8 Type Confusion Vulnerability', dateAdded: '2024-05-28', dueDate: '2024-06-18', ransomware: 'Unknown', cwes: ['CWE-843'] },
  'CVE-2021-44228': { vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability', dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: 'Known', cwes: ['CWE-20', 'CWE-400', 'CWE-502'] },
  // FICTIONAL addition for the demo (week 2 only).
  'CVE-2024-6387': { vendorProject: 'OpenBSD', product: 'OpenSSH', vulnerabilityName: 'OpenSSH Signal Handler Race Condition Vulnerability (demo addition)', dateAdded: '2026-11-20', dueDate: '2026-12-11', ransomware: 'Unknown', cwes: ['CWE-364'] },
};

function kev(cves, version) {
  const doc = {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: version,
    dateReleased: `${version.replace(/\./g, '-')}T17:00:00.0000Z`,
    count: cves.length,
    vulnerabilities: cves.map((id) => {
      const k = KEV[id];
      return {
        cveID: id,
        vendorProject: k.vendorProject,
        product: k.product,
        vulnerabilityName: k.vulnerabilityName,
        dateAdded: k.dateAdded,
        shortDescription: `${k.product} contains a vulnerability (${id}). Demo excerpt: see the CISA catalog for the authoritative entry.`,
        requiredAction: 'Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.',
        dueDate: k.dueDate,
        knownRansomwareCampaignUse: k.ransomware,
        notes: `https://nvd.nist.gov/vuln/detail/${id}`,
        cwes: k.cwes,
      };
    }),
  };
  // CISA escapes "/" as "\/".
  return `${JSON.stringify(doc, null, 4).replace(/\//g, '\\/')}\n`;
}

// ---------------------------------------------------------------- EPSS daily CSV excerpt (synthetic scores)
function epss(date, scores) {
  const rows = Object.entries(scores).map(([cve, [score, percentile]]) => `${cve},${score.toFixed(5)},${percentile.toFixed(5)}`);
  return `#model_version:v2025.03.14,score_date:${date}T00:00:00+0000\ncve,epss,percentile\n${rows.join('\n')}\n`;
}

const BASE = {
  'CVE-2021-44228': [0.94358, 0.99957],
  'CVE-2023-4911': [0.72113, 0.98642],
  'CVE-2024-5274': [0.41207, 0.97231],
  'CVE-2024-6387': [0.38112, 0.97005],
  'CVE-2023-45288': [0.21034, 0.95512],
  'CVE-2024-45490': [0.00962, 0.82311],
  'CVE-2024-5535': [0.00312, 0.69402],
  'CVE-2024-6119': [0.00121, 0.48817],
  'CVE-2025-26465': [0.00543, 0.77120],
  'CVE-2026-1234': [0.00088, 0.38016],
  'CVE-2026-1235': [0.00047, 0.17233],
};

const WEEKS = {
  'week-0-grouped': {
    feed: feed(['researchers', 'openssh', 'ai'], 'Mon, 20 Jul 2026 16:00:00 +0000'),
    kev: kev(['CVE-2021-44228', 'CVE-2023-4911', 'CVE-2024-5274'], '2026.07.24'),
    epss: epss('2026-07-26', BASE),
  },
  'week-1': {
    feed: feed(['curl', 'openssl', 'researchers', 'openssh', 'ai'], 'Thu, 12 Nov 2026 17:00:00 +0000'),
    kev: kev(['CVE-2021-44228', 'CVE-2023-4911', 'CVE-2024-5274'], '2026.11.13'),
    epss: epss('2026-11-15', { ...BASE, 'CVE-2024-6387': [0.40021, 0.97198], 'CVE-2023-45288': [0.22517, 0.95803] }),
  },
  'week-2': {
    // The CVD-for-AI post rolled off the feed: its advisory stays in the ledger (feeds never resolve).
    feed: feed(['expat', 'curl', 'openssl', 'researchers', 'openssh'], 'Fri, 20 Nov 2026 00:00:00 +0000'),
    kev: kev(['CVE-2021-44228', 'CVE-2023-4911', 'CVE-2024-5274', 'CVE-2024-6387'], '2026.11.20'),
    epss: epss('2026-11-22', { ...BASE, 'CVE-2024-6387': [0.44872, 0.97611], 'CVE-2023-45288': [0.35206, 0.97012] }),
  },
};

rmSync(root, { recursive: true, force: true });
for (const [week, files] of Object.entries(WEEKS)) {
  mkdirSync(path.join(root, week), { recursive: true });
  writeFileSync(path.join(root, week, 'msrc-feed.xml'), files.feed);
  writeFileSync(path.join(root, week, 'kev.json'), files.kev);
  writeFileSync(path.join(root, week, 'epss.csv'), files.epss);
}
console.log(`demo advisory and enrichment mirrors written to ${root}`);
