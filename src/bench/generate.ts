/**
 * Generates a realistic individual-model export (microsoft.security/assessments rows) with a given
 * number of findings, ~1.4 KB of JSON per finding (real exports run 1–2 KB), in files of `rowsPerFile` rows.
 * Deterministic: the same arguments give the same bytes.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const PROD = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITIES = ['Critical', 'High', 'High', 'High', 'Medium', 'Unknown'];
const WORDS = 'allows remote attackers to execute arbitrary code via a crafted request that triggers a heap buffer overflow in the parser of the affected component when processing untrusted input'.split(' ');

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return out.join(' ');
}

function guid(rand: () => number): string {
  const h = () => Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  const a = h() + h() + h() + h();
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-a${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

export interface GenerateResult {
  files: string[];
  findings: number;
  rows: number;
  bytes: number;
}

/** What else a generated export may vary. */
export interface GenerateOptions {
  /** The random seed (default 42): the same seed gives the same rows. */
  seed?: number;
  /** Every row's `firstEvaluationDate`: the same export with another date reads as every finding changed. */
  evaluatedAt?: string;
}

/** Writes `findings` findings into `dir` (emptied first). */
export async function generateExport(dir: string, findings: number, rowsPerFile = 20_000, options: GenerateOptions = {}): Promise<GenerateResult> {
  const { seed = 42, evaluatedAt = '2026-11-01T00:00:00.0000000Z' } = options;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rand = prng(seed);
  const files: string[] = [];
  let written = 0;
  let rows = 0;
  let bytes = 0;
  let fileIndex = 0;
  let stream: ReturnType<typeof createWriteStream> | null = null;
  let rowsInFile = 0;

  const write = (text: string): Promise<void> | void => {
    bytes += Buffer.byteLength(text);
    if (!stream!.write(text)) return new Promise((r) => stream!.once('drain', () => r()));
  };
  const closeFile = async (): Promise<void> => {
    if (!stream) return;
    await write(']}\n');
    await new Promise<void>((r) => stream!.end(() => r()));
    stream = null;
  };

  while (written < findings) {
    if (!stream || rowsInFile >= rowsPerFile) {
      await closeFile();
      const file = path.join(dir, `export-${String(++fileIndex).padStart(3, '0')}.json`);
      files.push(file);
      stream = createWriteStream(file);
      rowsInFile = 0;
      await write('{"totalRecords":0,"count":0,"resultTruncated":"false","data":[\n');
    }
    const cveCount = Math.min(findings - written, 1 + Math.floor(rand() * 3));
    const machineNo = Math.floor(rand() * Math.max(1, findings / 4));
    const isImage = rand() < 0.4;
    const rg = rand() < 0.3 ? 'rg-本番-東京' : `rg-app-${machineNo % 50}`;
    const name = guid(rand);
    const cves = [];
    for (let i = 0; i < cveCount; i++) {
      const cveNo = 10000 + Math.floor(rand() * 8000);
      // A CVE's text, score and severity are the CVE's own: the same in every row that lists it.
      const cveRand = prng(cveNo);
      cves.push({
        CveId: `CVE-2025-${cveNo}`,
        Description: sentence(cveRand, 38),
        ExtendedDescription: { Summary: sentence(cveRand, 8), Impact: '' },
        Cvss: [{ Key: '3', Value: { Base: Math.round(cveRand() * 100) / 10, CvssVectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
        Severity: SEVERITIES[Math.floor(cveRand() * SEVERITIES.length)],
        PublishedDate: '2025-06-01T00:00:00.0000000Z',
        FixStatus: 'FixAvailable',
        FixedVersion: '2.0.1',
        References: [{ Title: `CVE-2025-${cveNo}`, Link: `https://nvd.nist.gov/vuln/detail/CVE-2025-${cveNo}` }],
      });
    }
    let row: unknown;
    if (isImage) {
      const repo = `team-${machineNo % 300}/service-${machineNo}`;
      const registry = `/subscriptions/${PROD}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/acr${machineNo % 20}`;
      const digest = `sha256:${guid(rand).replace(/-/g, '')}${guid(rand).replace(/-/g, '')}`.slice(0, 71);
      const entity = `repositories-${repo.replace(/\//g, '-')}-images-${digest}`;
      row = {
        id: `${registry}/securityentitydata/${entity}/providers/Microsoft.Security/assessments/${name}`,
        name,
        type: 'microsoft.security/assessments',
        subscriptionId: PROD,
        resourceGroup: rg,
        properties: {
          displayName: 'Update libfoo',
          status: { code: 'Unhealthy', firstEvaluationDate: evaluatedAt },
          metadata: { displayName: 'Update libfoo', severity: 'High', recommendationCategory: 'SoftwareUpdate' },
          resourceDetails: { Source: 'Azure', Id: `${registry}/securityentitydata/${entity}`, ResourceName: repo, ResourceType: '.containerimage' },
          additionalData: { SoftwareName: `libfoo${machineNo % 40}`, PackageType: 'OS', DetectedSoftwareVersions: '["1.9.0"]', FixedVersion: '2.0.1', CvesDetails: JSON.stringify(cves) },
          resourceAdditionalData: JSON.stringify({ RepositoryDetails: { RegistryHost: `acr${machineNo % 20}.azurecr.io`, RepositoryName: repo }, Digest: digest, Tags: [] }),
        },
      };
    } else {
      const machine = `/subscriptions/${PROD}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm-${machineNo}`;
      row = {
        id: `${machine}/providers/Microsoft.Security/assessments/${name}`,
        name,
        type: 'microsoft.security/assessments',
        subscriptionId: PROD,
        resourceGroup: rg,
        properties: {
          displayName: 'Update product',
          status: { code: 'Unhealthy', firstEvaluationDate: evaluatedAt },
          metadata: { displayName: 'Update product', severity: 'High', recommendationCategory: 'SoftwareUpdate', remediationDescription: 'Update the product to the latest version.' },
          resourceDetails: { Source: 'Azure', Id: machine, ResourceName: `vm-${machineNo}`, ResourceType: 'Microsoft.Compute/virtualMachines' },
          additionalData: { SoftwareName: `product${machineNo % 60}`, PackageType: 'Application', DetectedSoftwareVersions: '["1.9.0"]', FixedVersion: '2.0.1', CvesDetails: JSON.stringify(cves) },
        },
      };
    }
    await write(`${rowsInFile > 0 ? ',\n' : ''}${JSON.stringify(row)}`);
    rowsInFile++;
    rows++;
    written += cveCount;
  }
  await closeFile();
  return { files, findings: written, rows, bytes };
}
