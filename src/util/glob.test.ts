import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandFiles } from './glob.js';

const root = mkdtempSync(path.join(tmpdir(), 'vl-glob-'));
for (const f of ['a/week-1/x.json', 'a/week-1/y.json', 'a/week-1/notes.txt', 'a/week-2/z.json', 'a/top.json']) {
  mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  writeFileSync(path.join(root, f), '[]');
}
const rel = (files: string[]) => files.map((f) => path.relative(root, f));

describe('expandFiles', () => {
  it('takes a file, a folder of *.json, or a glob', () => {
    expect(rel(expandFiles('a/top.json', root))).toEqual(['a/top.json']);
    expect(rel(expandFiles('a/week-1', root))).toEqual(['a/week-1/x.json', 'a/week-1/y.json']);
    expect(rel(expandFiles('a/week-1/*.json', root))).toEqual(['a/week-1/x.json', 'a/week-1/y.json']);
    expect(rel(expandFiles('a/week-?/*.json', root))).toEqual(['a/week-1/x.json', 'a/week-1/y.json', 'a/week-2/z.json']);
    expect(rel(expandFiles('a/**/*.json', root))).toEqual(['a/top.json', 'a/week-1/x.json', 'a/week-1/y.json', 'a/week-2/z.json']);
  });

  it('returns nothing for a missing path or an unmatched glob', () => {
    expect(expandFiles('nope.json', root)).toEqual([]);
    expect(expandFiles('a/*.csv', root)).toEqual([]);
  });
});
