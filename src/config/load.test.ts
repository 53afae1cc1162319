import { describe, expect, it } from 'vitest';
import { ConfigError, didYouMean, parseConfig } from './load.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, '/cfg/vulnledger.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies defaults and resolves names', () => {
    const { config, dir } = parseConfig('sources:\n  - type: defender-file\n    path: ./x/*.json\n', '/cfg/vulnledger.yaml', {});
    expect(dir).toBe('/cfg');
    expect(config.database).toBe('./vulnledger.db');
    expect(config.minSeverity).toBe('High');
    expect(config.sla).toEqual({ Critical: 7, High: 30, Medium: 90, Low: 180, dueSoonDays: 3, restartOnReopen: false, kev: 7 });
    expect(config.language).toBe('en');
    expect(config.sources).toEqual([{ type: 'defender-file', name: 'defender-file', path: './x/*.json' }]);
  });

  it('interpolates ${VAR} and keeps $${literal}', () => {
    const { config } = parseConfig('database: ${DB_DIR}/ledger.db\nsources:\n  - type: defender-file\n    path: "$${HOME}/x"\n', '/c/v.yaml', { DB_DIR: '/data' });
    expect(config.database).toBe('/data/ledger.db');
    expect(config.sources[0]).toMatchObject({ type: 'defender-file', path: '${HOME}/x' });
  });

  it('names a missing environment variable with file, key path and line', () => {
    expect(problems('minSeverity: High\nsources:\n  - type: defender-file\n    path: ${EXPORT_DIR}/a.json\n')).toBe(
      '/cfg/vulnledger.yaml:4 sources[0].path: environment variable EXPORT_DIR is not set (referenced as ${EXPORT_DIR}); set it or remove the reference',
    );
  });

  it('rejects unknown keys with a did-you-mean, at the right line', () => {
    expect(problems('database: ./a.db\nminSeverty: High\n')).toBe('/cfg/vulnledger.yaml:2 minSeverty: unknown key "minSeverty". Did you mean "minSeverity"?');
    expect(problems('sources:\n  - type: defender-file\n    pth: ./a.json\n')).toBe(
      '/cfg/vulnledger.yaml:2 sources[0].path: required (string)\n/cfg/vulnledger.yaml:3 sources[0].pth: unknown key "pth". Did you mean "path"?',
    );
    expect(problems('sla:\n  Critcal: 3\n')).toBe('/cfg/vulnledger.yaml:2 sla.Critcal: unknown key "Critcal". Did you mean "Critical"?');
  });

  it('rejects an unknown source type with the list of types', () => {
    expect(problems('sources:\n  - type: defender-fil\n    path: a\n')).toMatch(
      /:2 sources\[0\]\.type: unknown type "defender-fil"; expected one of: defender-file, [a-z, -]*\bfeed, kev, epss\b[a-z, -]*\. Did you mean "defender-file"\?/,
    );
  });

  it('rejects wrong types and values', () => {
    expect(problems('minSeverity: Severe\n')).toMatch(/:1 minSeverity: Invalid option: expected one of "Critical"\|"High"\|"Medium"\|"Low"/);
    expect(problems('sla:\n  High: "thirty"\n')).toMatch(/:2 sla\.High: Invalid input: expected number, received string/);
    expect(problems('sources: {}\n')).toMatch(/:1 sources: Invalid input: expected array/);
  });

  it('reports malformed YAML with its line', () => {
    expect(problems('database: ./a.db\nsources:\n  - type: [unclosed\n')).toMatch(/^\/cfg\/vulnledger\.yaml:\d+: invalid YAML: /);
    expect(problems('a: 1\na: 2\n')).toMatch(/:2: invalid YAML: Map keys must be unique/);
    expect(problems('- just\n- a list\n')).toMatch(/:1: the config must be a mapping/);
  });

  it('rejects duplicate source names', () => {
    expect(problems('sources:\n  - type: defender-file\n    path: a\n  - type: defender-file\n    path: b\n')).toMatch(
      /:4 sources\[1\]\.name: source name "defender-file" is used twice/,
    );
  });

  it('rejects source names SQLite would not give back as written: a lone surrogate, a control character', () => {
    expect(problems('sources:\n  - type: defender-file\n    name: "exp\\ud800ort"\n    path: a\n')).toMatch(
      /:3 sources\[0\]\.name: source name "exp\\ud800ort" has a lone surrogate/,
    );
    expect(problems('sources:\n  - type: defender-file\n    name: "a\\tb"\n    path: a\n')).toMatch(/:3 sources\[0\]\.name: source name "a\\tb" has a control character/);
    // Japanese and emoji names are fine.
    expect(parseConfig('sources:\n  - type: defender-file\n    name: 本番エクスポート🚀\n    path: a\n', '/c/v.yaml', {}).config.sources[0]!.name).toBe('本番エクスポート🚀');
  });

  it('treats an empty file as all defaults', () => {
    expect(parseConfig('', '/c/v.yaml', {}).config.sources).toEqual([]);
  });
});

describe('didYouMean', () => {
  it('suggests close names only', () => {
    expect(didYouMean('webhookurl', ['webhookUrl', 'token'])).toBe('webhookUrl');
    expect(didYouMean('zzz', ['database', 'sources'])).toBeNull();
  });
});
