import type { Socket } from 'node:net'
import { MAX_MESSAGE_CHARS } from '../../src-shared/rpc/protocol'
import type { Disposable, Transport } from '../../src-shared/rpc/transport'

const NEWLINE = 0x0a

/**
 * The largest frame read, in bytes: any message within MAX_MESSAGE_CHARS
 * UTF-16 code units fits (a code unit is at most 3 UTF-8 bytes).
 */
export const MAX_FRAME_BYTES = 3 * MAX_MESSAGE_CHARS

/** Output queued for a peer that stopped reading; beyond it the connection is dropped. */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024

/** How long close() waits for queued output to reach the peer. */
const CLOSE_FLUSH_MS = 1000

export interface SocketTransportOptions {
  maxFrameBytes?: number
  maxQueuedBytes?: number
  /** Why the transport dropped the connection (an oversize frame, a peer not reading, a socket error). */
  onProblem?: (reason: string) => void
}

/**
 * The RPC Transport over a stream socket: one message per line. JSON text
 * never holds a raw newline (JSON.stringify escapes it), so a newline ends a
 * message and nothing else. A frame longer than the limit closes the
 * connection: the stream cannot be resynchronised after it.
 */
export function socketTransport(socket: Socket, options: SocketTransportOptions = {}): Transport {
  const maxFrame = options.maxFrameBytes ?? MAX_FRAME_BYTES
  const maxQueued = options.maxQueuedBytes ?? MAX_QUEUED_BYTES
  const messageListeners = new Set<(m: string) => void>()
  const closeListeners = new Set<() => void>()
  let parts: Buffer[] = []
  let partial = 0
  let closing = false

  const drop = (reason: string): void => {
    options.onProblem?.(reason)
    closing = true
    socket.destroy()
  }

  const deliver = (frame: Buffer): void => {
    const text = frame.toString('utf8')
    for (const l of [...messageListeners]) l(text)
  }

  socket.on('data', (chunk: Buffer) => {
    let start = 0
    while (!closing) {
      const nl = chunk.indexOf(NEWLINE, start)
      if (nl < 0) break
      const tail = chunk.subarray(start, nl)
      start = nl + 1
      if (partial + tail.length > maxFrame) return drop(`a message exceeds ${maxFrame} bytes`)
      if (partial === 0) {
        deliver(tail)
      } else {
        parts.push(tail)
        const frame = Buffer.concat(parts, partial + tail.length)
        parts = []
        partial = 0
        deliver(frame)
      }
    }
    if (closing || start >= chunk.length) return
    const rest = chunk.subarray(start)
    partial += rest.length
    if (partial > maxFrame) return drop(`a message exceeds ${maxFrame} bytes`)
    parts.push(rest)
  })
  // Without a listener a socket error would be thrown; 'close' follows it.
  socket.on('error', (e) => options.onProblem?.(e.message))
  socket.on('close', () => {
    closing = true
    parts = []
    for (const l of [...closeListeners]) l()
  })

  return {
    send(message) {
      if (closing || socket.destroyed) throw new Error('connection closed')
      if (message.includes('\n')) throw new Error('a message must not contain a raw newline')
      socket.write(message + '\n')
      if (socket.writableLength > maxQueued) drop('the peer is not reading its messages')
    },
    onMessage(listener): Disposable {
      messageListeners.add(listener)
      return { dispose: () => messageListeners.delete(listener) }
    },
    onClose(listener): Disposable {
      closeListeners.add(listener)
      return { dispose: () => closeListeners.delete(listener) }
    },
    close() {
      if (closing) return
      closing = true
      // Whatever was sent is flushed first (a detach right after a keystroke
      // keeps it), within a bound for a peer that has stopped reading.
      socket.end(() => socket.destroy())
      setTimeout(() => socket.destroy(), CLOSE_FLUSH_MS).unref()
    },
  }
}
