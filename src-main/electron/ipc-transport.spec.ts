import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_CHANNEL } from '../../src-shared/rpc/transport'
import { nullLogger } from '../core/base/logger'
import { DEFAULT_SETTINGS } from '../core/config/settings-store'
import { RpcServer } from '../rpc/server'
import { APP_ORIGIN } from '../shell/security-policy'
import { fakeEvent, FakeWebContents, ipcMain, resetFake } from './fake-electron'
import { serveRpcOverIpc } from './ipc-transport'

vi.mock('electron', () => import('./fake-electron'))

const CALL = JSON.stringify({ t: 'call', id: 1, method: 'settings.get', params: {} })
let own: FakeWebContents
let rpc: RpcServer

beforeEach(() => {
  resetFake()
  own = new FakeWebContents()
  rpc = new RpcServer({ methods: { 'settings.get': () => DEFAULT_SETTINGS }, topics: {} })
  serveRpcOverIpc({
    rpc,
    appOrigin: () => APP_ORIGIN,
    isOwnWindow: (c) => c.id === own.id,
    logger: nullLogger,
  })
})

/** Sends one IPC message as a frame of `sender` would, and lets the server answer. */
async function send(sender: FakeWebContents, frame: { url: string; parent: object | null } | null) {
  ipcMain.fire(IPC_CHANNEL, fakeEvent({ sender, senderFrame: frame }), CALL)
  await new Promise((r) => setTimeout(r, 20))
}

describe('RPC over IPC (checklist 17)', () => {
  it('answers the app window’s own top-level frame', async () => {
    await send(own, { url: `${APP_ORIGIN}/index.html`, parent: null })
    expect(own.sent).toHaveLength(1)
    expect(JSON.parse(own.sent[0]![1] as string)).toMatchObject({ t: 'result', id: 1 })
    expect(rpc.connectionCount).toBe(1)
  })

  it('drops messages from subframes, other origins, other windows and unknown frames', async () => {
    await send(own, { url: `${APP_ORIGIN}/index.html`, parent: {} })
    await send(own, { url: 'https://evil.example/', parent: null })
    await send(own, null)
    const other = new FakeWebContents()
    await send(other, { url: `${APP_ORIGIN}/index.html`, parent: null })
    expect(own.sent).toEqual([])
    expect(other.sent).toEqual([])
    expect(rpc.connectionCount).toBe(0)
  })

  it('closes the connection when the page navigates away or the contents go', async () => {
    await send(own, { url: `${APP_ORIGIN}/index.html`, parent: null })
    own.fire('did-start-navigation', { isMainFrame: true, isSameDocument: true })
    expect(rpc.connectionCount).toBe(1) // a hash change keeps it
    own.fire('did-start-navigation', { isMainFrame: true, isSameDocument: false })
    expect(rpc.connectionCount).toBe(0)
    // The reloaded page gets a fresh connection, closed when the contents go.
    await send(own, { url: `${APP_ORIGIN}/index.html`, parent: null })
    expect(rpc.connectionCount).toBe(1)
    own.fire('destroyed')
    expect(rpc.connectionCount).toBe(0)
  })
})
