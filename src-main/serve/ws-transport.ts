import type { WebSocket } from 'ws'
import type { Disposable, Transport } from '../../src-shared/rpc/transport'
import { MAX_MESSAGE_CHARS } from '../../src-shared/rpc/protocol'

/** Adapts one server-side `ws` socket to the RPC Transport interface. */
export function wsTransport(socket: WebSocket): Transport {
  return {
    send(message) {
      if (socket.readyState === socket.OPEN) socket.send(message)
    },
    onMessage(listener): Disposable {
      const h = (data: unknown, isBinary: boolean): void => {
        // Binary frames are handed on as text the server core will reject.
        const text = isBinary ? '\u0000binary' : String(data)
        if (text.length > MAX_MESSAGE_CHARS + 1) {
          listener(text.slice(0, MAX_MESSAGE_CHARS + 1))
          return
        }
        listener(text)
      }
      socket.on('message', h)
      return { dispose: () => socket.off('message', h) }
    },
    onClose(listener): Disposable {
      const h = (): void => listener()
      socket.on('close', h)
      return { dispose: () => socket.off('close', h) }
    },
    close() {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
        socket.close()
    },
  }
}
