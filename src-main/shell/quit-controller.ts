import type { Bottle } from '../../src-shared/contract'
import type { RpcClient } from '../../src-shared/rpc/client'
import type { Logger } from '../core/base/logger'
import { isActive } from './bottle-mirror'
import { bottleName } from './dialogs'
import {
  QUIT_IDLE,
  quitTransition,
  type EndHow,
  type QuitEffect,
  type QuitEvent,
  type QuitState,
} from './quit-flow'
import type { ShellStore } from './shell-store'
import type { ShellHost } from './tray-actions'

/** A teardown (sessions, VM, bundle, network) that takes longer than this is reported as failed. */
const STOP_TIMEOUT_MS = 180_000

export interface QuitHost extends Pick<ShellHost, 'ask'> {
  /** Progress while stopping (tooltip, menu); null when done. */
  progress(text: string | null): void
  exit(): void
}

/**
 * Drives the quit flow (quit-flow.ts) with the real world: asks through the
 * host, stops bottles through the contract, and counts a bottle as stopped
 * only when the backend reports it at rest (stopped or gone), so the app
 * never exits in the middle of a teardown.
 */
export class QuitController {
  private state: QuitState = QUIT_IDLE

  constructor(
    private readonly o: {
      client: RpcClient
      store: ShellStore
      host: QuitHost
      home: string
      log: Logger
      stopTimeoutMs?: number
    },
  ) {}

  get phase(): QuitState['phase'] {
    return this.state.phase
  }

  /** True from the moment the app is committed to stopping bottles or exiting. */
  get quitting(): boolean {
    return this.state.phase === 'stopping' || this.state.phase === 'exiting'
  }

  request(): void {
    const bottles = this.o.store.state.bottles
      .filter(isActive)
      .map((b) => ({ id: b.id, name: bottleName(b, this.o.home), state: b.state }))
    this.dispatch({ type: 'request', bottles })
  }

  private dispatch(event: QuitEvent): void {
    const { state, effects } = quitTransition(this.state, event)
    this.state = state
    for (const effect of effects) this.perform(effect)
  }

  private perform(effect: QuitEffect): void {
    switch (effect.type) {
      case 'ask':
        this.o.host.ask(effect.dialog).then(
          (answer) => this.dispatch({ type: 'answer', answer }),
          () => this.dispatch({ type: 'answer', answer: 'cancel' }),
        )
        return
      case 'end-bottles':
        for (const b of effect.bottles) {
          this.end(b.id, b.how).then(
            () => this.dispatch({ type: 'settled', id: b.id }),
            (e: unknown) => {
              const error = e instanceof Error ? e.message : String(e)
              this.o.log.warn(`quit: ${b.id} did not stop: ${error}`, b.id)
              this.dispatch({ type: 'settled', id: b.id, error })
            },
          )
        }
        return
      case 'progress':
        this.o.host.progress(effect.text)
        return
      case 'exit':
        this.o.host.exit()
        return
    }
  }

  private async end(id: string, how: EndHow): Promise<void> {
    const timeoutMs = this.o.stopTimeoutMs ?? STOP_TIMEOUT_MS
    if (how === 'stop') await this.o.client.call('bottles.stop', { id }, { timeoutMs })
    if (how === 'cancel') await this.o.client.call('bottles.cancel', { id }, { timeoutMs })
    let failed: Bottle | undefined
    await this.o.store.waitForBottle(
      id,
      (b) => {
        if (b?.state === 'failed' && how !== 'cancel') failed = b
        return !b || !isActive(b)
      },
      timeoutMs,
    )
    // A cancelled launch may end as "failed"; a stop that ends there did not stop cleanly.
    if (failed)
      throw new Error(failed.stateDetail ?? failed.error?.message ?? 'failed while stopping')
  }
}
