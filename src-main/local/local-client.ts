import { createConnection } from 'node:net'
import type { Transport } from '../../src-shared/rpc/transport'
import { clientSocketPath } from './socket-path'
import { socketTransport } from './socket-transport'

export type LocalConnection = { transport: Transport } | { unavailable: string }

/** How long a client waits for the backend to accept: it is the kernel that answers, so briefly. */
const CONNECT_TIMEOUT_MS = 1000

/**
 * Connects to the local endpoint of the backend (app or serve) that owns
 * `dataDir`. When none answers, says why in words: no socket, a stale one
 * left by a backend that exited, or a connection that did not complete.
 */
export function connectLocalEndpoint(
  dataDir: string,
  timeoutMs: number = CONNECT_TIMEOUT_MS,
): Promise<LocalConnection> {
  const path = clientSocketPath(dataDir)
  if (!path) return Promise.resolve({ unavailable: 'no app or serve has run here' })
  return new Promise((resolve) => {
    const socket = createConnection(path)
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ unavailable: `${path} did not answer within ${timeoutMs} ms` })
    }, timeoutMs)
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer)
      resolve({ unavailable: unavailableReason(path, e) })
    }
    socket.once('error', onError)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', onError)
      resolve({ transport: socketTransport(socket) })
    })
  })
}

function unavailableReason(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'no app or serve is running'
    case 'ECONNREFUSED':
      return 'the app or serve that ran last has exited'
    default:
      return `${path}: ${e.message}`
  }
}
