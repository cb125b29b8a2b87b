import { CLAUDE_DEFAULT_ALLOWLIST } from '../egress/claude-allowlist'

/** The image the default `claude` agent packs: Node (for npm) on Debian, from Docker Hub. */
export const DEFAULT_CLAUDE_IMAGE = 'docker.io/library/node:22-bookworm-slim'

/**
 * The manifest written on first run. Its comment block is the user's guide to
 * editing it; the `claude` agent really starts Claude Code in a fresh bottle.
 */
export function defaultManifestText(): string {
  // A wildcard rule must be quoted: a bare `*` starts a YAML alias.
  const egress = CLAUDE_DEFAULT_ALLOWLIST.map(
    (h) => `      - ${h.startsWith('*') ? `"${h}"` : h}`,
  ).join('\n')
  return `# Bot Bottle manifest: the agents you can launch in a bottle.
#
# Each bottle is a smolvm microVM that can reach nothing but its own sidecar
# (the "bundle"): an HTTPS proxy that lets through only the hosts listed under
# "egress". Edit this file freely; Bot Bottle checks it when you save it in the
# app and before every launch, and names the line of any mistake.
#
# An agent has:
#   image       OCI image smolvm packs once and caches (a registry reference).
#   description one line shown in the app.
#   env         variables for the guest. \${NAME} takes NAME from your own
#               environment (\${NAME:-fallback} gives a default, $$ is a "$").
#               Names that look secret (…_API_KEY, …_TOKEN, …_SECRET, …) are
#               never written to any command line, log or metadata file.
#   egress      hosts the guest may reach through the proxy: api.example.com,
#               "*.example.com" (subdomains only; quote it, a bare * means
#               something else in YAML), an IP; :port for other than 80/443.
#   git         the git gate (GIT_GATE_URL in the guest) and
#   supervise   the supervise MCP server (MCP_SUPERVISE_URL) are not in this
#               version of Bot Bottle yet: leave both false.
#   cpus        virtual CPUs (1-16).     memory   MiB, or 4G / 512M.
#   workdir     the guest folder sessions start in; "Copy project" copies your
#               project folder here (honouring .gitignore).
#   volumes     host folders to mount, read-only unless :rw, e.g.
#                 - \${PROJECT_DIR}:/workspace:rw     (the launched project)
#                 - /home/me/datasets:/data
#   setup       shell commands run once per bottle, before the first session,
#               through the proxy (so their hosts must be under egress).
#   session     the agent's command: text runs through sh -c, a list is argv.
#
# Add another agent by copying the "claude" block under a new name
# (lowercase letters, digits and hyphens).

version: 1
agents:
  claude:
    description: Claude Code in a fresh bottle
    image: ${DEFAULT_CLAUDE_IMAGE}
    cpus: 2
    memory: 4G
    env:
      ANTHROPIC_API_KEY: \${ANTHROPIC_API_KEY}
      TERM: xterm-256color
    egress:
${egress}
    git: false
    supervise: false
    workdir: /workspace
    volumes: []
    setup:
      - npm install -g --no-fund --no-audit @anthropic-ai/claude-code
    session: [claude]
`
}
