import { RpcClient } from '../../../src-shared/rpc/client'
import { ipcTransport, openWebSocketTransport, preloadBridge, rpcSocketUrl } from './transports'

export type ConnectionState = 'connecting' | 'connected' | 'disconnected'

type Listener = (state: ConnectionState, client: RpcClient | null) => void

/**
 * Owns the RPC client for the page: the preload bridge in Electron, else a
 * WebSocket that reconnects with backoff. Stores listen for `connected` to
 * (re)subscribe with the new client.
 */
export class RpcConnection {
  private client: RpcClient | null = null
  private state: ConnectionState = 'connecting'
  private readonly listeners = new Set<Listener>()
  private retryMs = 250
  private stopped = false

  get current(): RpcClient | null {
    return this.client
  }

  get status(): ConnectionState {
    return this.state
  }

  get mode(): 'ipc' | 'websocket' {
    return preloadBridge() ? 'ipc' : 'websocket'
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    listener(this.state, this.client)
    return () => this.listeners.delete(listener)
  }

  start(): void {
    const bridge = preloadBridge()
    if (bridge) {
      this.setClient(new RpcClient(ipcTransport(bridge)))
      return
    }
    void this.connectWebSocket()
  }

  stop(): void {
    this.stopped = true
    this.client?.dispose()
  }

  private async connectWebSocket(): Promise<void> {
    this.emit('connecting', null)
    try {
      const transport = await openWebSocketTransport(rpcSocketUrl(window.location))
      this.retryMs = 250
      const client = new RpcClient(transport)
      client.onDidClose(() => {
        if (this.client === client) this.client = null
        this.emit('disconnected', null)
        this.scheduleRetry()
      })
      this.setClient(client)
    } catch {
      this.emit('disconnected', null)
      this.scheduleRetry()
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return
    const delay = this.retryMs
    this.retryMs = Math.min(this.retryMs * 2, 5000)
    setTimeout(() => void this.connectWebSocket(), delay)
  }

  private setClient(client: RpcClient): void {
    this.client = client
    this.emit('connected', client)
  }

  private emit(state: ConnectionState, client: RpcClient | null): void {
    this.state = state
    for (const l of [...this.listeners]) l(state, client)
  }
}

export const connection = new RpcConnection()
