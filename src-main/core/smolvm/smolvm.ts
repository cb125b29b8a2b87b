import { mkdir, stat } from 'node:fs/promises'
import { dirname, isAbsolute } from 'node:path'
import type { CommandInput, CommandResult, CommandRunner, CommandSpec } from '../base/exec'
import type { Logger } from '../base/logger'
import {
  cpInArgv,
  cpOutArgv,
  dataDirArgv,
  machineCreateArgv,
  machineDeleteArgv,
  machineExecArgv,
  machineListArgv,
  machineStartArgv,
  machineStatusArgv,
  machineStopArgv,
  packCreateArgv,
  sessionArgv,
  versionArgv,
} from './argv'
import { SmolvmError, isOwnExecFailure, isSmolvmError, smolvmError } from './errors'
import { parseMachineList, parseMachineStatus } from './machine-info'
import { startStreamingExec } from './stream-exec'
import type {
  ExecOptions,
  GuestEnvVar,
  MachineCreateOptions,
  MachineInfo,
  PackResult,
  PtyCommand,
  Smolvm,
  SmolvmVersion,
  StreamingExec,
} from './types'
import { parseSmolvmVersion, smolvmFeatures } from './version'

/**
 * Per-command time limits. A hung smolvm must never hang the app; each limit
 * sits well above what the command takes on a healthy host.
 */
export const SMOLVM_TIMEOUTS = {
  version: 15_000,
  /** Boots a helper VM, pulls and merges the image: minutes on a cold cache. */
  packCreate: 20 * 60_000,
  /** `--from` extracts the sidecar's assets. */
  machineCreate: 5 * 60_000,
  /** Boot plus agent readiness (30 s in smolvm) plus first-boot work. */
  machineStart: 3 * 60_000,
  /** Graceful shutdown, then SIGTERM (2 s) and SIGKILL (3 s). */
  machineStop: 60_000,
  machineDelete: 90_000,
  query: 20_000,
  cp: 10 * 60_000,
  /** Added to an exec's own `--timeout`, so smolvm reports the guest timeout (124) before we kill it. */
  execGrace: 15_000,
} as const

export interface SmolvmOptions {
  binary: string
  runner: CommandRunner
  logger: Logger
  /** Added to smolvm's environment on every call (tests point HOME and the fake's knobs here). */
  env?: Record<string, string>
}

/** Non-interactive calls keep smolvm's stderr to errors only. */
const QUIET = { RUST_LOG: 'smolvm=error' }

interface RunOptions {
  timeoutMs: number
  hostEnv?: Record<string, string>
  input?: CommandInput
  signal?: AbortSignal
}

class SmolvmCli implements Smolvm {
  readonly binary: string
  private readonly runner: CommandRunner
  private readonly log: Logger
  private readonly env: Record<string, string>
  private versionCache: { key: string; version: Promise<SmolvmVersion> } | null = null

  constructor(options: SmolvmOptions) {
    this.binary = options.binary
    this.runner = options.runner
    this.log = options.logger
    this.env = options.env ?? {}
  }

  /** Detected once per binary; a replaced binary (new size/mtime) is detected again. */
  async version(): Promise<SmolvmVersion> {
    const key = await stat(this.binary).then(
      (s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`,
      () => 'unstattable',
    )
    if (this.versionCache?.key === key) return this.versionCache.version
    const version = this.detectVersion()
    const entry = { key, version }
    this.versionCache = entry
    version.catch(() => {
      if (this.versionCache === entry) this.versionCache = null
    })
    return version
  }

  private async detectVersion(): Promise<SmolvmVersion> {
    const { spec, result } = await this.runOk(versionArgv(), 'smolvm --version', {
      timeoutMs: SMOLVM_TIMEOUTS.version,
    })
    const version = parseSmolvmVersion(result.stdout)
    if (!version)
      throw this.unexpected(
        spec,
        result,
        `unexpected \`smolvm --version\` output: ${JSON.stringify(result.stdout.trim().slice(0, 200))}`,
      )
    this.log.debug(`${this.binary} is smolvm ${version.raw}`)
    return version
  }

  async packCreate(o: Parameters<Smolvm['packCreate']>[0]): Promise<PackResult> {
    const args = packCreateArgv(o)
    await mkdir(dirname(o.output), { recursive: true })
    const { spec, result } = await this.runOk(args, `smolvm pack create ${o.image}`, {
      timeoutMs: o.timeoutMs ?? SMOLVM_TIMEOUTS.packCreate,
      signal: o.signal,
    })
    const packed: PackResult = { stub: o.output, sidecar: `${o.output}.smolmachine` }
    const sidecarIsFile = await stat(packed.sidecar).then(
      (s) => s.isFile(),
      () => false,
    )
    if (!sidecarIsFile)
      throw this.unexpected(
        spec,
        result,
        `pack create exited 0 but wrote no sidecar at ${packed.sidecar}`,
      )
    return packed
  }

  async machineCreate(o: MachineCreateOptions): Promise<void> {
    const version = await this.version()
    const { args, hostEnv } = machineCreateArgv(version, o)
    if (o.allowCidrs.length > 0 && !smolvmFeatures(version).fromKeepsEgressPolicy) {
      this.log.warn(
        `smolvm ${version.raw} ignores --allow-cidr with --from (fixed in 1.8.0): machine ${o.name} gets no egress policy, and no network at all`,
      )
    }
    await this.runOk(args, `smolvm machine create ${o.name}`, {
      timeoutMs: SMOLVM_TIMEOUTS.machineCreate,
      hostEnv,
      signal: o.signal,
    })
  }

  /** Idempotent: smolvm answers "already running" with exit 0. */
  async machineStart(name: string, options?: { signal?: AbortSignal }): Promise<void> {
    await this.runOk(machineStartArgv(name), `smolvm machine start ${name}`, {
      timeoutMs: SMOLVM_TIMEOUTS.machineStart,
      signal: options?.signal,
    })
  }

  /** Idempotent: "is not running" is exit 0, and a machine smolvm does not know is not running either. */
  async machineStop(name: string, options?: { signal?: AbortSignal }): Promise<void> {
    try {
      await this.runOk(machineStopArgv(name), `smolvm machine stop ${name}`, {
        timeoutMs: SMOLVM_TIMEOUTS.machineStop,
        signal: options?.signal,
      })
    } catch (e) {
      if (!isSmolvmError(e, 'not-found')) throw e
      this.log.debug(`smolvm machine stop ${name}: no such machine`)
    }
  }

  async machineDelete(name: string): Promise<{ existed: boolean }> {
    const version = await this.version()
    // Before 1.7.2 delete dropped the record even when stopping the VMM failed,
    // orphaning it (issue #787): stop first, and let a failed stop stop us.
    if (!smolvmFeatures(version).deleteWaitsForVmm) await this.machineStop(name)
    try {
      await this.runOk(machineDeleteArgv(version, name), `smolvm machine delete ${name}`, {
        timeoutMs: SMOLVM_TIMEOUTS.machineDelete,
      })
      return { existed: true }
    } catch (e) {
      if (isSmolvmError(e, 'not-found')) return { existed: false }
      throw e
    }
  }

  async machineList(): Promise<MachineInfo[]> {
    const version = await this.version()
    const { spec, result } = await this.runOk(machineListArgv(), 'smolvm machine ls', {
      timeoutMs: SMOLVM_TIMEOUTS.query,
    })
    try {
      return parseMachineList(result.stdout, version.raw)
    } catch (e) {
      throw this.unexpected(spec, result, (e as Error).message)
    }
  }

  async machineStatus(name: string): Promise<MachineInfo | null> {
    const version = await this.version()
    let run: { spec: CommandSpec; result: CommandResult }
    try {
      run = await this.runOk(machineStatusArgv(name), `smolvm machine status ${name}`, {
        timeoutMs: SMOLVM_TIMEOUTS.query,
      })
    } catch (e) {
      if (isSmolvmError(e, 'not-found')) return null
      throw e
    }
    try {
      return parseMachineStatus(run.result.stdout, version.raw)
    } catch (e) {
      throw this.unexpected(run.spec, run.result, (e as Error).message)
    }
  }

  async exec(name: string, argv: readonly string[], o: ExecOptions): Promise<CommandResult> {
    const spec = this.execSpec(name, argv, o, false)
    const result = await this.runner.run(spec)
    const error = this.execFailure(spec, result, name)
    if (error) throw error
    return markGuestTimeout(result)
  }

  execStream(name: string, argv: readonly string[], o: ExecOptions): StreamingExec {
    const spec = this.execSpec(name, argv, o, true)
    const stream = startStreamingExec(spec, (result) => this.execFailure(spec, result, name))
    return { ...stream, done: stream.done.then(markGuestTimeout) }
  }

  async cpIn(
    name: string,
    hostPath: string,
    guestPath: string,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<void> {
    await this.runOk(
      cpInArgv(name, hostPath, guestPath),
      `smolvm machine cp ${hostPath} → ${name}:${guestPath}`,
      {
        timeoutMs: options?.timeoutMs ?? SMOLVM_TIMEOUTS.cp,
        signal: options?.signal,
      },
    )
  }

  async cpOut(
    name: string,
    guestPath: string,
    hostPath: string,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<void> {
    await this.runOk(
      cpOutArgv(name, guestPath, hostPath),
      `smolvm machine cp ${name}:${guestPath} → ${hostPath}`,
      {
        timeoutMs: options?.timeoutMs ?? SMOLVM_TIMEOUTS.cp,
        signal: options?.signal,
      },
    )
  }

  async dataDir(name: string): Promise<string> {
    const version = await this.version()
    const { spec, result } = await this.runOk(
      dataDirArgv(version, name),
      `smolvm machine data-dir ${name}`,
      {
        timeoutMs: SMOLVM_TIMEOUTS.query,
      },
    )
    const dir = result.stdout.trim()
    if (!isAbsolute(dir) || dir.includes('\n'))
      throw this.unexpected(spec, result, `data-dir printed ${JSON.stringify(dir)}, not a path`)
    return dir
  }

  async sessionCommand(
    name: string,
    o: { workdir: string; env: readonly GuestEnvVar[]; command: readonly string[] },
  ): Promise<PtyCommand> {
    const { args, hostEnv } = sessionArgv(name, o)
    return { file: this.binary, args, env: { ...this.env, ...QUIET, ...hostEnv } }
  }

  private execSpec(
    name: string,
    argv: readonly string[],
    o: ExecOptions,
    stream: boolean,
  ): CommandSpec {
    const { args, hostEnv } = machineExecArgv(name, argv, {
      workdir: o.workdir,
      env: o.env,
      interactive: o.input !== undefined,
      stream: stream && o.input === undefined,
      timeoutMs: o.timeoutMs,
    })
    return this.spec(args, {
      timeoutMs: o.timeoutMs + SMOLVM_TIMEOUTS.execGrace,
      hostEnv,
      input: o.input,
      signal: o.signal,
    })
  }

  /** For exec, only smolvm's own failures are errors; any other exit code is the guest's. */
  private execFailure(spec: CommandSpec, result: CommandResult, name: string): SmolvmError | null {
    const failed =
      result.timedOut || result.cancelled || result.exitCode === -1 || isOwnExecFailure(result)
    return failed ? this.fail(spec, result, `smolvm machine exec ${name}`) : null
  }

  private spec(args: string[], o: RunOptions): CommandSpec {
    const hostEnv = o.hostEnv ?? {}
    return {
      file: this.binary,
      args,
      timeoutMs: o.timeoutMs,
      env: { ...this.env, ...QUIET, ...hostEnv },
      secrets: Object.values(hostEnv),
      input: o.input,
      signal: o.signal,
    }
  }

  private async runOk(
    args: string[],
    what: string,
    o: RunOptions,
  ): Promise<{ spec: CommandSpec; result: CommandResult }> {
    const spec = this.spec(args, o)
    const result = await this.runner.run(spec)
    if (result.exitCode !== 0 || result.timedOut || result.cancelled)
      throw this.fail(spec, result, what)
    return { spec, result }
  }

  private fail(spec: CommandSpec, result: CommandResult, what: string): SmolvmError {
    const error = smolvmError(spec, result, what)
    // clap rejecting our argv usually means smolvm was replaced by another version.
    if (error.kind === 'usage') this.versionCache = null
    return error
  }

  private unexpected(spec: CommandSpec, result: CommandResult, message: string): SmolvmError {
    const { failure } = smolvmError(spec, result, message)
    return new SmolvmError(message, { ...failure, stdout: result.stdout.slice(0, 2000) }, 'other')
  }
}

/** smolvm's own `--timeout` ends the guest command with 124 and says so on stderr. */
function markGuestTimeout(result: CommandResult): CommandResult {
  const guestTimedOut =
    result.exitCode === 124 && /command timed out after \d+ms\s*$/.test(result.stderr)
  return guestTimedOut ? { ...result, timedOut: true } : result
}

export function createSmolvm(options: SmolvmOptions): Smolvm {
  return new SmolvmCli(options)
}
