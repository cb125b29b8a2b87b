import { RpcError } from '../../../src-shared/rpc/errors'

/** One piece of work many callers wait for; see shareAbortable. */
export interface SharedTask<T> {
  /** Waits for the result; `signal` withdraws this caller only. */
  join(signal?: AbortSignal): Promise<T>
  /** Every caller withdrew: the work is being stopped and must not be joined. */
  readonly aborted: boolean
}

/**
 * Starts `run` once and lets any number of callers join it. The work is
 * aborted only when every caller has withdrawn, so one launch's cancel never
 * breaks another launch waiting for the same pack. `onSettled` runs when the
 * work ends (the owner forgets the task then).
 */
export function shareAbortable<T>(
  run: (signal: AbortSignal) => Promise<T>,
  onSettled: () => void,
): SharedTask<T> {
  const controller = new AbortController()
  let waiters = 0
  const work = run(controller.signal).finally(onSettled)
  // Nobody may be waiting when it fails (all withdrew): that rejection is handled here.
  work.catch(() => {})
  return {
    get aborted() {
      return controller.signal.aborted
    },
    join(signal) {
      if (signal?.aborted) return Promise.reject(cancelled(signal))
      waiters++
      return new Promise<T>((resolve, reject) => {
        let done = false
        const leave = (): void => {
          if (done) return
          done = true
          signal?.removeEventListener('abort', onAbort)
          if (--waiters === 0)
            controller.abort(new RpcError('CANCELLED', 'cancelled: nobody waits for it any more'))
        }
        const onAbort = (): void => {
          leave()
          reject(cancelled(signal))
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        work.then(
          (v) => {
            if (done) return
            done = true
            waiters--
            signal?.removeEventListener('abort', onAbort)
            resolve(v)
          },
          (e: unknown) => {
            if (done) return
            done = true
            waiters--
            signal?.removeEventListener('abort', onAbort)
            reject(e)
          },
        )
      })
    },
  }
}

function cancelled(signal?: AbortSignal): unknown {
  return signal?.reason instanceof RpcError ? signal.reason : new RpcError('CANCELLED', 'cancelled')
}
