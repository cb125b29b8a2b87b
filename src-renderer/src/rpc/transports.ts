import {
  BRIDGE_NAME,
  type Disposable,
  type PreloadBridge,
  type Transport,
} from '../../../src-shared/rpc/transport'

/** The preload bridge when running in Electron, else undefined. */
export function preloadBridge(): PreloadBridge | undefined {
  const b = (window as unknown as Record<string, unknown>)[BRIDGE_NAME] as PreloadBridge | undefined
  return b && typeof b.send === 'function' && typeof b.onMessage === 'function' ? b : undefined
}

/** Electron: the preload's send/onMessage. Never closes on its own (a reload ends the page). */
export function ipcTransport(bridge: PreloadBridge): Transport {
  const closeListeners = new Set<() => void>()
  const unsubscribers: (() => void)[] = []
  let closed = false
  return {
    send: (m) => {
      if (!closed) bridge.send(m)
    },
    onMessage(listener): Disposable {
      const off = bridge.onMessage(listener)
      unsubscribers.push(off)
      return { dispose: off }
    },
    onClose(listener): Disposable {
      closeListeners.add(listener)
      return { dispose: () => closeListeners.delete(listener) }
    },
    close() {
      if (closed) return
      closed = true
      for (const off of unsubscribers.splice(0)) off()
      for (const l of [...closeListeners]) l()
    },
  }
}

/** Serve mode: a WebSocket to /rpc on the page's own origin (the token cookie authenticates it). */
export function openWebSocketTransport(url: string): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messageListeners = new Set<(m: string) => void>()
    const closeListeners = new Set<() => void>()
    const queue: string[] = []
    let opened = false
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') for (const l of [...messageListeners]) l(e.data)
    }
    ws.onopen = () => {
      opened = true
      for (const m of queue.splice(0)) ws.send(m)
      resolve(transport)
    }
    ws.onclose = () => {
      if (!opened) reject(new Error('could not connect to the Bot Bottle backend'))
      for (const l of [...closeListeners]) l()
      closeListeners.clear()
    }
    const transport: Transport = {
      send(m) {
        if (ws.readyState === WebSocket.OPEN) ws.send(m)
        else if (ws.readyState === WebSocket.CONNECTING) queue.push(m)
      },
      onMessage(listener) {
        messageListeners.add(listener)
        return { dispose: () => messageListeners.delete(listener) }
      },
      onClose(listener) {
        closeListeners.add(listener)
        return { dispose: () => closeListeners.delete(listener) }
      },
      close() {
        ws.close()
      },
    }
  })
}

/** ws://host/rpc for the page's origin; a `token` query param is passed through for the first load. */
export function rpcSocketUrl(location: Location): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const token = new URLSearchParams(location.search).get('token')
  return `${proto}//${location.host}/rpc${token ? `?token=${encodeURIComponent(token)}` : ''}`
}
