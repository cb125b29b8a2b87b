import { RpcError } from '../../../src-shared/rpc/errors'
import {
  commandError,
  describeCommand,
  type CommandFailure,
  type CommandResult,
  type CommandRunner,
  type CommandSpec,
} from '../base/exec'
import type { Logger } from '../base/logger'
import { isSecretEnvKey, redact } from '../base/redact'
import { followLines } from './follow-lines'
import {
  LABELS,
  type ContainerInfo,
  type ContainerSpec,
  type Docker,
  type NetworkInfo,
  type NetworkSpec,
} from './types'

export { resolveDockerBinary } from './resolve-binary'

export interface DockerOptions {
  /** The CLI to run (see resolveDockerBinary). */
  binary: string
  runner: CommandRunner
  logger?: Logger
  /** Per-call timeout of quick commands (ps, inspect, network …). */
  timeoutMs?: number
  platform?: NodeJS.Platform
}

const QUICK_MS = 30_000
const RUN_MS = 120_000
const BUILD_MS = 20 * 60_000
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** docker's own "it is not there" answers, across engine versions. */
const MISSING = /no such (container|network|object|image)|network \S+ not found|not found: network/i

/** docker CLI over execa: argv arrays, a timeout on every call, errors with argv and stderr. */
export function createDocker(options: DockerOptions): Docker {
  const { binary, runner } = options
  const quickMs = options.timeoutMs ?? QUICK_MS
  const platform = options.platform ?? process.platform

  const spec = (args: readonly string[], extra: Partial<CommandSpec> = {}): CommandSpec => ({
    file: binary,
    args,
    timeoutMs: quickMs,
    ...extra,
  })

  /** Runs and throws unless exit 0; an unreachable engine gets the fix hint whatever the command was. */
  async function ok(
    args: readonly string[],
    extra: Partial<CommandSpec> = {},
    what?: string,
  ): Promise<CommandResult> {
    const s = spec(args, extra)
    const result = await runner.run(s)
    if (result.exitCode === 0 && !result.timedOut && !result.cancelled) return result
    throw failure(s, result, what)
  }

  function failure(s: CommandSpec, result: CommandResult, what?: string): RpcError {
    // The CLI ends errors with "Run 'docker run --help' …": the line before says what went wrong.
    const stderr = result.stderr.replace(/^(Run|See) 'docker .*--help'.*$/gm, '').trimEnd()
    return unreachable(s, result, binary, platform) ?? commandError(s, { ...result, stderr }, what)
  }

  /** Like ok(), but "no such …" is an answer (null) instead of an error (`rm -f` says it with exit 0). */
  async function okOrMissing(
    args: readonly string[],
    extra: Partial<CommandSpec> = {},
  ): Promise<CommandResult | null> {
    const s = spec(args, extra)
    const result = await runner.run(s)
    if (!result.timedOut && MISSING.test(result.stderr)) return null
    if (result.exitCode === 0 && !result.cancelled) return result
    throw failure(s, result)
  }

  /**
   * `inspect a b c` answers with the objects it found and an error for the
   * others (removed since we listed them): keep what was found.
   */
  async function inspectMany(kind: 'container' | 'network', ids: string[]): Promise<unknown[]> {
    if (ids.length === 0) return []
    const s = spec(
      kind === 'container' ? ['container', 'inspect', ...ids] : ['network', 'inspect', ...ids],
    )
    const result = await runner.run(s)
    const parsed = parseJsonArray(result.stdout)
    if (result.exitCode === 0 && parsed) return parsed
    if (!result.timedOut && parsed && MISSING.test(result.stderr)) return parsed
    throw failure(s, result)
  }

  const docker: Docker = {
    binary,

    async serverVersion() {
      const s = spec(['version', '--format', '{{.Server.Version}}'], {
        timeoutMs: Math.min(quickMs, 15_000),
      })
      const result = await runner.run(s)
      const version = result.stdout.trim()
      if (result.exitCode === 0 && version) return version
      throw unreachable(s, result, binary, platform) ?? engineError(s, result, platform)
    },

    async networkCreate(n: NetworkSpec) {
      const args = [
        'network',
        'create',
        '--driver',
        'bridge',
        '--subnet',
        n.subnet,
        '--gateway',
        n.gateway,
      ]
      if (n.ipRange) args.push('--ip-range', n.ipRange)
      if (n.bridgeName) {
        if (n.bridgeName.length > 15)
          throw new RpcError(
            'INVALID_PARAMS',
            `bridgeName: at most 15 characters (got ${n.bridgeName})`,
          )
        args.push('-o', `com.docker.network.bridge.name=${n.bridgeName}`)
      }
      if (n.internal) args.push('--internal')
      args.push(...labelArgs(n.labels), n.name)
      const r = await ok(args)
      return { id: lastLine(r.stdout) }
    },

    async networkRemove(name) {
      const r = await okOrMissing(['network', 'rm', name])
      return { existed: r !== null }
    },

    async networkList(labels) {
      const r = await ok(['network', 'ls', '-q', '--no-trunc', ...filterArgs(labels)])
      const raw = await inspectMany('network', lines(r.stdout))
      return raw.map(toNetworkInfo)
    },

    async allSubnets() {
      const r = await ok(['network', 'ls', '-q', '--no-trunc'])
      const raw = await inspectMany('network', lines(r.stdout))
      return raw.flatMap((n) => toNetworkInfo(n).subnets)
    },

    async containerRun(c: ContainerSpec) {
      const secretKeys = new Set(c.secretEnvKeys ?? [])
      const args = ['run', '--detach', '--name', c.name, '--network', c.network]
      if (c.ip) args.push('--ip', c.ip)
      args.push(...labelArgs(c.labels))
      const childEnv: Record<string, string> = {}
      const secrets: string[] = []
      for (const [key, value] of Object.entries(c.env)) {
        if (!ENV_KEY.test(key))
          throw new RpcError('INVALID_PARAMS', `env.${key}: not a valid environment variable name`)
        if (secretKeys.has(key) || isSecretEnvKey(key)) {
          // The value travels in docker's own environment, never in argv.
          args.push('-e', key)
          childEnv[key] = value
          secrets.push(value)
        } else {
          args.push('-e', `${key}=${value}`)
        }
      }
      if (c.stopTimeoutSec !== undefined) args.push('--stop-timeout', String(c.stopTimeoutSec))
      args.push(...(c.extraArgs ?? []), c.image, ...(c.command ?? []))
      const r = await ok(
        args,
        { timeoutMs: RUN_MS, env: childEnv, secrets },
        `docker run ${c.name}`,
      )
      return { id: lastLine(r.stdout) }
    },

    async containerStop(name, timeoutSec = 10) {
      await okOrMissing(['stop', '--time', String(timeoutSec), name], {
        timeoutMs: timeoutSec * 1000 + quickMs,
      })
    },

    async containerRemove(name) {
      const r = await okOrMissing(['rm', '--force', '--volumes', name], {
        timeoutMs: quickMs + 10_000,
      })
      return { existed: r !== null }
    },

    async containerList(labels) {
      const r = await ok([
        'ps',
        '--all',
        '--no-trunc',
        ...filterArgs(labels),
        '--format',
        PS_FORMAT,
      ])
      return lines(r.stdout).map(fromPsLine)
    },

    async containerInspect(name) {
      const r = await okOrMissing(['container', 'inspect', name])
      if (!r) return null
      const first = parseJsonArray(r.stdout)?.[0]
      return first ? toContainerInfo(first) : null
    },

    async logs(name, opts) {
      const r = await ok([
        'logs',
        ...(opts?.timestamps ? ['--timestamps'] : []),
        ...tailArgs(opts?.tail),
        name,
      ])
      // docker keeps the container's streams apart; stdout first, then stderr.
      return r.stderr ? r.stdout + r.stderr : r.stdout
    },

    followLogs(name, onLine, opts) {
      const args = [
        'logs',
        '--follow',
        ...(opts?.timestamps ? ['--timestamps'] : []),
        ...tailArgs(opts?.tail),
        name,
      ]
      return followLines({ file: binary, args, onLine, onEnd: opts?.onEnd, logger: options.logger })
    },

    async exec(name, argv, opts) {
      const args = ['exec', ...(opts.input !== undefined ? ['--interactive'] : []), name, ...argv]
      return runner.run(spec(args, { timeoutMs: opts.timeoutMs, input: opts.input }))
    },

    async imageInspect(ref) {
      const r = await okOrMissing(['image', 'inspect', ref])
      const first = r ? (parseJsonArray(r.stdout)?.[0] as RawImage | undefined) : undefined
      return first ? { id: first.Id, labels: first.Config?.Labels ?? {} } : null
    },

    async build(b) {
      const args = ['build', '--tag', b.tag, ...labelArgs(b.labels ?? {})]
      for (const [k, v] of Object.entries(b.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`)
      args.push(b.contextDir)
      await ok(
        args,
        { timeoutMs: b.timeoutMs ?? BUILD_MS, signal: b.signal },
        `docker build ${b.tag}`,
      )
    },
  }
  return docker
}

function startHint(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? 'start Docker Desktop (or OrbStack / Colima) and wait until it reports running'
    : 'start it: sudo systemctl start docker (or start Docker Desktop)'
}

function failureDetails(s: CommandSpec, result: CommandResult): CommandFailure {
  return {
    command: describeCommand(s),
    exitCode: result.exitCode,
    stderr: redact(result.stderr.trim(), s.secrets ?? []).slice(-4000),
  }
}

/** A clear error (and fix) when the engine cannot be reached; null when that is not the problem. */
function unreachable(
  s: CommandSpec,
  result: CommandResult,
  binary: string,
  platform: NodeJS.Platform,
): RpcError | null {
  const stderr = result.stderr
  if (/(^|\n)(ENOENT|EACCES):/.test(stderr)) {
    return new RpcError(
      'UNAVAILABLE',
      `docker CLI not found or not executable (${binary}): install Docker, or set its path in Settings → Docker (or BOT_BOTTLE_DOCKER)`,
      failureDetails(s, result),
    )
  }
  if (/permission denied.*docker|docker.*permission denied/i.test(stderr)) {
    return new RpcError(
      'UNAVAILABLE',
      'docker engine refused the connection (permission denied): add your user to the docker group ' +
        '(sudo usermod -aG docker "$USER", then log in again) or use rootless Docker',
      failureDetails(s, result),
    )
  }
  if (
    /cannot connect to the docker daemon|error during connect|is the docker daemon running|docker\.sock.*(connection refused|no such file)/i.test(
      stderr,
    )
  ) {
    return new RpcError(
      'UNAVAILABLE',
      `docker engine unreachable: is dockerd running? ${startHint(platform)}`,
      failureDetails(s, result),
    )
  }
  return null
}

/** serverVersion's error when the cause is none of the known ones: still an engine problem, still a hint. */
function engineError(s: CommandSpec, result: CommandResult, platform: NodeJS.Platform): RpcError {
  const why = result.timedOut
    ? `did not answer within ${s.timeoutMs} ms`
    : (result.stderr.trim().split('\n').pop() ?? `exit code ${result.exitCode}`)
  return new RpcError(
    'UNAVAILABLE',
    `docker engine unreachable (${why}): is dockerd running? ${startHint(platform)}`,
    failureDetails(s, result),
  )
}

function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`])
}

function filterArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => [
    '--filter',
    v === '' ? `label=${k}` : `label=${k}=${v}`,
  ])
}

function tailArgs(tail: number | undefined): string[] {
  return tail === undefined ? [] : ['--tail', String(Math.max(0, Math.floor(tail)))]
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

function lastLine(text: string): string {
  return lines(text).pop() ?? ''
}

function parseJsonArray(text: string): unknown[] | null {
  const t = text.trim()
  if (!t.startsWith('[')) return null
  try {
    const v: unknown = JSON.parse(t)
    return Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

interface RawNetwork {
  Id: string
  Name: string
  IPAM?: { Config?: { Subnet?: string }[] | null }
  Labels?: Record<string, string> | null
}

interface RawContainer {
  Id: string
  Name: string
  Config?: { Image?: string; Labels?: Record<string, string> | null }
  State?: { Status?: string; ExitCode?: number }
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null }
}

interface RawImage {
  Id: string
  Config?: { Labels?: Record<string, string> | null }
}

function toNetworkInfo(raw: unknown): NetworkInfo {
  const n = raw as RawNetwork
  return {
    id: n.Id,
    name: n.Name,
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s),
    labels: n.Labels ?? {},
  }
}

/**
 * One JSON object per container from a single `docker ps` (the watch lists
 * every tick: no per-container inspect). `.Labels` is one comma-joined
 * string that a label value with a comma would garble, so Bot Bottle's own
 * labels are also asked for one by one.
 */
const PS_FORMAT =
  '{"id":{{json .ID}},"name":{{json .Names}},"image":{{json .Image}},"state":{{json .State}},' +
  '"status":{{json .Status}},"labels":{{json .Labels}},"own":{' +
  Object.values(LABELS)
    .map((k) => `${JSON.stringify(k)}:{{json (.Label ${JSON.stringify(k)})}}`)
    .join(',') +
  '}}'

interface PsLine {
  id: string
  name: string
  image: string
  state: string
  status: string
  labels: string
  own: Record<string, string>
}

function fromPsLine(line: string): ContainerInfo {
  let c: PsLine
  try {
    c = JSON.parse(line) as PsLine
  } catch {
    throw new RpcError(
      'INTERNAL',
      `docker ps printed something that is not JSON: ${line.slice(0, 200)}`,
    )
  }
  const labels: Record<string, string> = {}
  for (const pair of c.labels ? c.labels.split(',') : []) {
    const eq = pair.indexOf('=')
    if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  for (const [k, v] of Object.entries(c.own)) {
    if (v) labels[k] = v
    else delete labels[k]
  }
  // "Exited (137) 3 seconds ago": only finished containers have a code.
  const code = /^Exited \((-?\d+)\)/.exec(c.status)?.[1]
  return {
    id: c.id,
    name: c.name.split(',')[0] ?? c.name,
    image: c.image,
    state: c.state,
    exitCode:
      code !== undefined && (c.state === 'exited' || c.state === 'dead') ? Number(code) : null,
    labels,
    ips: {},
  }
}

function toContainerInfo(raw: unknown): ContainerInfo {
  const c = raw as RawContainer
  const state = c.State?.Status ?? 'unknown'
  const ips: Record<string, string> = {}
  for (const [net, v] of Object.entries(c.NetworkSettings?.Networks ?? {}))
    if (v.IPAddress) ips[net] = v.IPAddress
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    state,
    // docker reports 0 for containers that never exited; only finished ones have a code.
    exitCode: state === 'exited' || state === 'dead' ? (c.State?.ExitCode ?? null) : null,
    labels: c.Config?.Labels ?? {},
    ips,
  }
}
