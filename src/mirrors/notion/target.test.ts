import { describe, expect, it } from 'vitest';
import { propertyInMessage } from './client.js';
import { parseDatabaseId } from './target.js';

describe('parseDatabaseId', () => {
  it.each([
    ['0123456789abcdef0123456789ABCDEF', '01234567-89ab-cdef-0123-456789abcdef'],
    ['01234567-89ab-cdef-0123-456789abcdef', '01234567-89ab-cdef-0123-456789abcdef'],
    ['https://www.notion.so/acme/Vulns-0123456789abcdef0123456789abcdef?v=fedcba9876543210fedcba9876543210', '01234567-89ab-cdef-0123-456789abcdef'],
    ['https://app.notion.com/p/0123456789abcdef0123456789abcdef', '01234567-89ab-cdef-0123-456789abcdef'],
    ['not an id', null],
    ['https://www.notion.so/acme/Vulns', null],
  ])('%s', (input, expected) => {
    expect(parseDatabaseId(input)).toBe(expected);
  });
});

describe('propertyInMessage', () => {
  it.each([
    ['対応日 is not a property that exists.', '対応日'],
    ['Severity is expected to be select.', 'Severity'],
    ['body.properties.Due date.date.start should be a valid ISO 8601 date string, instead was `"x"`.', 'Due date'],
    ['Property URL not found', 'URL'],
    ['Invalid status option. Status option "Triaging" does not exist on property ステータス.', 'ステータス'],
    ['body failed validation: body.parent should be defined.', null],
  ])('%s', (message, expected) => {
    expect(propertyInMessage(message)).toBe(expected);
  });
});
