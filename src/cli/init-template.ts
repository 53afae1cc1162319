/** The commented starter config written by `vulnledger init`. */
export const STARTER_CONFIG = `# vulnledger configuration. Reference: README.md, "Configuration".
# Values may use \${ENV_VAR}: secrets belong in the environment, never in this file.
# Relative paths are relative to this file.

# The ledger: a SQLite file (created on first run).
database: ./vulnledger.db

# Findings below this severity are not recorded: Low | Medium | High | Critical.
# (A finding already tracked stays tracked until it is fixed, even if its severity drops.)
minSeverity: High

# Days to respond, from first sighting, per severity. dueSoonDays: when the "due soon" reminder fires.
sla:
  Critical: 7
  High: 30
  Medium: 90
  Low: 180
  dueSoonDays: 3
  restartOnReopen: false
  # A case whose CVE is in CISA KEV is due this many days after it entered KEV, whatever its severity
  # (when that is earlier). null turns the rule off. Needs a \`kev\` source.
  kev: 7

# Language of the console digest and messages: en | ja
language: en

sources:
  # Defender for Cloud exports you already have: \`az graph query -q "…" -o json > exports/x.json\`,
  # saved Resource Graph REST pages, or Defender REST lists. A file, a folder or a glob.
  - type: defender-file
    name: defender-export
    path: ./exports/*.json

  # The same findings live from Azure Resource Graph (README, "Connecting to Azure"). Grant the
  # identity Reader or Security Reader on the subscriptions; check with \`vulnledger doctor\`.
  # - type: azure-resource-graph
  #   name: defender
  #   scope:
  #     subscriptions: ["00000000-0000-0000-0000-000000000000"]   # or managementGroups: [...]; omit = all readable
  #   auth: default                 # default | managed-identity | cli | service-principal | access-token

  # Advisories: each feed item becomes an advisory case, linked to the cases about the CVEs it names.
  # The msrc preset reads https://msrc.microsoft.com/blog/feed with Coordinated Vulnerability
  # Disclosure keywords (confirm the URL is the feed you want). Also: preset: jvn, preset: jvndb, url: <any feed>.
  # - type: feed
  #   name: msrc
  #   preset: msrc
  #   announceWindowDays: 30        # older items are recorded on first sight, not announced

  # Enrichment: known exploitation (CISA KEV) and exploit probability (FIRST EPSS) on every CVE case.
  # Leave out url for the official sources, or give a file path (an offline mirror).
  # - type: kev
  # - type: epss
  #   riseStep: 0.1                 # an EPSS rise of this much flags the case as worsened

# Notion mirror: one page per case; triage edits made in Notion flow back with history (README,
# "Notion mirror"). Share the database with your integration, then \`vulnledger notion setup\`.
# mirrors:
#   - type: notion
#     token: \${NOTION_TOKEN}
#     database: "<the database link or id>"
#     propertyNames: en                    # ja: ステータス, 対応要否, 対応日, エビデンス, 重要度, …
#     minSeverity: High

# Notifications: what changed since the last run, to Slack, Teams or a signed webhook (README,
# "Notifications"). Secrets only from the environment. Check with \`vulnledger doctor\`.
# notify:
#   - type: slack
#     webhookUrl: \${SLACK_WEBHOOK_URL}     # an incoming webhook, or a bot (threads the details):
#     # token: \${SLACK_BOT_TOKEN}
#     # channel: C0123ABCD                 # the channel id (doctor checks the bot is a member)
#     minSeverity: High
#     events: [case.new, case.reopened, case.resolved, case.worsened, sla.due_soon, sla.breached, acceptance.expired, advisory.new]
#     quietWhenUnchanged: true             # an unchanged run sends nothing
#   - type: teams
#     webhookUrl: \${TEAMS_WEBHOOK_URL}      # Workflows: "When a Teams webhook request is received"
#   - type: webhook
#     url: https://siem.example.com/hooks/vulnledger
#     secret: \${WEBHOOK_SECRET}             # X-Vulnledger-Signature: sha256=HMAC of the body
`;
