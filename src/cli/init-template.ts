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

# Language of the console digest and messages: en | ja
language: en

sources:
  # Defender for Cloud exports you already have: \`az graph query -q "…" -o json > exports/x.json\`,
  # saved Resource Graph REST pages, or Defender REST lists. A file, a folder or a glob.
  - type: defender-file
    name: defender-export
    path: ./exports/*.json
`;
