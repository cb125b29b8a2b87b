import { useCallback, useEffect, useRef, useState } from 'react'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { toErrorShape } from './errors'

export interface ActionStatus {
  pending: boolean
  error: RpcErrorShape | null
}

/**
 * A form's submit: runs an RPC, tracks pending and the refusal; never rejects
 * (no unhandled rejections), resolves to the result or null.
 */
export function useAction<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): [(...args: A) => Promise<R | null>, ActionStatus, () => void] {
  const [status, setStatus] = useState<ActionStatus>({ pending: false, error: null })
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const fnRef = useRef(fn)
  useEffect(() => {
    fnRef.current = fn
  })
  const run = useCallback(async (...args: A): Promise<R | null> => {
    setStatus({ pending: true, error: null })
    try {
      const r = await fnRef.current(...args)
      if (mounted.current) setStatus({ pending: false, error: null })
      return r
    } catch (e) {
      if (mounted.current) setStatus({ pending: false, error: toErrorShape(e) })
      return null
    }
  }, [])
  const reset = useCallback(() => setStatus({ pending: false, error: null }), [])
  return [run, status, reset]
}
