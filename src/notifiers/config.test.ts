import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.js';
import { redact } from '../util/logger.js';

const ENV = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0AAA/B0BBB/secretsecretsecret1',
  SLACK_BOT_TOKEN: 'xoxb-1234-5678-secret-token',
  TEAMS_WEBHOOK_URL: 'https://prod-1.japaneast.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=teams-signature-secret',
  WEBHOOK_SECRET: 'a-long-random-webhook-secret-0123',
};

function problems(text: string): string {
  try {
    parseConfig(text, '/cfg/vulnledger.yaml', ENV);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a config error');
}

describe('notify: config', () => {
  it('the issue’s example is valid, with defaults filled in and secrets registered', () => {
    const { config } = parseConfig(
      `minSeverity: Medium
notify:
  - type: slack
    webhookUrl: \${SLACK_WEBHOOK_URL}
    events: [case.new, case.reopened, case.resolved, case.worsened, sla.due_soon, sla.breached, acceptance.expired, advisory.new]
    minSeverity: High
    quietWhenUnchanged: true
    links: { dashboard: "https://vuln.example.com/", notion: true }
  - type: slack
    name: bot
    token: \${SLACK_BOT_TOKEN}
    channel: "#sec-vuln"
  - type: teams
    webhookUrl: \${TEAMS_WEBHOOK_URL}
  - type: webhook
    url: https://siem.example.com/hooks
    secret: \${WEBHOOK_SECRET}
`,
      '/cfg/vulnledger.yaml',
      ENV,
    );
    expect(config.notify).toHaveLength(4);
    expect(config.notify[1]).toEqual({
      type: 'slack',
      name: 'bot',
      token: ENV.SLACK_BOT_TOKEN,
      channel: '#sec-vuln',
      quietWhenUnchanged: true,
      maxMessagesPerRun: 10,
      report: true,
      links: { notion: true },
      timeoutMs: 10_000,
      retries: 2,
    });
    expect(config.notify[3]).toMatchObject({ type: 'webhook', maxBytes: 262_144 });
    for (const secret of Object.values(ENV)) expect(redact(`x ${secret} y`)).toBe('x [REDACTED] y');
  });

  it('names the file, line and key of each mistake', () => {
    expect(problems('notify:\n  - type: slak\n    webhookUrl: https://x.example/\n')).toBe(
      '/cfg/vulnledger.yaml:2 notify[0].type: unknown type "slak"; expected one of: slack, teams, webhook. Did you mean "slack"?',
    );
    expect(problems('notify:\n  - type: teams\n    webhookUrl: https://x.example/\n    quietWhenUnchaged: false\n')).toBe(
      '/cfg/vulnledger.yaml:4 notify[0].quietWhenUnchaged: unknown key "quietWhenUnchaged". Did you mean "quietWhenUnchanged"?',
    );
    expect(problems('notify:\n  - type: slack\n    webhookUrl: ${SLACK_WEBHOOK_URL}\n    token: ${SLACK_BOT_TOKEN}\n    channel: C1\n')).toBe(
      '/cfg/vulnledger.yaml:4 notify[0].token: give either webhookUrl or token + channel, not both',
    );
    expect(problems('notify:\n  - type: slack\n    token: ${SLACK_BOT_TOKEN}\n')).toContain('notify[0].channel: required with token');
    expect(problems('notify:\n  - type: slack\n')).toContain('notify[0].webhookUrl: required: webhookUrl (an incoming webhook), or token + channel (a bot)');
    expect(problems('notify:\n  - type: webhook\n    url: https://x.example/\n    secret: short\n')).toContain('notify[0].secret: use a random secret of at least 16 characters');
    expect(problems('notify:\n  - type: teams\n    webhookUrl: ftp://x.example/\n')).toContain('notify[0].webhookUrl: must be an http(s) URL');
    expect(problems('notify:\n  - type: teams\n    webhookUrl: https://a.example/\n  - type: teams\n    webhookUrl: https://b.example/\n')).toBe(
      '/cfg/vulnledger.yaml:4 notify[1].name: notifier name "teams" is used twice (also notify[0]); give each notifier a unique name',
    );
    expect(problems('notify:\n  - type: teams\n    webhookUrl: https://a.example/\n    events: [case.nwe]\n')).toContain('notify[0].events[0]');
    expect(problems('notify:\n  - type: teams\n    name: "ops\\nteam"\n    webhookUrl: https://a.example/\n')).toContain('notify[0].name: notifier name "ops\\nteam" has a control character');
  });

  it('a secret never appears in an error', () => {
    const text = problems('notify:\n  - type: slack\n    webhookUrl: ${SLACK_WEBHOOK_URL}\n    channel: "#x"\n');
    expect(text).toContain('notify[0].channel: a Slack app webhook always posts to the channel it was created for');
    expect(text).not.toContain('secretsecretsecret1');
  });
});
