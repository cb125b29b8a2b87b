import type { CommandResult } from '../base/exec'
import type { Disposable } from '../base/lifecycle'

/**
 * The docker wrapper's public surface (implementation: docker.ts, execa with
 * argv arrays and a timeout on every call). Every resource Bot Bottle creates
 * carries LABELS so reconcile can find it again.
 */
export const LABELS = {
  /** Marks every Bot Bottle resource. Value: "1". */
  managed: 'dev.botbottle.managed',
  /** The bottle's slug. */
  slug: 'dev.botbottle.slug',
  /** `network` | `bundle` | … */
  role: 'dev.botbottle.role',
  /** A hash of the data dir: installs (and tests) with different BOT_BOTTLE_HOME never see each other's resources. */
  home: 'dev.botbottle.home',
} as const

export interface NetworkSpec {
  name: string
  subnet: string
  gateway: string
  /** Restricts docker's own allocations (the bundle's IP is pinned anyway). */
  ipRange?: string
  /** Linux bridge interface name (≤15 chars). */
  bridgeName?: string
  /** `--internal`: no route beyond the subnet (containers on it reach only each other). */
  internal?: boolean
  labels: Record<string, string>
}

export interface NetworkInfo {
  id: string
  name: string
  subnets: string[]
  labels: Record<string, string>
}

export interface ContainerSpec {
  name: string
  image: string
  network: string
  ip: string
  labels: Record<string, string>
  env: Record<string, string>
  /** Keys of `env` whose values are secrets: passed as bare `-e KEY` with the value in docker's environment. */
  secretEnvKeys?: readonly string[]
  command?: readonly string[]
  /** Seconds docker waits after SIGTERM on stop. */
  stopTimeoutSec?: number
  extraArgs?: readonly string[]
}

export interface ContainerInfo {
  id: string
  name: string
  image: string
  /** `running`, `exited`, `created`, … */
  state: string
  exitCode: number | null
  labels: Record<string, string>
  /** IPs by network name (from `containerInspect`; `containerList` leaves it empty). */
  ips: Record<string, string>
}

export interface Docker {
  readonly binary: string
  /** Throws a clear error (with a fix hint) when the engine is unreachable. */
  serverVersion(): Promise<string>
  networkCreate(spec: NetworkSpec): Promise<{ id: string }>
  /** Idempotent: a missing network counts as removed. */
  networkRemove(name: string): Promise<{ existed: boolean }>
  networkList(labels: Record<string, string>): Promise<NetworkInfo[]>
  /** Subnets of every docker network, labelled or not (collision avoidance). */
  allSubnets(): Promise<string[]>
  containerRun(spec: ContainerSpec): Promise<{ id: string }>
  containerStop(name: string, timeoutSec?: number): Promise<void>
  /** `rm -f`; a missing container counts as removed. */
  containerRemove(name: string): Promise<{ existed: boolean }>
  /** `ps -a` filtered by labels: one call, however many containers (no IPs: see `ips`). */
  containerList(labels: Record<string, string>): Promise<ContainerInfo[]>
  containerInspect(name: string): Promise<ContainerInfo | null>
  /** `timestamps`: each line starts with docker's RFC 3339 time and a space (`--timestamps`). */
  logs(name: string, options?: { tail?: number; timestamps?: boolean }): Promise<string>
  /**
   * `logs -f`: one callback per line until disposed or the container ends;
   * `onEnd` then runs once (with an error when `docker logs` itself failed),
   * never after dispose.
   */
  followLogs(
    name: string,
    onLine: (line: string, stream: 'stdout' | 'stderr') => void,
    options?: { tail?: number; timestamps?: boolean; onEnd?: (error?: Error) => void },
  ): Disposable
  exec(
    name: string,
    argv: readonly string[],
    options: { input?: string; timeoutMs: number },
  ): Promise<CommandResult>
  imageInspect(ref: string): Promise<{ id: string; labels: Record<string, string> } | null>
  build(options: {
    contextDir: string
    tag: string
    labels?: Record<string, string>
    buildArgs?: Record<string, string>
    timeoutMs?: number
    signal?: AbortSignal
  }): Promise<void>
}
