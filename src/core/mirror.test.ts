import { describe, expect, it } from 'vitest';
import { compareField, conflictWinner, evidenceEdit, evidenceLine, evidenceText } from './mirror.js';
import type { Evidence } from './triage.js';

describe('compareField (three-way, against the value last synced)', () => {
  it.each([
    ['equal values', 'a', 'b', 'b', 'same'],
    ['only the ledger changed', 'a', 'b', 'a', 'push'],
    ['only the page changed', 'a', 'a', 'c', 'pull'],
    ['both changed, differently', 'a', 'b', 'c', 'both'],
    ['both changed to the same value', 'a', 'c', 'c', 'same'],
    ['never synced, page empty', undefined, 'b', '', 'push'],
    ['never synced, page has a value', undefined, 'b', 'c', 'both'],
    ['never synced, equal', undefined, 'b', 'b', 'same'],
    ['page cleared', 'a', 'a', '', 'pull'],
  ] as const)('%s', (_name, base, ledger, remote, expected) => {
    expect(compareField(base, ledger, remote)).toBe(expected);
  });
});

describe('conflictWinner (newer wins, at Notion’s minute precision)', () => {
  it('the ledger wins only when its change is in a later minute', () => {
    expect(conflictWinner('2026-11-30T10:06:10.000Z', '2026-11-30T10:05:00.000Z')).toBe('ledger');
    expect(conflictWinner('2026-11-30T10:04:59.000Z', '2026-11-30T10:05:00.000Z')).toBe('remote');
  });

  it('a tie within the same minute goes to the mirror; a never-changed ledger value always loses', () => {
    expect(conflictWinner('2026-11-30T10:05:59.000Z', '2026-11-30T10:05:00.000Z')).toBe('remote');
    expect(conflictWinner(null, '2020-01-01T00:00:00.000Z')).toBe('remote');
  });
});

describe('evidence as lines', () => {
  const e = (text: string, author = 'sato', at = '2026-11-20T09:00:00.000Z'): Evidence => ({ at, author, text, kind: 'note' });

  it('renders one entry a line with date and author; newlines inside an entry become spaces', () => {
    expect(evidenceLine(e('https://tickets.example/SEC-42'))).toBe('2026-11-20 sato: https://tickets.example/SEC-42');
    expect(evidenceText([e('first\r\n  second'), e('x', 'vulnledger', '2026-11-23T06:00:00.000Z')])).toBe('2026-11-20 sato: first second\n2026-11-23 vulnledger: x');
  });

  it('new lines become entries; known lines are kept; removed lines are counted, not deleted', () => {
    const existing = [e('a'), e('b')];
    const text = '2026-11-20 sato: a\n\n  patched on prod  \nhttps://x.example/1\npatched on prod\n';
    expect(evidenceEdit(text, existing)).toEqual({ added: ['patched on prod', 'https://x.example/1'], removed: 1 });
    expect(evidenceEdit(evidenceText(existing), existing)).toEqual({ added: [], removed: 0 });
    expect(evidenceEdit('… marker\nnew', existing, (l) => l.startsWith('…'))).toEqual({ added: ['new'], removed: 2 });
  });
});
