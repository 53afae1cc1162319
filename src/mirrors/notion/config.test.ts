import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.js';

const env = { NOTION_TOKEN: 'secret_config_test_token' };
const base = (mirror: string) => `sources: []\nmirrors:\n  - type: notion\n    token: \${NOTION_TOKEN}\n    database: 0123456789abcdef0123456789abcdef\n${mirror}`;

function problems(text: string): string {
  try {
    parseConfig(text, 'vulnledger.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('mirrors: config', () => {
  it('defaults: propertyNames en, 3 requests/s, 30 s timeout, the ledger’s minSeverity', () => {
    const { config } = parseConfig(base(''), 'vulnledger.yaml', env);
    expect(config.mirrors).toEqual([{ type: 'notion', token: 'secret_config_test_token', database: '0123456789abcdef0123456789abcdef', propertyNames: 'en', requestsPerSecond: 3, timeoutSeconds: 30 }]);
  });

  it('a map of field names over a preset', () => {
    const { config } = parseConfig(base('    propertyNames: { preset: ja, owner: 対応者 }\n'), 'vulnledger.yaml', env);
    expect(config.mirrors[0]!.propertyNames).toEqual({ preset: 'ja', owner: '対応者' });
  });

  it.each([
    ['    baseUrl: http://127.0.0.1:9/\n', 'vulnledger.yaml:6 mirrors[0].baseUrl: baseUrl must not end with "/" (the client adds "/v1/…")'],
    ['    baseUrl: https://proxy.example/v1\n', 'vulnledger.yaml:6 mirrors[0].baseUrl: baseUrl must not include "/v1" (the client adds it)'],
    ['    propertyNames: { ownr: x }\n', 'vulnledger.yaml:6 mirrors[0].propertyNames.ownr: unknown key "ownr". Did you mean "owner"?'],
    ['    propertyNames: { owner: 担当, evidence: 担当 }\n', 'vulnledger.yaml:6 mirrors[0].propertyNames: property name(s) "担当" given to more than one field'],
    ['    propertyNames: { owner: "a,b" }\n', 'vulnledger.yaml:6 mirrors[0].propertyNames.owner: a Notion property name cannot contain a comma'],
    ['    propertyNames: jp\n', 'vulnledger.yaml:6 mirrors[0].propertyNames: must be en, ja, or a map of field → property name'],
    ['    requestsPerSecond: 0\n', 'mirrors[0].requestsPerSecond'],
    ['  - type: notion\n    token: x\n    database: y\n', 'mirrors[1].name: mirror name "notion" is used twice (also mirrors[0]); give each mirror a unique name'],
    ['    name: "notion\\udc00"\n', 'vulnledger.yaml:6 mirrors[0].name: mirror name "notion\\udc00" has a lone surrogate'],
  ])('%s', (extra, message) => {
    expect(problems(base(extra))).toContain(message);
  });

  it('a missing NOTION_TOKEN names the variable', () => {
    expect(() => parseConfig(base(''), 'vulnledger.yaml', {})).toThrow('vulnledger.yaml:4 mirrors[0].token: environment variable NOTION_TOKEN is not set');
  });
});
