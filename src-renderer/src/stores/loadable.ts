import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { toErrorShape } from '../lib/errors'

/** One request's result as a store holds it: never run, in flight, answered, or refused. */
export interface Loadable<T> {
  status: 'idle' | 'loading' | 'ready' | 'error'
  data: T | null
  error: RpcErrorShape | null
}

export function idle<T>(): Loadable<T> {
  return { status: 'idle', data: null, error: null }
}

/**
 * Runs `request`, writing loading → ready/error through `set`. Keeps the
 * previous data while reloading (no flash of empty). Never rejects.
 */
export async function loadInto<T>(
  get: () => Loadable<T>,
  set: (next: Loadable<T>) => void,
  request: () => Promise<T>,
): Promise<T | null> {
  set({ ...get(), status: 'loading', error: null })
  try {
    const data = await request()
    set({ status: 'ready', data, error: null })
    return data
  } catch (e) {
    set({ ...get(), status: 'error', error: toErrorShape(e) })
    return null
  }
}
