import { describe, expect, it } from 'vitest';
import {
  asBoolish,
  asNumber,
  asText,
  parseJsonish,
  pick,
  pickPath,
  readDefenderRow,
  stringList,
} from './schema.js';

describe('pick', () => {
  it('finds a key in any casing', () => {
    expect(pick({ CvesDetails: 1 }, 'CvesDetails')).toBe(1);
    expect(pick({ cvesDetails: 2 }, 'CvesDetails')).toBe(2);
    expect(pick({ CVESDETAILS: 3 }, 'CvesDetails')).toBe(3);
    expect(pick({ cvesdetails: 4 }, 'cvesDetails')).toBe(4);
  });

  it('does not let a null under one spelling hide a value under another (KQL coalesce)', () => {
    expect(pick({ Scanner: null, scanner: 'SQL Vulnerability Assessment' }, 'Scanner')).toBe('SQL Vulnerability Assessment');
    expect(pick({ Scanner: null }, 'Scanner')).toBeNull();
    expect(pick({ Scanner: 'a', scanner: 'b' }, 'scanner')).toBe('b');
  });

  it('returns undefined for non-objects, arrays, missing and inherited keys', () => {
    expect(pick(null, 'id')).toBeUndefined();
    expect(pick(undefined, 'id')).toBeUndefined();
    expect(pick('id', 'length')).toBeUndefined();
    expect(pick([1, 2], 'length')).toBeUndefined();
    expect(pick({}, 'toString')).toBeUndefined();
    expect(pick({}, 'constructor')).toBeUndefined();
    expect(pick({ a: 1 }, 'b')).toBeUndefined();
  });

  it('works on null-prototype objects', () => {
    const obj = Object.create(null) as Record<string, unknown>;
    obj.Id = 'x';
    expect(pick(obj, 'id')).toBe('x');
  });

  it('follows paths', () => {
    expect(pickPath({ Properties: { status: { Code: 'Unhealthy' } } }, 'properties', 'Status', 'code')).toBe('Unhealthy');
    expect(pickPath({ properties: null }, 'properties', 'status')).toBeUndefined();
  });
});

describe('parseJsonish', () => {
  it('parses a JSON string and passes objects and arrays through', () => {
    expect(parseJsonish('[{"CveId":"CVE-2024-6119"}]')).toEqual({ value: [{ CveId: 'CVE-2024-6119' }], malformed: false });
    const obj = { a: 1 };
    expect(parseJsonish(obj).value).toBe(obj);
    const arr = [1];
    expect(parseJsonish(arr).value).toBe(arr);
  });

  it('treats bad JSON and wrong types as malformed, never throwing', () => {
    expect(parseJsonish('[{"CveId":')).toEqual({ value: undefined, malformed: true });
    expect(parseJsonish('not json')).toEqual({ value: undefined, malformed: true });
    expect(parseJsonish(42)).toEqual({ value: undefined, malformed: true });
    expect(parseJsonish(true)).toEqual({ value: undefined, malformed: true });
  });

  it('treats empty, blank and "null" as absent', () => {
    expect(parseJsonish('')).toEqual({ value: undefined, malformed: false });
    expect(parseJsonish('  ')).toEqual({ value: undefined, malformed: false });
    expect(parseJsonish('null')).toEqual({ value: undefined, malformed: false });
    expect(parseJsonish(null)).toEqual({ value: undefined, malformed: false });
    expect(parseJsonish(undefined)).toEqual({ value: undefined, malformed: false });
  });

  it('unwraps a doubly encoded JSON string once', () => {
    expect(parseJsonish(JSON.stringify(JSON.stringify([1, 2]))).value).toEqual([1, 2]);
    expect(parseJsonish(JSON.stringify('"[broken')).malformed).toBe(true);
    expect(parseJsonish('"plain"').value).toBe('plain');
  });
});

describe('stringList', () => {
  it('reads JSON arrays, arrays and single values', () => {
    expect(stringList('["3.0.13-1~deb12u1","3.0.13-1~deb12u1","3.0.11"]')).toEqual({
      list: ['3.0.13-1~deb12u1', '3.0.11'],
      malformed: false,
    });
    expect(stringList(['a', 1, null, { x: 1 }, ' b '])).toEqual({ list: ['a', '1', 'b'], malformed: false });
    expect(stringList('1.2.3')).toEqual({ list: ['1.2.3'], malformed: false });
    expect(stringList('')).toEqual({ list: [], malformed: false });
    expect(stringList(undefined)).toEqual({ list: [], malformed: false });
  });

  it('flags malformed lists', () => {
    expect(stringList('["a",')).toEqual({ list: [], malformed: true });
    expect(stringList({ a: 1 })).toEqual({ list: [], malformed: true });
  });
});

describe('coercers', () => {
  it('asText', () => {
    expect(asText(' x ')).toBe('x');
    expect(asText(1001)).toBe('1001');
    expect(asText(Number.NaN)).toBe('');
    expect(asText({})).toBe('');
  });

  it('asNumber', () => {
    expect(asNumber(7.5)).toBe(7.5);
    expect(asNumber('7.5')).toBe(7.5);
    expect(asNumber('')).toBeNull();
    expect(asNumber('x')).toBeNull();
    expect(asNumber(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('asBoolish', () => {
    expect(asBoolish(true)).toBe(true);
    expect(asBoolish('TRUE')).toBe(true);
    expect(asBoolish(' false ')).toBe(false);
    expect(asBoolish('yes')).toBeUndefined();
    expect(asBoolish(1)).toBeUndefined();
  });
});

describe('readDefenderRow', () => {
  it('reads the envelope case-insensitively and defaults wrong types', () => {
    const row = readDefenderRow({ ID: '/x', Type: 'microsoft.security/assessments', subscriptionId: 42, properties: { a: 1 } });
    expect(row).toEqual({
      id: '/x',
      type: 'microsoft.security/assessments',
      subscriptionId: '',
      resourceGroup: '',
      assessmentKey: '',
      timeGenerated: undefined,
      properties: { a: 1 },
    });
  });

  it('returns null for non-objects', () => {
    expect(readDefenderRow(null)).toBeNull();
    expect(readDefenderRow([])).toBeNull();
    expect(readDefenderRow('row')).toBeNull();
  });
});
