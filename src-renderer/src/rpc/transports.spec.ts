// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BRIDGE_NAME, type PreloadBridge } from '../../../src-shared/rpc/transport'
import { RpcConnection, type ConnectionState } from './connection'
import { ipcTransport, preloadBridge, rpcSocketUrl } from './transports'

// Which transport the dashboard picks: the preload bridge when the page runs
// in Electron, a WebSocket to its own origin otherwise (serve mode).

/** Answers every call with `{opened:false}` (app.openExternal's result), as the backend would. */
function answer(send: (m: string) => void, text: string): void {
  const msg = JSON.parse(text) as { t: string; id: number }
  if (msg.t === 'call') send(JSON.stringify({ t: 'result', id: msg.id, result: { opened: false } }))
}

/** A preload bridge wired to a fake main process. */
function fakeBridge() {
  const listeners = new Set<(m: string) => void>()
  const sent: string[] = []
  const bridge: PreloadBridge = {
    send(m) {
      sent.push(m)
      queueMicrotask(() => answer((r) => listeners.forEach((l) => l(r)), m))
    },
    onMessage(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  }
  return { bridge, sent, listeners }
}

/** Records every socket the page opens; the test decides when it connects. */
class FakeWebSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 3
  static opened: FakeWebSocket[] = []
  readyState = FakeWebSocket.CONNECTING
  readonly sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  constructor(readonly url: string) {
    FakeWebSocket.opened.push(this)
  }
  accept(): void {
    this.readyState = FakeWebSocket.OPEN
    this.onopen?.()
  }
  send(m: string): void {
    this.sent.push(m)
    queueMicrotask(() => answer((r) => this.onmessage?.({ data: r }), m))
  }
  close(): void {
    if (this.readyState === FakeWebSocket.CLOSED) return
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.()
  }
}

const win = window as unknown as Record<string, unknown>

function track(conn: RpcConnection): ConnectionState[] {
  const states: ConnectionState[] = []
  conn.subscribe((s) => states.push(s))
  return states
}

describe('renderer transport choice', () => {
  let conn: RpcConnection

  beforeEach(() => {
    FakeWebSocket.opened = []
    vi.stubGlobal('WebSocket', FakeWebSocket)
    window.history.replaceState(null, '', '/?token=t0k%2B1#/bottles')
    conn = new RpcConnection()
  })
  afterEach(() => {
    conn.stop()
    delete win[BRIDGE_NAME]
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('finds the preload bridge only when it has both functions', () => {
    expect(preloadBridge()).toBeUndefined()
    win[BRIDGE_NAME] = { send: () => {} }
    expect(preloadBridge()).toBeUndefined()
    win[BRIDGE_NAME] = { send: 'x', onMessage: () => () => {} }
    expect(preloadBridge()).toBeUndefined()
    const { bridge } = fakeBridge()
    win[BRIDGE_NAME] = bridge
    expect(preloadBridge()).toBe(bridge)
  })

  it('uses the preload bridge in Electron and opens no socket', async () => {
    const { bridge, sent } = fakeBridge()
    win[BRIDGE_NAME] = bridge
    expect(conn.mode).toBe('ipc')
    const states = track(conn)
    conn.start()
    expect(states).toEqual(['connecting', 'connected'])
    await expect(
      conn.current!.call('app.openExternal', { url: 'https://example.com/' }),
    ).resolves.toEqual({ opened: false })
    expect(JSON.parse(sent[0]!)).toMatchObject({ t: 'call', method: 'app.openExternal' })
    expect(FakeWebSocket.opened).toEqual([])
  })

  it('falls back to a WebSocket on its own origin, passing the first-load token', async () => {
    expect(conn.mode).toBe('websocket')
    const states = track(conn)
    conn.start()
    expect(FakeWebSocket.opened.map((s) => s.url)).toEqual([
      `ws://${window.location.host}/rpc?token=t0k%2B1`,
    ])
    const ws = FakeWebSocket.opened[0]!
    ws.accept()
    await vi.waitFor(() => expect(states.at(-1)).toBe('connected'))
    await expect(
      conn.current!.call('app.openExternal', { url: 'https://example.com/' }),
    ).resolves.toEqual({ opened: false })
    expect(JSON.parse(ws.sent[0]!)).toMatchObject({ t: 'call', method: 'app.openExternal' })
  })

  it('reports a socket that never opens as disconnected, then tries again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const states = track(conn)
    conn.start()
    FakeWebSocket.opened[0]!.close()
    await vi.waitFor(() => expect(states).toContain('disconnected'))
    expect(conn.current).toBeNull()
    await vi.advanceTimersByTimeAsync(250)
    expect(FakeWebSocket.opened).toHaveLength(2)
  })
})

describe('ipc transport', () => {
  it('stops sending and unsubscribes from the bridge when closed', () => {
    const { bridge, sent, listeners } = fakeBridge()
    const t = ipcTransport(bridge)
    const closed = vi.fn()
    t.onMessage(() => {})
    t.onClose(closed)
    expect(listeners.size).toBe(1)
    t.close()
    t.send('after close')
    expect(sent).toEqual([])
    expect(listeners.size).toBe(0)
    expect(closed).toHaveBeenCalledOnce()
  })
})

describe('rpc socket url', () => {
  const at = (href: string): Location => new URL(href) as unknown as Location

  it('uses wss under https and the page’s host', () => {
    expect(rpcSocketUrl(at('https://box.example:8443/'))).toBe('wss://box.example:8443/rpc')
    expect(rpcSocketUrl(at('http://127.0.0.1:4000/?token=a%20b'))).toBe(
      'ws://127.0.0.1:4000/rpc?token=a%20b',
    )
  })
})
