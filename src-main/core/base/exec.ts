import { execa } from 'execa'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { Logger } from './logger'
import { redact } from './redact'

/** One external command. Always an argv array: no shell ever parses it. */
export interface CommandSpec {
  file: string
  args: readonly string[]
  /** Every call has one; a hung CLI must not hang the app. */
  timeoutMs: number
  /** Added to the inherited environment. Secret values go here, never in args. */
  env?: Record<string, string>
  /** Values to scrub from anything logged or put in an error. */
  secrets?: readonly string[]
  /** The child's stdin: text, bytes, or a file streamed from disk (never read into memory). */
  input?: CommandInput
  cwd?: string
  signal?: AbortSignal
  /** Bytes kept per stream; the rest is dropped (and noted). */
  maxBuffer?: number
}

export type CommandInput = string | Buffer | { file: string }

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
  timedOut: boolean
  cancelled: boolean
  durationMs: number
}

/** Details a COMMAND_FAILED / TIMEOUT error carries to the UI. */
export interface CommandFailure {
  command: string
  exitCode: number | null
  stderr: string
  stdout?: string
}

/** What ran, as a shell-like line for humans, with secrets masked. */
export function describeCommand(spec: Pick<CommandSpec, 'file' | 'args' | 'secrets'>): string {
  const quote = (a: string): string =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
  return redact([spec.file, ...spec.args].map(quote).join(' '), spec.secrets ?? [])
}

export class CommandError extends RpcError {
  constructor(
    message: string,
    readonly failure: CommandFailure,
    code: 'COMMAND_FAILED' | 'TIMEOUT' | 'CANCELLED' = 'COMMAND_FAILED',
  ) {
    super(code, message, failure)
  }
}

/** Builds the error for a finished command that did not do what was asked. */
export function commandError(
  spec: CommandSpec,
  result: CommandResult,
  what?: string,
): CommandError {
  const command = describeCommand(spec)
  const stderr = redact(result.stderr.trim(), spec.secrets ?? []).slice(-8000)
  if (result.cancelled)
    return new CommandError(
      `${what ?? command}: cancelled`,
      { command, exitCode: null, stderr },
      'CANCELLED',
    )
  if (result.timedOut) {
    return new CommandError(
      `${what ?? command}: timed out after ${spec.timeoutMs} ms`,
      { command, exitCode: null, stderr },
      'TIMEOUT',
    )
  }
  const lastLine = stderr.split('\n').filter(Boolean).pop() ?? `exit code ${result.exitCode}`
  return new CommandError(`${what ?? command}: ${lastLine}`, {
    command,
    exitCode: result.exitCode,
    stderr,
  })
}

export interface CommandObserver {
  (event: { spec: CommandSpec; result: CommandResult }): void
}

/**
 * Runs external commands through execa. Never rejects for a non-zero exit:
 * callers read `exitCode` (smolvm's exec passes the guest's code through).
 * Observers see every call (benchmarks count CLI calls per refresh).
 */
export class CommandRunner {
  private readonly observers = new Set<CommandObserver>()

  constructor(private readonly logger?: Logger) {}

  observe(o: CommandObserver): () => void {
    this.observers.add(o)
    return () => this.observers.delete(o)
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const started = performance.now()
    const child = await execa(spec.file, [...spec.args], {
      timeout: spec.timeoutMs,
      env: spec.env,
      extendEnv: true,
      ...stdinOption(spec.input),
      cwd: spec.cwd,
      cancelSignal: spec.signal,
      reject: false,
      stripFinalNewline: false,
      maxBuffer: spec.maxBuffer ?? 64 * 1024 * 1024,
      windowsHide: true,
      forceKillAfterDelay: 2000,
    })
    const result: CommandResult = {
      exitCode:
        typeof child.exitCode === 'number'
          ? child.exitCode
          : child.signal
            ? 128 + signalNumber(child.signal)
            : -1,
      stdout: typeof child.stdout === 'string' ? child.stdout : '',
      stderr: (typeof child.stderr === 'string' ? child.stderr : '') + spawnFailureText(child),
      timedOut: child.timedOut,
      cancelled: child.isCanceled,
      durationMs: performance.now() - started,
    }
    this.logger?.debug(
      `${describeCommand(spec)} → ${result.timedOut ? 'timeout' : result.exitCode} in ${Math.round(result.durationMs)} ms`,
    )
    for (const o of this.observers) o({ spec, result })
    return result
  }

  /** Runs and throws a CommandError unless the exit code is 0. */
  async runOk(spec: CommandSpec, what?: string): Promise<CommandResult> {
    const result = await this.run(spec)
    if (result.exitCode !== 0 || result.timedOut || result.cancelled)
      throw commandError(spec, result, what)
    return result
  }
}

function spawnFailureText(child: {
  failed: boolean
  exitCode?: number
  code?: string
  message?: string
}): string {
  // ENOENT and friends: execa reports them with no exit code.
  if (child.failed && child.exitCode === undefined && child.code)
    return `\n${child.code}: ${child.message ?? ''}`
  return ''
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGPIPE: 13,
}
function signalNumber(sig: string): number {
  return SIGNALS[sig] ?? 0
}

/** execa's stdin options for a `CommandInput`. */
export function stdinOption(
  input: CommandInput | undefined,
): { stdin: 'ignore' } | { stdin: { file: string } } | { input: string | Buffer } {
  if (input === undefined) return { stdin: 'ignore' }
  if (typeof input === 'string' || Buffer.isBuffer(input)) return { input }
  return { stdin: { file: input.file } }
}
