import type {
  MethodInput,
  MethodName,
  MethodResult,
  TopicData,
  TopicInput,
  TopicName,
} from '../../../src-shared/contract'
import type { CallOptions, RpcClient } from '../../../src-shared/rpc/client'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { Disposable } from '../../../src-shared/rpc/transport'
import type { ConnectionState } from '../rpc/connection'

/** What the stores need from the page's connection (the RpcConnection, or a test double). */
export interface ConnectionSource {
  readonly current: RpcClient | null
  subscribe(listener: (state: ConnectionState, client: RpcClient | null) => void): () => void
}

let source: ConnectionSource | null = null

/** Points every store and call at one connection; main.tsx binds the page's, tests a fake. */
export function bindConnection(next: ConnectionSource | null): void {
  source = next
}

export function connectionSource(): ConnectionSource {
  if (!source) throw new Error('bindConnection() was not called')
  return source
}

/** How long a call made while (re)connecting waits for the connection. */
const CONNECT_WAIT_MS = 10_000

/**
 * One call on the current client. Made while the page is still connecting (a
 * deep link's first view) or reconnecting, it waits for the connection; it
 * rejects with UNAVAILABLE if none comes in time.
 */
export async function call<M extends MethodName>(
  method: M,
  params: MethodInput<M>,
  options?: CallOptions,
): Promise<MethodResult<M>> {
  const client = await connectedClient()
  return client.call(method, params, options)
}

function connectedClient(): Promise<RpcClient> {
  const src = source
  const now = src?.current
  if (now && !now.isClosed) return Promise.resolve(now)
  if (!src) return Promise.reject(new RpcError('UNAVAILABLE', 'no connection to the backend'))
  return new Promise((resolve, reject) => {
    let settled = false
    let off: (() => void) | null = null
    const settle = (): void => {
      settled = true
      clearTimeout(timer)
      off?.()
    }
    const timer = setTimeout(() => {
      settle()
      reject(new RpcError('UNAVAILABLE', 'not connected to the Bot Bottle backend (reconnecting)'))
    }, CONNECT_WAIT_MS)
    off = src.subscribe((state, client) => {
      if (settled || state !== 'connected' || !client) return
      settle()
      resolve(client)
    })
    if (settled) off()
  })
}

export interface FollowHandlers<T extends TopicName> {
  /** A (re)subscription starts: what its first event replaces is about to be resent. */
  onStart?(): void
  onEvent(data: TopicData<T>): void
  /** The subscription ended: refused (e.g. UNAVAILABLE), ended by the server, or the connection dropped. */
  onEnd?(error: RpcError | null): void
}

/**
 * Follows a topic across reconnects: subscribes on every `connected` with the
 * new client (the backend resends its snapshot), reports the drop in between.
 */
export function follow<T extends TopicName>(
  topic: T,
  params: TopicInput<T>,
  handlers: FollowHandlers<T>,
): () => void {
  let sub: Disposable | null = null
  let stopped = false
  const off = connectionSource().subscribe((state, client) => {
    sub?.dispose()
    sub = null
    if (state === 'connected' && client) {
      handlers.onStart?.()
      sub = client.subscribe(
        topic,
        params,
        (data) => {
          if (!stopped) handlers.onEvent(data)
        },
        (error) => {
          if (!stopped) handlers.onEnd?.(error ?? null)
        },
      )
    } else if (state === 'disconnected') {
      handlers.onEnd?.(new RpcError('UNAVAILABLE', 'connection to the backend lost; reconnecting'))
    }
  })
  return () => {
    stopped = true
    off()
    sub?.dispose()
    sub = null
  }
}
