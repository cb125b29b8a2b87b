import {
  CommandError,
  commandError,
  type CommandFailure,
  type CommandResult,
  type CommandSpec,
} from '../base/exec'
import type { SmolvmErrorKind } from './types'

export const INSTALL_HINT =
  'Install smolvm (curl -sSL https://smolmachines.com/install.sh | bash), or set its path in Settings or BOT_BOTTLE_SMOLVM.'

export interface SmolvmFailure extends CommandFailure {
  kind: SmolvmErrorKind
}

/** A smolvm call that failed, with what kind of failure it was. */
export class SmolvmError extends CommandError {
  constructor(
    message: string,
    failure: CommandFailure,
    readonly kind: SmolvmErrorKind,
    code: 'COMMAND_FAILED' | 'TIMEOUT' | 'CANCELLED' = kind === 'timeout'
      ? 'TIMEOUT'
      : 'COMMAND_FAILED',
  ) {
    const details: SmolvmFailure = { ...failure, kind }
    super(message, details, code)
  }
}

export function isSmolvmError(e: unknown, kind?: SmolvmErrorKind): e is SmolvmError {
  return e instanceof SmolvmError && (kind === undefined || e.kind === kind)
}

/** Lines smolvm prints for its own errors: `Error: <thiserror Display>` (src/data/errors.rs). */
const OWN_ERROR =
  /^Error: (vm not found|vm creation failed|hypervisor not available|invalid vm state|rootfs |storage operation failed|disk not found|mount |invalid mount path|config operation failed|database |command '.*' failed|agent operation failed|kvm |io operation failed)/

/**
 * What `exec --stream` prints when its stream breaks after the guest started
 * (ExecEventPrinter, src/cli/machine.rs, every release): `error: <msg>`, then
 * exit 1. The message is the agent client's own error (an `io operation
 * failed: …` or `agent operation failed: …` Display) or, from 1.3.8, its
 * output cap. It directly follows the guest's output, so it may end a line
 * the guest left unfinished; unanchored for that.
 */
const STREAM_BROKE =
  /error: (io operation failed: |agent operation failed: |streaming output exceeded \d+ byte cap)/

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .pop() ?? ''
  )
}

/** clap's rejection of the argv: exit 2, `error: …` and a `Usage: smolvm …` line. */
export function isUsageError(r: Pick<CommandResult, 'exitCode' | 'stderr'>): boolean {
  return r.exitCode === 2 && /^error: /m.test(r.stderr) && /^Usage: smolvm /m.test(r.stderr)
}

/**
 * Whether a finished `machine exec` failed in smolvm itself (exit 1 and its
 * `Error: …` as the last stderr line) rather than in the guest command. The
 * two share exit code 1; only smolvm's own error shapes count, so a guest
 * that prints "Error: something" and exits 1 is still the guest's result.
 */
export function isOwnExecFailure(r: Pick<CommandResult, 'exitCode' | 'stderr'>): boolean {
  return (r.exitCode === 1 && OWN_ERROR.test(lastLine(r.stderr))) || isUsageError(r)
}

/**
 * Whether a finished `machine exec --stream` ended because smolvm's stream
 * broke, not because the guest exited 1. Only for `--stream`: nothing else
 * prints that line, so elsewhere a guest's own `error: …` stays its result.
 */
export function isStreamBroken(r: Pick<CommandResult, 'exitCode' | 'stderr'>): boolean {
  return r.exitCode === 1 && STREAM_BROKE.test(lastLine(r.stderr))
}

/**
 * The error for an `exec --stream` whose stream broke (see isStreamBroken),
 * else null. With `-i`/`-t` smolvm does not use the stream printer, whatever
 * `--stream` says.
 */
export function streamBrokeError(spec: CommandSpec, result: CommandResult): SmolvmError | null {
  const end = spec.args.indexOf('--')
  const own = end === -1 ? spec.args : spec.args.slice(0, end)
  const streamed =
    own.includes('--stream') && !own.some((a) => /^(-i|-t|--interactive|--tty)$/.test(a))
  if (!streamed || !isStreamBroken(result)) return null
  const at = own.indexOf('--name')
  return smolvmError(spec, result, `smolvm machine exec${at === -1 ? '' : ` ${own[at + 1]}`}`)
}

export function classifySmolvmFailure(
  r: Pick<CommandResult, 'exitCode' | 'stderr' | 'timedOut' | 'cancelled'>,
): SmolvmErrorKind {
  if (r.timedOut) return 'timeout'
  if (r.exitCode === -1 && /^(ENOENT|EACCES)\b/m.test(r.stderr)) return 'not-installed'
  if (r.exitCode === 2) return 'usage'
  if (/\bvm not found\b|\bmachine '[^']*' not found\b/.test(r.stderr)) return 'not-found'
  if (/\balready exists\b/.test(r.stderr)) return 'already-exists'
  if (/\bis not running\b/.test(r.stderr)) return 'not-running'
  if (/\bkvm (not available|permission denied)\b/i.test(r.stderr)) return 'kvm'
  return 'other'
}

/** The error for a smolvm call that did not succeed; `what` names the operation for humans. */
export function smolvmError(spec: CommandSpec, result: CommandResult, what: string): SmolvmError {
  const base = commandError(spec, result, what)
  const kind = classifySmolvmFailure(result)
  const message =
    kind === 'not-installed'
      ? `${what}: smolvm not found at ${spec.file}. ${INSTALL_HINT}`
      : base.message
  return new SmolvmError(
    message,
    base.failure,
    kind,
    base.code as 'COMMAND_FAILED' | 'TIMEOUT' | 'CANCELLED',
  )
}
