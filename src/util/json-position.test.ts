import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, jsonErrorPosition, lineColumn } from './json-position.js';

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a":1}', -1],
    ['[1, 2.5e3, -0, "x\\u00e9\\n", true, false, null, {}, []]', -1],
    ['{"a":1,}', 7],
    ['{"a" 1}', 5],
    ['[1,,2]', 3],
    ['[01]', 2],
    ['{"a":tru}', 5],
    ['"tab\there"', 4],
    ['"bad \\x escape"', 6],
    ['"\\u12G4"', 5],
    ['[1] x', 4],
    ['{"a":', 5],
    ['', 0],
  ])('%s → %i', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});

describe('jsonErrorOffset (trailing comma)', () => {
  it('finds the trailing comma position', () => {
    expect(jsonErrorOffset('{"a":[1,2,]}')).toBe(10);
    expect(jsonErrorOffset('{"a":[1,2]}')).toBe(-1);
  });
});

describe('jsonErrorPosition', () => {
  it('gives 1-based line and column of the first bad character', () => {
    expect(jsonErrorPosition('{\n  "a": 1,\n  }')).toEqual({ offset: 14, line: 3, column: 3 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('points past the end of a truncated document', () => {
    expect(jsonErrorPosition('{"a": [1, 2')).toEqual({ offset: 11, line: 1, column: 12 });
  });
});
