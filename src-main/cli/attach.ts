import { execa } from 'execa'
import { constants } from 'node:os'
import { isRpcError } from '../../src-shared/rpc/errors'
import type { PtyCommand } from '../core/smolvm/types'

/** The terminal `attach` takes over: process.stdin, or a stand-in in tests. */
export interface AttachTerminal {
  readonly isTTY?: boolean
  setRawMode?(raw: boolean): unknown
}

export interface AttachOptions {
  bottleId: string
  /**
   * The agent session's command line for the bottle (the same one the app
   * runs under node-pty). Throws, e.g. an RpcError PRECONDITION, when the
   * bottle is not running.
   */
  sessionCommand: (bottleId: string) => Promise<PtyCommand>
  /** Error output (CliIO.err). */
  err(text: string): void
  stdin?: AttachTerminal
}

/**
 * `bot-bottle attach <bottle>`: joins the bottle's agent in this terminal.
 * The session command runs with this process's stdio, so smolvm sees a TTY
 * and forwards raw keys and resizes itself. Returns the exit code (the
 * guest's, or 128+N for a signal); 1 with a message when it cannot attach.
 *
 * Interactive and unbounded by nature, so it is the one command that runs
 * without CommandRunner's timeout (still execa, still an argv array).
 */
export async function attachCommand(options: AttachOptions): Promise<number> {
  const stdin = options.stdin ?? process.stdin
  let command: PtyCommand
  try {
    command = await options.sessionCommand(options.bottleId)
  } catch (e) {
    const why = isRpcError(e) || e instanceof Error ? e.message : String(e)
    options.err(`cannot attach to ${options.bottleId}: ${why}`)
    return 1
  }
  if (!stdin.isTTY || !stdin.setRawMode) {
    options.err('attach needs an interactive terminal: stdin is not a TTY')
    return 1
  }
  // Raw from the first byte; setRawMode(false) afterwards restores the
  // terminal exactly as it was, even if the session dies without cleaning up.
  stdin.setRawMode(true)
  // The terminal delivers ^C and friends to the session (same process group);
  // this process must outlive them to restore the terminal.
  const ignore = (): void => {}
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTSTP']
  for (const s of signals) process.on(s, ignore)
  try {
    const child = await execa(command.file, command.args, {
      stdio: 'inherit',
      env: command.env,
      extendEnv: true,
      reject: false,
    })
    if (typeof child.exitCode === 'number') return child.exitCode
    if (child.signal) return 128 + (constants.signals[child.signal] ?? 0)
    options.err(
      `cannot attach to ${options.bottleId}: ${child.message ?? 'the session did not start'}`,
    )
    return 1
  } finally {
    for (const s of signals) process.off(s, ignore)
    stdin.setRawMode(false)
  }
}
