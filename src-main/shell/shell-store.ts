import type {
  Bottle,
  PreflightCheck,
  SessionInfo,
  Settings,
  Teardown,
  TopicData,
  TopicInput,
  TopicName,
} from '../../src-shared/contract'
import type { RpcClient } from '../../src-shared/rpc/client'
import {
  DisposableStore,
  Emitter,
  toDisposable,
  type Disposable,
  type Event,
} from '../core/base/lifecycle'
import type { Logger } from '../core/base/logger'
import { applyBottleEvent, applySessionEvent } from './bottle-mirror'

/** What the tray, notifications and quit flow know of the backend. */
export interface ShellState {
  /** True once `bottles.events` delivered its snapshot; false again if it ends. */
  connected: boolean
  bottles: readonly Bottle[]
  sessions: readonly SessionInfo[]
  settings: Settings | null
  manifest: { valid: boolean; agents: string[] } | null
  /** Preflight checks that fail (warnings do not count). */
  setupProblems: readonly PreflightCheck[]
}

const INITIAL: ShellState = {
  connected: false,
  bottles: [],
  sessions: [],
  settings: null,
  manifest: null,
  setupProblems: [],
}

const MAX_RETRY_MS = 60_000

/**
 * The shell's view of the backend, through the contract only: an RpcClient
 * connected in-process to the same RpcServer the dashboard uses. Follows the
 * event topics (resubscribing with backoff if one ends) and fetches the
 * manifest's agents and the preflight result on demand.
 */
export class ShellStore implements Disposable {
  private readonly store = new DisposableStore()
  private readonly changed = this.store.add(new Emitter<ShellState>())
  private readonly teardowns = this.store.add(new Emitter<Teardown>())
  readonly onDidChange: Event<ShellState> = this.changed.event
  /** Every `teardown` event of `bottles.events`, as it arrives. */
  readonly onTeardown: Event<Teardown> = this.teardowns.event
  private current: ShellState = INITIAL

  constructor(
    private readonly client: RpcClient,
    private readonly log: Logger,
    private readonly retryMs = 2_000,
  ) {}

  get state(): ShellState {
    return this.current
  }

  start(): void {
    this.follow(
      'bottles.events',
      {},
      (ev) => {
        if (ev.kind === 'teardown') this.teardowns.fire(ev.teardown)
        const bottles = applyBottleEvent(this.current.bottles, ev)
        const connected = this.current.connected || ev.kind === 'snapshot'
        if (bottles !== this.current.bottles || connected !== this.current.connected) {
          this.set({ bottles, connected })
        }
      },
      () => this.set({ connected: false }),
    )
    this.follow('sessions.events', {}, (ev) =>
      this.set({ sessions: applySessionEvent(this.current.sessions, ev) }),
    )
    this.follow('settings.changed', {}, (settings) => {
      const prev = this.current.settings
      this.set({ settings })
      if (
        prev &&
        (prev.smolvmPath !== settings.smolvmPath || prev.dockerPath !== settings.dockerPath)
      ) {
        void this.refreshPreflight()
      }
    })
    void this.refreshManifest()
    void this.refreshPreflight()
  }

  /** The manifest may be edited anywhere (the dashboard, a text editor): fetched when needed. */
  async refreshManifest(): Promise<void> {
    try {
      const m = await this.client.call('manifest.get', {})
      this.set({ manifest: { valid: m.valid, agents: m.agents.map((a) => a.name) } })
    } catch (e) {
      this.log.warn(`could not read the manifest: ${(e as Error).message}`)
    }
  }

  async refreshPreflight(): Promise<void> {
    try {
      const report = await this.client.call('preflight.run', {})
      this.set({ setupProblems: report.checks.filter((c) => c.status === 'fail') })
    } catch (e) {
      this.log.warn(`could not run the preflight checks: ${(e as Error).message}`)
    }
  }

  /**
   * Resolves once `done(bottle)` holds for bottle `id` (undefined: it is
   * gone), checked now and on every change; rejects after `timeoutMs`.
   */
  waitForBottle(
    id: string,
    done: (b: Bottle | undefined) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const find = (): Bottle | undefined => this.current.bottles.find((b) => b.id === id)
    if (done(find())) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const sub = this.onDidChange(() => {
        if (!done(find())) return
        clearTimeout(timer)
        sub.dispose()
        resolve()
      })
      const timer = setTimeout(() => {
        sub.dispose()
        reject(new Error(`still not at rest after ${Math.round(timeoutMs / 1000)} s`))
      }, timeoutMs)
    })
  }

  dispose(): void {
    this.store.dispose()
  }

  private set(patch: Partial<ShellState>): void {
    if (this.store.isDisposed) return
    this.current = { ...this.current, ...patch }
    this.changed.fire(this.current)
  }

  /** Subscribes, and subscribes again with backoff whenever the server ends it. */
  private follow<T extends TopicName>(
    topic: T,
    params: TopicInput<T>,
    onEvent: (data: TopicData<T>) => void,
    onLost: () => void = () => {},
  ): void {
    let delay = this.retryMs
    let sub: Disposable | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const subscribe = (): void => {
      sub = this.client.subscribe(
        topic,
        params,
        (data) => {
          delay = this.retryMs
          onEvent(data)
        },
        (error) => {
          if (this.store.isDisposed || this.client.isClosed) return
          onLost()
          this.log.warn(
            `${topic} ended${error ? `: ${error.message}` : ''}; again in ${delay / 1000} s`,
          )
          timer = setTimeout(subscribe, delay)
          delay = Math.min(delay * 2, MAX_RETRY_MS)
        },
      )
    }
    subscribe()
    this.store.add(
      toDisposable(() => {
        clearTimeout(timer)
        sub?.dispose()
      }),
    )
  }
}
