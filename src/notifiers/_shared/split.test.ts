import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../../core/notification.js';
import { packMessages, PLACEHOLDER_MORE, PLACEHOLDER_PART, SplitError, type PackOptions } from './split.js';
import { caseSnapshot, changes } from './test-helpers.js';

/** A toy channel: 10 units per message plus the case's title length; summaries cost 5 more. */
const size = (m: NotificationMessage): number => 10 + (m.part === 1 ? 5 : 0) + m.cases.reduce((n, c) => n + c.title.length, 0);
const cases = (...lengths: number[]) => lengths.map((n, i) => caseSnapshot({ key: `K${i}`, title: 'x'.repeat(n) }));
const shape = (list: NotificationMessage[]) => list.map((m) => [m.part, m.parts, m.cases.map((c) => c.key), m.more]);
const base: PackOptions = { head: 'inline', maxMessages: null, maxCasesPerMessage: 100, size, limit: 40 };

describe('packMessages', () => {
  it('inline: the summary carries the first cases; order is kept', () => {
    expect(shape(packMessages(changes(cases(10, 10, 10, 20, 5)), base))).toEqual([
      [1, 3, ['K0', 'K1'], 0],
      [2, 3, ['K2', 'K3'], 0],
      [3, 3, ['K4'], 0],
    ]);
  });

  it('separate: the summary alone, then details', () => {
    expect(shape(packMessages(changes(cases(10, 10, 10)), { ...base, head: 'separate' }))).toEqual([
      [1, 2, [], 0],
      [2, 2, ['K0', 'K1', 'K2'], 0],
    ]);
    expect(shape(packMessages(changes([]), { ...base, head: 'separate' }))).toEqual([[1, 1, [], 0]]);
  });

  it('a cap counts the cases left out on the last message', () => {
    expect(shape(packMessages(changes(cases(10, 10, 10, 20, 5, 7)), { ...base, maxMessages: 2 }))).toEqual([
      [1, 2, ['K0', 'K1'], 0],
      [2, 2, ['K2', 'K3'], 2],
    ]);
    expect(shape(packMessages(changes(cases(1, 1)), { ...base, head: 'separate', maxMessages: 1 }))).toEqual([[1, 1, [], 2]]);
  });

  it('respects a per-message case limit', () => {
    expect(shape(packMessages(changes(cases(1, 1, 1)), { ...base, maxCasesPerMessage: 2 })).map((m) => m[2])).toEqual([['K0', 'K1'], ['K2']]);
  });

  it('packs by measures with placeholders (never narrower than the real values), then checks the real messages', () => {
    const seen: NotificationMessage[] = [];
    const out = packMessages(changes(cases(1)), { ...base, size: (m) => (seen.push(m), size(m)) });
    const probes = seen.filter((m) => !out.includes(m));
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((m) => (m.part === 1 || m.part === PLACEHOLDER_PART) && m.parts === PLACEHOLDER_PART && m.more === PLACEHOLDER_MORE)).toBe(true);
    expect(out.every((m) => seen.includes(m))).toBe(true);
  });

  it('counts what separates two cases (a JSON array puts a comma between them)', () => {
    // 20 units per message plus the cases as a JSON array of titles: ["xx","xxx"] costs 1 per comma.
    const json = (m: NotificationMessage): number => 20 + JSON.stringify(m.cases.map((c) => c.title)).length;
    // Alone, a 3-character title costs 5 ("xxx" with quotes); four with brackets and commas: 20 + 25 = 45.
    // At 44 the fourth case, with its comma, no longer fits (counting cases alone it would: 22 + 4 × 5 = 42).
    const at44 = packMessages(changes(cases(3, 3, 3, 3, 3)), { ...base, size: json, limit: 44 });
    expect(shape(at44).map((m) => m[2])).toEqual([['K0', 'K1', 'K2'], ['K3', 'K4']]);
    expect(at44.every((m) => json(m) <= 44)).toBe(true);
    // At 45 it does (and the packing is not more cautious than it needs to be).
    expect(shape(packMessages(changes(cases(3, 3, 3, 3, 3)), { ...base, size: json, limit: 45 })).map((m) => m[2])).toEqual([['K0', 'K1', 'K2', 'K3'], ['K4']]);
  });

  it('a case that cannot fit alone, or a summary that cannot, is a SplitError (a renderer bug)', () => {
    expect(() => packMessages(changes(cases(10, 31)), base)).toThrow(new SplitError('case K1 does not fit in a message of its own'));
    expect(() => packMessages(changes([]), { ...base, limit: 12 })).toThrow(SplitError);
    expect(() => packMessages(changes(cases(1)), { ...base, valid: (m) => m.cases.length === 0 })).toThrow('case K0 does not fit');
  });

  it('1,000 parts and more: measured with wider placeholders, so no message is larger than the limit', () => {
    // Part numbers weigh 3 units a digit: part 1000 of 1200 is 6 units larger than part 999 of 999.
    const digits = (m: NotificationMessage): number => 10 + 3 * String(m.part).length + 3 * String(m.parts).length + m.cases.length;
    const many = changes(cases(...Array.from({ length: 1200 }, () => 1)));
    const oneEach = { ...base, size: digits, maxCasesPerMessage: 1 };
    // Too tight for part 1000 of 1200 with its case: an error, never an oversize message.
    expect(() => packMessages(many, { ...oneEach, limit: 30 })).toThrow(SplitError);
    // Two cases fit a message only with 3-digit part numbers (10 + 9 + 9 + 2 = 30 ≤ 35, but
    // 10 + 12 + 12 + 2 = 36 with 4 digits): packed one a message from the start (two in the first,
    // whose part number is 1), all 2,399 fit.
    const more = changes(cases(...Array.from({ length: 2400 }, () => 1)));
    const out = packMessages(more, { ...oneEach, maxCasesPerMessage: 2, limit: 35 });
    expect(out.map((m) => m.cases.length).slice(0, 2)).toEqual([2, 1]);
    expect(out).toHaveLength(2399);
    expect(out.at(-1)!.parts).toBe(2399);
    expect(out.every((m) => digits(m) <= 35)).toBe(true);
  });
});
