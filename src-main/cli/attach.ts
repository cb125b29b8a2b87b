import { execa } from 'execa'
import { constants } from 'node:os'
import type { Bottle, SessionInfo } from '../../src-shared/contract'
import type { RpcClient } from '../../src-shared/rpc/client'
import { RpcError, isRpcError } from '../../src-shared/rpc/errors'
import type { PtyCommand } from '../core/smolvm/types'
import { linkTerminal, terminalSize } from './session-terminal'

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

export interface JoinOptions {
  /** A client of the backend (app or serve) that runs the bottle's agent session. */
  client: RpcClient
  /** The bottle, as the backend lists it. */
  bottle: Bottle
  err(text: string): void
  /** Resolves on SIGINT/SIGTERM: detach. */
  interrupted: Promise<void>
  /** process.stdin, or a stand-in in tests. */
  stdin?: NodeJS.ReadStream
}

/**
 * `bot-bottle attach <bottle>` with a backend running: this terminal joins
 * the agent session the backend runs (the one the app shows), or opens it if
 * none runs. Returns the agent's exit code when it exits, 0 on detach (the
 * agent keeps running), 1 when it cannot attach or the backend goes away.
 */
export async function joinAgentSession(o: JoinOptions): Promise<number> {
  const stdin = o.stdin ?? process.stdin
  const stdout = process.stdout
  if (!stdin.isTTY || !stdin.setRawMode) {
    o.err('attach needs an interactive terminal: stdin is not a TTY')
    return 1
  }
  const { bottle } = o
  let session: SessionInfo
  try {
    if (bottle.state !== 'running')
      throw new RpcError('PRECONDITION', `bottle ${bottle.id} is ${bottle.state}`)
    session = await agentSession(o.client, bottle.id, terminalSize(stdout))
  } catch (e) {
    o.err(
      `cannot attach to ${bottle.id}: ${isRpcError(e) || e instanceof Error ? e.message : String(e)}`,
    )
    return 1
  }
  o.err(`attached to ${bottle.id} · detach: Ctrl-]`)
  const end = await linkTerminal({
    client: o.client,
    sessionId: session.id,
    stdin,
    stdout,
    interrupted: o.interrupted,
  })
  switch (end.kind) {
    case 'exit':
      return end.signal !== null ? 128 + end.signal : (end.exitCode ?? 1)
    case 'detached':
      o.err(`detached from ${bottle.id}; its agent keeps running`)
      return 0
    case 'lost':
      o.err(`lost the agent session of ${bottle.id}: ${end.reason}`)
      return 1
  }
}

/** The bottle's running agent session (the first, the one the backend started), sized to this terminal. */
async function agentSession(
  client: RpcClient,
  bottleId: string,
  size: { cols: number; rows: number },
): Promise<SessionInfo> {
  const sessions = await client.call('sessions.list', { bottleId })
  const running = sessions.find((s) => s.kind === 'agent' && s.state === 'running')
  if (!running) return client.call('sessions.open', { bottleId, kind: 'agent', ...size })
  // Before the snapshot, so that it comes at this terminal's size.
  await client.call('sessions.resize', { sessionId: running.id, ...size })
  return running
}

/**
 * `bot-bottle attach <bottle>` with no backend running: a new agent process
 * in the bottle, in this terminal. The session command runs with this process's stdio, so smolvm sees a TTY
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
