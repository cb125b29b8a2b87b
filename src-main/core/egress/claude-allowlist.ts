/**
 * What Claude Code needs to work in a bottle, one rule per purpose. Rules
 * without a port allow 80 and 443. Everything else stays denied until the
 * user adds it.
 */
export const CLAUDE_DEFAULT_ALLOWLIST: readonly string[] = [
  // The Messages API: every model request.
  'api.anthropic.com',
  // Feature flags and usage metrics (Statsig, served from Anthropic's domain).
  'statsig.anthropic.com',
  // Error reports go to Sentry ingest hosts (o<org>.ingest.<region>.sentry.io).
  '*.sentry.io',
  // Login: the claude.ai OAuth pages (subscription accounts)…
  'claude.ai',
  // …and the Claude Console (API-key accounts, OAuth token exchange), old and new hosts.
  'console.anthropic.com',
  'platform.claude.com',
  // npm installs and updates of @anthropic-ai/claude-code.
  'registry.npmjs.org',
  // The native installer and auto-updater download Claude Code builds from here.
  // (Builds before 2.1.116 used storage.googleapis.com: a host shared by every
  // Google Cloud Storage bucket, so it is deliberately not allowed by default.)
  'downloads.claude.ai',
]
