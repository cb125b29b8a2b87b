import { homedir } from 'node:os'
import * as nodePty from 'node-pty'
import type {
  SessionInfo,
  SessionKind,
  SessionOutputEvent,
  SessionSnapshot,
} from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { toDisposable, type Disposable } from '../base/lifecycle'
import type { PtyCommand } from '../smolvm/types'
import { DataBatcher } from './data-batcher'
import { FlowControlConstants, FlowController, type FlowConsumer } from './flow-control'
import { HeadlessMirror } from './headless-mirror'
import { InputConstants, chunkInput } from './input-chunks'
import type { SessionStats, SessionViewer } from './types'

export const ShutdownConstants = {
  /**
   * On close, kill once the pty has been quiet this long, so output already
   * produced reaches the viewers first (VS Code: node-pty drops what is
   * unread at kill time).
   */
  DataFlushTimeoutMs: 250,
  /** …but never wait longer than this for a producer that does not stop. */
  MaximumShutdownMs: 1000,
  /** SIGHUP first; SIGKILL if the process is still there after this. */
  KillTimeoutMs: 3000,
  /**
   * While paused, how often to check that the process is still alive: node-pty
   * destroys an unread socket 200 ms after the process exits, so a pty that
   * stays paused then would lose the process's last output.
   */
  ExitProbeMs: 50,
  /**
   * A viewer that holds the pty paused without acknowledging anything for this
   * long (a background browser tab, a frozen window) is detached, so one stuck
   * viewer never stalls the agent; it reattaches from the snapshot.
   */
  StalledViewerMs: 10_000,
} as const

/** Input queued beyond this is refused (a client pasting faster than the pty takes it). */
const MAX_QUEUED_INPUT_CHARS = 4 << 20

export interface PtySessionOptions {
  id: string
  bottleId: string
  kind: SessionKind
  title: string
  cols: number
  rows: number
  command: PtyCommand
  /** Called when what `info()` returns changes (resize, exit). */
  onChange(session: PtySession): void
  /** Overrides ShutdownConstants.StalledViewerMs (tests). */
  stalledViewerMs?: number
}

interface Viewer {
  readonly key: string
  readonly sink: SessionViewer
  readonly consumer: FlowConsumer
  /** Output held until the snapshot is sent; null once the viewer is live. */
  pending: string[] | null
  pendingChars: number
  /** When it last acknowledged output (or attached). */
  lastAckAt: number
}

/**
 * One pty process and everything attached to it: a headless mirror fed with
 * all output, a batcher, per-viewer flow control, and an input queue. Lives as
 * long as its process; after exit it keeps the mirror (scrollback) until disposed.
 */
export class PtySession {
  readonly id: string
  readonly bottleId: string
  readonly kind: SessionKind
  readonly title: string
  readonly pid: number
  private readonly startedAt = new Date().toISOString()
  private endedAt: string | null = null
  private exitCode: number | null = null
  private signal: number | null = null
  private cols: number
  private rows: number

  private readonly pty: nodePty.IPty
  private readonly mirror: HeadlessMirror
  private readonly flow: FlowController
  private readonly mirrorConsumer: FlowConsumer
  private readonly batcher: DataBatcher
  private readonly decoder = new TextDecoder('utf-8')
  private readonly viewers = new Set<Viewer>()
  private readonly ptyListeners: Disposable[]
  private readonly waiting = new Set<{ fn: () => void; fail: (e: Error) => void }>()

  private stalledViewers = 0
  private inputQueue: string[] = []
  private inputQueuedChars = 0
  private inputTimer: ReturnType<typeof setTimeout> | undefined
  private outputChars = 0
  private exitProbe: ReturnType<typeof setInterval> | undefined
  /** Set by close(): why, and the timer that kills once output has gone quiet. */
  private closing:
    | { reason: string | undefined; flushTimer?: ReturnType<typeof setTimeout>; killed: boolean }
    | undefined
  private readonly shutdownTimers: ReturnType<typeof setTimeout>[] = []
  private disposed = false
  private readonly exited: Promise<void>
  private markExited!: () => void

  constructor(private readonly options: PtySessionOptions) {
    this.id = options.id
    this.bottleId = options.bottleId
    this.kind = options.kind
    this.title = options.title
    this.cols = options.cols
    this.rows = options.rows
    this.exited = new Promise((resolve) => (this.markExited = resolve))
    const { command } = options
    // encoding null: raw Buffers, decoded here with a streaming decoder so a
    // multi-byte character split across two reads is emitted once, whole.
    this.pty = nodePty.spawn(command.file, command.args, {
      name: 'xterm-256color',
      cols: this.cols,
      rows: this.rows,
      cwd: homedir(),
      env: { ...process.env, ...command.env } as Record<string, string>,
      encoding: null,
    })
    this.pid = this.pty.pid
    this.mirror = new HeadlessMirror(this.cols, this.rows)
    this.flow = new FlowController({
      pause: () => {
        this.pty.pause()
        this.exitProbe ??= setInterval(() => this.probeExit(), ShutdownConstants.ExitProbeMs)
      },
      resume: () => {
        this.stopExitProbe()
        this.pty.resume()
      },
    })
    this.mirrorConsumer = this.flow.add()
    this.batcher = new DataBatcher((batch) => this.deliver(batch))
    const onData = this.pty.onData as unknown as nodePty.IEvent<Buffer>
    this.ptyListeners = [
      onData((chunk) => this.output(this.decoder.decode(chunk, { stream: true }))),
      this.pty.onExit(({ exitCode, signal }) => this.onExit(exitCode, signal)),
    ]
  }

  get running(): boolean {
    return this.endedAt === null
  }

  /** Whether the session was ended on request (close, its bottle stopping) rather than on its own. */
  get closeRequested(): boolean {
    return this.closing !== undefined || this.disposed
  }

  info(): SessionInfo {
    return {
      id: this.id,
      bottleId: this.bottleId,
      kind: this.kind,
      title: this.title,
      state: this.running ? 'running' : 'exited',
      cols: this.cols,
      rows: this.rows,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      exitCode: this.exitCode,
      signal: this.signal,
    }
  }

  stats(): SessionStats {
    let pending = 0
    for (const v of this.viewers) pending += v.pendingChars
    const flow = this.flow.stats
    return {
      ...flow,
      viewers: this.viewers.size,
      retainedChars: this.batcher.pendingChars + this.mirrorConsumer.unacked + pending,
      outputChars: this.outputChars,
      stalledViewers: this.stalledViewers,
    }
  }

  /**
   * Adds a viewer under `key` (the connection it acknowledges from). It gets
   * the screen as of an exact point in the output, then everything after it.
   */
  attach(key: string, sink: SessionViewer): Disposable {
    this.assertAlive()
    // What is batched now is already in the mirror: existing viewers take it,
    // the new one sees it in its snapshot.
    this.batcher.flush()
    const viewer: Viewer = {
      key,
      sink,
      consumer: this.flow.add(),
      pending: [],
      pendingChars: 0,
      lastAckAt: Date.now(),
    }
    this.viewers.add(viewer)
    this.whenCaughtUp(() => {
      if (!this.viewers.has(viewer)) return
      sink.emit({ kind: 'snapshot', ...this.mirror.serialize() })
      const queued = viewer.pending ?? []
      viewer.pending = null
      viewer.pendingChars = 0
      if (queued.length) sink.emit({ kind: 'data', data: queued.join('') })
      if (!this.running) sink.emit(this.exitEvent())
    })
    return toDisposable(() => this.detach(viewer))
  }

  /** Characters the viewers under `key` have written. */
  ack(key: string, chars: number): void {
    // Several subscriptions of one connection share its acks: credit the one
    // furthest behind, so the sum stays exact and none is held back for good.
    let target: Viewer | undefined
    for (const v of this.viewers) {
      if (v.key !== key || v.pending) continue
      if (!target || v.consumer.unacked > target.consumer.unacked) target = v
    }
    if (target) {
      target.lastAckAt = Date.now()
      this.flow.ack(target.consumer, chars)
    }
  }

  input(data: string): void {
    if (!this.running || this.closing) {
      throw new RpcError(
        'PRECONDITION',
        `session ${this.id} has ${this.running ? 'been closed' : 'ended'}`,
      )
    }
    if (this.inputQueuedChars + data.length > MAX_QUEUED_INPUT_CHARS) {
      throw new RpcError('PRECONDITION', `session ${this.id} is not taking input this fast`)
    }
    const chunks = chunkInput(data)
    this.inputQueue.push(...chunks)
    this.inputQueuedChars += data.length
    if (this.inputTimer === undefined) this.writeInput()
  }

  /**
   * The last size each viewer's connection asked for, in asking order: when
   * the viewer whose size the pty has leaves (a CLI attach detaching from
   * its 80×24 terminal), the one that asked most recently gets its size back.
   */
  private readonly sizes = new Map<string, { cols: number; rows: number }>()

  resize(cols: number, rows: number, key?: string): void {
    if (key !== undefined) {
      this.sizes.delete(key)
      this.sizes.set(key, { cols, rows })
    }
    if (!this.running || (cols === this.cols && rows === this.rows)) return
    try {
      this.pty.resize(cols, rows)
    } catch {
      return // the process exited in between; its exit is on its way
    }
    this.cols = cols
    this.rows = rows
    this.mirror.resize(cols, rows)
    this.options.onChange(this)
  }

  /** The screen and scrollback, including every byte read so far. */
  snapshot(): Promise<SessionSnapshot> {
    this.assertAlive()
    return new Promise((resolve, reject) =>
      this.whenCaughtUp(() => resolve(this.mirror.serialize()), reject),
    )
  }

  /**
   * Ends the process: once its output has gone quiet (or after a bound),
   * SIGHUP, then SIGKILL. `reason` is shown at the end of the output.
   * Resolves when the process has exited.
   */
  close(reason?: string): Promise<void> {
    if (!this.running) return Promise.resolve()
    if (!this.closing) {
      this.closing = { reason, killed: false }
      this.clearInput()
      this.scheduleKill()
      this.shutdownTimers.push(setTimeout(() => this.kill(), ShutdownConstants.MaximumShutdownMs))
    }
    return this.exited
  }

  /** Kills at once (the app is quitting), ends every viewer, frees the mirror. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    if (this.running) {
      try {
        this.pty.kill('SIGHUP')
      } catch {
        // already gone
      }
    }
    for (const d of this.ptyListeners) d.dispose()
    this.clearInput()
    this.stopExitProbe()
    for (const t of this.shutdownTimers) clearTimeout(t)
    if (this.closing?.flushTimer) clearTimeout(this.closing.flushTimer)
    this.batcher.dispose()
    for (const w of this.waiting)
      w.fail(new RpcError('NOT_FOUND', `session ${this.id} was dismissed`))
    this.waiting.clear()
    const viewers = [...this.viewers]
    this.viewers.clear()
    for (const v of viewers) v.sink.end()
    this.mirror.dispose()
    this.markExited()
  }

  private assertAlive(): void {
    if (this.disposed) throw new RpcError('NOT_FOUND', `session ${this.id} was dismissed`)
  }

  private whenCaughtUp(fn: () => void, fail: (e: Error) => void = () => {}): void {
    const entry = { fn, fail }
    this.waiting.add(entry)
    this.mirror.whenCaughtUp(() => {
      if (this.waiting.delete(entry)) fn()
    })
  }

  private output(text: string): void {
    if (text.length === 0 || this.disposed) return
    this.outputChars += text.length
    const n = text.length
    this.flow.sent(this.mirrorConsumer, n)
    this.mirror.write(text, () => this.flow.ack(this.mirrorConsumer, n))
    // No viewer, no queue: the mirror is all a detached session keeps.
    if (this.viewers.size) this.batcher.push(text)
    if (this.closing && !this.closing.killed) this.scheduleKill()
  }

  private deliver(batch: string): void {
    for (const v of this.viewers) {
      this.flow.sent(v.consumer, batch.length)
      if (v.pending) {
        v.pending.push(batch)
        v.pendingChars += batch.length
      } else {
        v.sink.emit({ kind: 'data', data: batch })
      }
    }
  }

  private detach(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return
    this.flow.remove(viewer.consumer)
    if ([...this.viewers].some((v) => v.key === viewer.key)) return
    this.sizes.delete(viewer.key)
    // The size of the viewer that asked last among those still watching.
    const watching = new Set([...this.viewers].map((v) => v.key))
    const last = [...this.sizes].filter(([k]) => watching.has(k)).pop()?.[1]
    if (last) this.resize(last.cols, last.rows)
  }

  private writeInput(): void {
    this.inputTimer = undefined
    const chunk = this.inputQueue.shift()
    if (chunk === undefined || !this.running) return
    this.inputQueuedChars -= chunk.length
    this.pty.write(chunk)
    if (this.inputQueue.length) {
      this.inputTimer = setTimeout(() => this.writeInput(), InputConstants.WriteIntervalMs)
    }
  }

  private clearInput(): void {
    if (this.inputTimer !== undefined) clearTimeout(this.inputTimer)
    this.inputTimer = undefined
    this.inputQueue = []
    this.inputQueuedChars = 0
  }

  private scheduleKill(): void {
    if (!this.closing) return
    if (this.closing.flushTimer) clearTimeout(this.closing.flushTimer)
    this.closing.flushTimer = setTimeout(() => this.kill(), ShutdownConstants.DataFlushTimeoutMs)
  }

  private kill(): void {
    if (!this.running || this.disposed || !this.closing || this.closing.killed) return
    this.closing.killed = true
    clearTimeout(this.closing.flushTimer)
    try {
      this.pty.kill('SIGHUP')
    } catch {
      return
    }
    this.shutdownTimers.push(
      setTimeout(() => {
        if (!this.running || this.disposed) return
        try {
          this.pty.kill('SIGKILL')
        } catch {
          // exited meanwhile
        }
      }, ShutdownConstants.KillTimeoutMs),
    )
  }

  private probeExit(): void {
    try {
      process.kill(this.pid, 0)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') this.flow.release()
    }
    this.dropStalledViewers()
  }

  /** While paused: detach viewers above the high watermark that stopped acknowledging. */
  private dropStalledViewers(): void {
    const now = Date.now()
    for (const v of [...this.viewers]) {
      if (v.pending || v.consumer.unacked <= FlowControlConstants.HighWatermarkChars) continue
      const patience = this.options.stalledViewerMs ?? ShutdownConstants.StalledViewerMs
      if (now - v.lastAckAt < patience) continue
      this.stalledViewers++
      this.detach(v)
      v.sink.end('stalled')
    }
  }

  private stopExitProbe(): void {
    if (this.exitProbe !== undefined) clearInterval(this.exitProbe)
    this.exitProbe = undefined
  }

  private exitEvent(): SessionOutputEvent {
    return { kind: 'exit', exitCode: this.exitCode, signal: this.signal }
  }

  private onExit(exitCode: number, signal: number | undefined): void {
    if (this.disposed || !this.running) return
    this.output(this.decoder.decode())
    if (this.closing?.reason) this.output(`\r\n\x1b[2m[${this.closing.reason}]\x1b[0m\r\n`)
    this.batcher.flush()
    this.endedAt = new Date().toISOString()
    // node-pty reports a signal death as exit code 0 plus the signal.
    this.signal = signal ? signal : null
    this.exitCode = this.signal === null ? exitCode : null
    this.clearInput()
    this.stopExitProbe()
    for (const t of this.shutdownTimers) clearTimeout(t)
    if (this.closing?.flushTimer) clearTimeout(this.closing.flushTimer)
    for (const v of this.viewers) if (!v.pending) v.sink.emit(this.exitEvent())
    this.options.onChange(this)
    this.markExited()
  }
}
