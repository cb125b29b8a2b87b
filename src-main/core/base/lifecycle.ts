import type { Disposable } from '../../../src-shared/rpc/transport'

export type { Disposable }

export function toDisposable(fn: () => void): Disposable {
  let done = false
  return {
    dispose() {
      if (done) return
      done = true
      fn()
    },
  }
}

/** Holds disposables and disposes them in reverse order of registration. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = []
  private disposed = false

  get isDisposed(): boolean {
    return this.disposed
  }

  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      d.dispose()
      return d
    }
    this.items.push(d)
    return d
  }

  delete(d: Disposable): void {
    const i = this.items.indexOf(d)
    if (i >= 0) this.items.splice(i, 1)
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    const errors: unknown[] = []
    for (const d of this.items.splice(0).reverse()) {
      try {
        d.dispose()
      } catch (e) {
        errors.push(e)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed')
  }
}

/** A typed event emitter in the VS Code style: private fire, public `event`. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>()

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener)
    return toDisposable(() => this.listeners.delete(listener))
  }

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value)
      } catch {
        // one failing listener must not starve the others
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size
  }

  dispose(): void {
    this.listeners.clear()
  }
}

export type Event<T> = (listener: (value: T) => void) => Disposable
