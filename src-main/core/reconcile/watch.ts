import type { Disposable } from '../base/lifecycle'
import type { Logger } from '../base/logger'
import type { Reconciler } from './reconciler'

export interface WatchOptions {
  /** Between two looks while smolvm and docker answer. */
  intervalMs?: number
  /** The longest wait while one of them does not. */
  maxBackoffMs?: number
}

/** A death is noticed within one interval plus one look (one `ls --json` + one docker listing). */
export const WATCH_INTERVAL_MS = 2000
export const WATCH_MAX_BACKOFF_MS = 30_000

/**
 * While the app runs: a full reconcile first, then a tick every couple of
 * seconds, so a bottle whose VM stops or whose bundle exits is torn down
 * (sessions first) within seconds, with the reason. Ticks never overlap —
 * the next is scheduled when one ends — and the wait doubles, up to a cap,
 * while smolvm or docker cannot be asked. Ticks run only while some bottle
 * is launching, running or stopping (no polling on an idle laptop); a
 * launch, an adoption or another process's record resumes them.
 */
export class BottleWatch implements Disposable {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private activity: Disposable | null = null
  private started = false
  private delay: number
  private unreachable: string | null = null
  private stopped = false
  private readonly intervalMs: number
  private readonly maxBackoffMs: number

  constructor(
    private readonly reconciler: Reconciler,
    private readonly log: Logger,
    o: WatchOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? WATCH_INTERVAL_MS
    this.maxBackoffMs = o.maxBackoffMs ?? WATCH_MAX_BACKOFF_MS
    this.delay = this.intervalMs
  }

  /** The wait before the next look (tests, the bench). */
  get nextDelayMs(): number {
    return this.delay
  }

  /** Neither looking nor waiting to: no bottle needs watching. */
  get idle(): boolean {
    return !this.running && !this.timer
  }

  start(): void {
    if (this.started || this.stopped) return
    this.started = true
    this.activity = this.reconciler.onActivity(() => this.wake())
    this.running = this.first().finally(() => {
      this.running = null
      this.next()
    })
  }

  /** Stops ticking; resolves once a look in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true
    this.activity?.dispose()
    this.activity = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  dispose(): void {
    void this.stop()
  }

  private async first(): Promise<void> {
    try {
      const r = await this.reconciler.reconcile()
      if (r.died.length) this.log.warn(`reconcile ended ${r.died.join(', ')}`)
    } catch (e) {
      this.log.error(`reconcile failed: ${(e as Error).message}`)
    }
  }

  /** Something may need watching: look (after the usual wait) unless a look is already due. */
  private wake(): void {
    if (!this.stopped && this.idle) this.schedule()
  }

  /** After a look: the next one, while a bottle needs watching. */
  private next(): void {
    if (this.reconciler.needsWatching()) this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.tick().finally(() => {
        this.running = null
        this.next()
      })
    }, this.delay)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    let problem: string | null
    try {
      const { errors } = await this.reconciler.tick()
      problem =
        Object.entries(errors)
          .map(([what, message]) => `${what}: ${message}`)
          .join('; ') || null
    } catch (e) {
      problem = (e as Error).message
    }
    if (problem) {
      this.delay = Math.min(this.maxBackoffMs, this.delay * 2)
      if (!this.unreachable)
        this.log.warn(`watch: cannot look at the bottles (${problem}); retrying less often`)
      this.unreachable = problem
      return
    }
    if (this.unreachable) this.log.info('watch: smolvm and docker answer again')
    this.unreachable = null
    this.delay = this.intervalMs
  }
}
