import { rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RpcError, isRpcError } from '../../../src-shared/rpc/errors'
import { acquireFileLock, lockOwner } from '../pack/file-lock'

export interface BottleLock {
  /** Idempotent. */
  release(): Promise<void>
}

export type TryLock = { lock: BottleLock } | { busy: { pid: number | null } }

/**
 * One lock per bottle in the data dir (`locks/bottle-<slug>.lock`, holding
 * the owner's pid, host and boot): whoever launches, stops, repairs or removes a
 * bottle holds it, so two app instances — or the app and the CLI — never act
 * on the same bottle at once. A lock whose owner died is stale and taken
 * over (file-lock.ts). Holders in this process are queued here first (by
 * lock path, so two backends of one process share the queue): the file
 * alone cannot tell two holders of one process apart.
 *
 * A process that wants a launch running elsewhere to stop leaves a cancel
 * request beside the lock (`bottle-<slug>.cancel`); the launching process
 * polls for it (see BottleService) and cancels itself.
 */
export class BottleLocks {
  constructor(readonly dir: string) {}

  /** Waits for the lock; rejects with the signal's reason when it fires first. */
  async acquire(
    id: string,
    o: { signal?: AbortSignal; onWait?: (pid: number) => void } = {},
  ): Promise<BottleLock> {
    const path = this.lockPath(id)
    for (let mine = held.get(path); mine; mine = held.get(path)) {
      await abortable(mine, o.signal)
    }
    let unblock = (): void => {}
    held.set(path, new Promise<void>((r) => (unblock = r)))
    const free = (): void => {
      held.delete(path)
      unblock()
    }
    try {
      const file = await acquireFileLock(path, {
        signal: o.signal,
        pollMs: 100,
        onWait: (owner) => o.onWait?.(owner.pid),
      })
      let released: Promise<void> | null = null
      return {
        release: () => (released ??= file.release().finally(free)),
      }
    } catch (e) {
      free()
      throw e
    }
  }

  /** The lock now, or who holds it (this process, or another one that is alive). */
  async tryAcquire(id: string): Promise<TryLock> {
    if (held.has(this.lockPath(id))) return { busy: { pid: process.pid } }
    const stop = new AbortController()
    let owner: number | null = null
    try {
      const lock = await this.acquire(id, {
        // A torn lock file (being written this instant) counts as held.
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(2000)]),
        onWait: (pid) => {
          owner = pid
          stop.abort(new RpcError('CONFLICT', `held by pid ${pid}`))
        },
      })
      return { lock }
    } catch (e) {
      if (stop.signal.aborted || (e instanceof Error && e.name === 'TimeoutError') || isRpcError(e))
        return { busy: { pid: owner } }
      throw e
    }
  }

  /** The live process (of this boot) holding the bottle's lock file, if any. */
  async owner(id: string): Promise<{ pid: number } | null> {
    const o = await lockOwner(this.lockPath(id))
    return o && { pid: o.pid }
  }

  /** Asks the process launching this bottle to cancel. */
  async requestCancel(id: string): Promise<void> {
    await writeFile(this.cancelPath(id), `${process.pid}\n`)
  }

  async cancelRequested(id: string): Promise<boolean> {
    return stat(this.cancelPath(id)).then(
      () => true,
      () => false,
    )
  }

  async clearCancel(id: string): Promise<void> {
    await rm(this.cancelPath(id), { force: true })
  }

  private lockPath(id: string): string {
    return join(this.dir, `bottle-${id}.lock`)
  }

  private cancelPath(id: string): string {
    return join(this.dir, `bottle-${id}.cancel`)
  }
}

/** This process's holders (and waiters), by lock path. */
const held = new Map<string, Promise<void>>()

function abortable(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p
  signal.throwIfAborted()
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    void p.then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
  })
}
