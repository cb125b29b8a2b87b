/**
 * The bundle sidecar's contract with the launch code. Ports are fixed: the
 * guest reaches 8888/9418/9100 on the bundle's pinned IP; 9099 and any admin
 * endpoint are bound to 127.0.0.1 inside the bundle and never reachable.
 */
export const BUNDLE_PORTS = {
  /** HTTP forward proxy (HTTPS_PROXY / HTTP_PROXY in the guest). */
  egress: 8888,
  /** git-daemon of the git gate (GIT_GATE_URL). */
  gitGate: 9418,
  /** MCP supervise server (MCP_SUPERVISE_URL). */
  supervise: 9100,
  /** The egress daemon's internal port: loopback inside the bundle only. */
  internal: 9099,
} as const

export type BundleDaemon = 'egress' | 'git-gate' | 'supervise'

/** What launch needs to start a bundle container for one bottle. */
export interface BundleContainerConfig {
  image: string
  /** BUNDLE_DAEMONS (comma-separated; empty = "no daemons selected") and daemon settings. */
  env: Record<string, string>
  command?: string[]
  /** docker run flags (hardening, log rotation): pass as ContainerSpec.extraArgs. */
  extraArgs?: string[]
}
