import { randomBytes } from 'node:crypto'
import type {
  SessionEvent,
  SessionInfo,
  SessionKind,
  SessionSnapshot,
} from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { describeCommand } from '../base/exec'
import { Emitter, type Disposable, type Event } from '../base/lifecycle'
import { nullLogger, type Logger } from '../base/logger'
import { PtySession } from './pty-session'
import { ensureSpawnHelperExecutable } from './spawn-helper'
import type { SessionCommandProvider, SessionStats, SessionViewer } from './types'

/** What `onDidChange` reports; `sessions.events` prefixes it with a snapshot. */
export type SessionChange = Exclude<SessionEvent, { kind: 'snapshot' }>

/** A session's process has exited; `requested` when close() (or its bottle stopping) ended it. */
export interface SessionEnd {
  session: SessionInfo
  requested: boolean
}

export interface OpenSessionParams {
  bottleId: string
  kind: SessionKind
  cols: number
  rows: number
}

let spawnHelperChecked = false

/**
 * Every terminal session of every bottle. A session lives as long as its
 * process, whoever watches it; an ended one keeps its scrollback until
 * dismissed. Viewers attach per connection (`viewerKey`) with their own flow
 * control, and start from the mirror's snapshot.
 */
export class SessionService implements Disposable {
  private readonly sessions = new Map<string, PtySession>()
  private readonly titles = new Map<string, number>()
  private readonly changeEmitter = new Emitter<SessionChange>()
  readonly onDidChange: Event<SessionChange> = this.changeEmitter.event
  private readonly endEmitter = new Emitter<SessionEnd>()
  readonly onDidEnd: Event<SessionEnd> = this.endEmitter.event
  private readonly endReported = new WeakSet<PtySession>()
  private disposed = false

  constructor(
    private readonly provider: SessionCommandProvider,
    private readonly logger: Logger = nullLogger,
    private readonly tuning: { stalledViewerMs?: number } = {},
  ) {
    if (!spawnHelperChecked) {
      spawnHelperChecked = true
      ensureSpawnHelperExecutable(logger)
    }
  }

  list(bottleId?: string): SessionInfo[] {
    const out: SessionInfo[] = []
    for (const s of this.sessions.values())
      if (bottleId === undefined || s.bottleId === bottleId) out.push(s.info())
    return out
  }

  get(sessionId: string): SessionInfo {
    return this.find(sessionId).info()
  }

  async open(params: OpenSessionParams): Promise<SessionInfo> {
    this.assertOpen()
    const command = await this.provider(params.bottleId, params.kind)
    this.assertOpen()
    const id = `s_${randomBytes(9).toString('base64url')}`
    const shown = describeCommand({ ...command, secrets: Object.values(command.env) })
    let session: PtySession
    try {
      session = new PtySession({
        id,
        bottleId: params.bottleId,
        kind: params.kind,
        title: this.nextTitle(params.bottleId, params.kind),
        cols: params.cols,
        rows: params.rows,
        command,
        onChange: (s) => this.onSessionChange(s),
        stalledViewerMs: this.tuning.stalledViewerMs,
      })
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      this.logger.error(
        `cannot start a ${params.kind} session: ${shown}: ${message}`,
        params.bottleId,
      )
      throw new RpcError('COMMAND_FAILED', `cannot start the ${params.kind} session: ${message}`, {
        command: shown,
        exitCode: null,
        stderr: message,
      })
    }
    this.sessions.set(id, session)
    this.logger.info(
      `session ${id} (${params.kind}) started, pid ${session.pid}: ${shown}`,
      params.bottleId,
    )
    const info = session.info()
    this.changeEmitter.fire({ kind: 'upsert', session: info })
    return info
  }

  /** Keystrokes or a paste, for this session only. */
  input(sessionId: string, data: string): void {
    this.find(sessionId).input(data)
  }

  /** `viewerKey`: the connection asking (its size comes back when another viewer leaves). */
  resize(sessionId: string, cols: number, rows: number, viewerKey?: string): void {
    this.find(sessionId).resize(cols, rows, viewerKey)
  }

  ack(sessionId: string, viewerKey: string, chars: number): void {
    this.find(sessionId).ack(viewerKey, chars)
  }

  attach(sessionId: string, viewerKey: string, viewer: SessionViewer): Disposable {
    return this.find(sessionId).attach(viewerKey, viewer)
  }

  async snapshot(sessionId: string): Promise<SessionSnapshot> {
    return this.find(sessionId).snapshot()
  }

  /** Ends a running session (idempotent); resolves once its process has exited. */
  async close(sessionId: string, reason?: string): Promise<void> {
    return this.find(sessionId).close(reason)
  }

  /** Ends every running session of a bottle (it is stopping); they stay listed as ended. */
  async closeAllForBottle(bottleId: string, reason: string): Promise<void> {
    const running = [...this.sessions.values()].filter((s) => s.bottleId === bottleId && s.running)
    await Promise.all(running.map((s) => s.close(reason)))
  }

  /** Forgets an ended session and its scrollback. */
  dismiss(sessionId: string): void {
    const session = this.find(sessionId)
    if (session.running) {
      throw new RpcError('PRECONDITION', `session ${sessionId} is still running; close it first`)
    }
    this.sessions.delete(sessionId)
    session.dispose()
    this.releaseTitle(session.bottleId)
    this.changeEmitter.fire({ kind: 'removed', id: sessionId })
  }

  /** Forgets every ended session of a bottle (it was removed); running ones stay. */
  dismissAllForBottle(bottleId: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.bottleId === bottleId && !s.running) this.dismiss(s.id)
    }
  }

  stats(sessionId: string): SessionStats {
    return this.find(sessionId).stats()
  }

  /** Kills every process at once (the app is quitting). */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const s of this.sessions.values()) s.dispose()
    this.sessions.clear()
    this.changeEmitter.dispose()
  }

  private find(sessionId: string): PtySession {
    const s = this.sessions.get(sessionId)
    if (!s) throw new RpcError('NOT_FOUND', `no session ${sessionId}`)
    return s
  }

  private assertOpen(): void {
    if (this.disposed) throw new RpcError('UNAVAILABLE', 'the backend is shutting down')
  }

  private onSessionChange(session: PtySession): void {
    if (this.sessions.get(session.id) !== session) return
    const info = session.info()
    if (info.state === 'exited') {
      const how = info.signal !== null ? `signal ${info.signal}` : `exit code ${info.exitCode}`
      this.logger.info(`session ${info.id} (${info.kind}) ended: ${how}`, info.bottleId)
    }
    this.changeEmitter.fire({ kind: 'upsert', session: info })
    if (info.state === 'exited' && !this.endReported.has(session)) {
      this.endReported.add(session)
      this.endEmitter.fire({ session: info, requested: session.closeRequested })
    }
  }

  /** "agent", "shell", then "shell 2", … per bottle. */
  private nextTitle(bottleId: string, kind: SessionKind): string {
    const key = `${bottleId}\0${kind}`
    const n = (this.titles.get(key) ?? 0) + 1
    this.titles.set(key, n)
    return n === 1 ? kind : `${kind} ${n}`
  }

  private releaseTitle(bottleId: string): void {
    if (this.list(bottleId).length) return
    for (const kind of ['agent', 'shell'] as const) this.titles.delete(`${bottleId}\0${kind}`)
  }
}
