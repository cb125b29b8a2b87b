import type { Disposable, Transport } from './transport'

/**
 * Two connected in-process transports (tests, and in-process clients such as
 * the CLI talking to a backend it embeds). Delivery is asynchronous, like IPC.
 */
export function createMemoryTransportPair(): [Transport, Transport] {
  const a = new MemoryTransport()
  const b = new MemoryTransport()
  a.peer = b
  b.peer = a
  return [a, b]
}

class MemoryTransport implements Transport {
  peer: MemoryTransport | undefined
  private readonly messageListeners = new Set<(m: string) => void>()
  private readonly closeListeners = new Set<() => void>()
  private closed = false

  send(message: string): void {
    if (this.closed) throw new Error('transport closed')
    const peer = this.peer
    queueMicrotask(() => peer?.deliver(message))
  }

  onMessage(listener: (m: string) => void): Disposable {
    this.messageListeners.add(listener)
    return { dispose: () => this.messageListeners.delete(listener) }
  }

  onClose(listener: () => void): Disposable {
    this.closeListeners.add(listener)
    return { dispose: () => this.closeListeners.delete(listener) }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const l of [...this.closeListeners]) l()
    this.peer?.close()
  }

  private deliver(message: string): void {
    if (this.closed) return
    for (const l of [...this.messageListeners]) l(message)
  }
}
