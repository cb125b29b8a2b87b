import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { BRIDGE_NAME, IPC_CHANNEL, type PreloadBridge } from '../src-shared/rpc/transport'

// The preload against a fake contextBridge and ipcRenderer: what it exposes
// to the page, and that only strings ever cross into it.
type IpcListener = (event: unknown, ...args: unknown[]) => void

const fake = vi.hoisted(() => ({
  exposed: [] as [string, unknown][],
  sent: [] as unknown[][],
  listeners: new Map<string, Set<IpcListener>>(),
}))

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => fake.exposed.push([key, api]),
  },
  ipcRenderer: {
    send: (...args: unknown[]) => fake.sent.push(args),
    on(channel: string, listener: IpcListener) {
      const set = fake.listeners.get(channel) ?? new Set()
      set.add(listener)
      fake.listeners.set(channel, set)
      return this
    },
    removeListener(channel: string, listener: IpcListener) {
      fake.listeners.get(channel)?.delete(listener)
      return this
    },
  },
}))

/** What main's webContents.send does: every listener gets (event, ...args). */
function fromMain(channel: string, ...args: unknown[]): void {
  const event = { sender: { send: () => {} }, senderId: 0, ports: [] }
  for (const l of [...(fake.listeners.get(channel) ?? [])]) l(event, ...args)
}

let bridge: PreloadBridge

beforeAll(async () => {
  await import('./index')
  bridge = fake.exposed[0]![1] as PreloadBridge
})
// A failed test must not leave its listener to the next one.
afterEach(() => fake.listeners.clear())

describe('preload', () => {
  it('exposes exactly send and onMessage, once, under the bridge name', () => {
    expect(fake.exposed).toHaveLength(1)
    expect(fake.exposed[0]![0]).toBe(BRIDGE_NAME)
    expect(Object.keys(bridge).sort()).toEqual(['onMessage', 'send'])
    expect(typeof bridge.send).toBe('function')
    expect(typeof bridge.onMessage).toBe('function')
  })

  it('sends strings on the one RPC channel and refuses anything else', () => {
    bridge.send('{"t":"call"}')
    expect(fake.sent).toEqual([[IPC_CHANNEL, '{"t":"call"}']])
    for (const bad of [{ t: 'call' }, 42, null, undefined]) {
      expect(() => bridge.send(bad as unknown as string)).toThrow(TypeError)
    }
    expect(fake.sent).toHaveLength(1)
  })

  it('hands the page only the message string, never the IPC event', () => {
    const got: unknown[][] = []
    const off = bridge.onMessage((...args: unknown[]) => got.push(args))
    fromMain(IPC_CHANNEL, '{"t":"result"}')
    expect(got).toEqual([['{"t":"result"}']])
    off()
  })

  it('drops non-string payloads and messages on other channels', () => {
    const got: unknown[] = []
    const off = bridge.onMessage((m) => got.push(m))
    fromMain(IPC_CHANNEL, { t: 'result' })
    fromMain(IPC_CHANNEL, 7)
    fromMain(IPC_CHANNEL)
    fromMain('other-channel', 'hello')
    expect(got).toEqual([])
    off()
  })

  it('stops delivering once the returned function is called', () => {
    const got: string[] = []
    const off = bridge.onMessage((m) => got.push(m))
    fromMain(IPC_CHANNEL, 'one')
    off()
    fromMain(IPC_CHANNEL, 'two')
    expect(got).toEqual(['one'])
    expect(fake.listeners.get(IPC_CHANNEL)?.size ?? 0).toBe(0)
  })

  it('refuses a listener that is not a function', () => {
    expect(() => bridge.onMessage('x' as unknown as (m: string) => void)).toThrow(TypeError)
    expect(fake.listeners.get(IPC_CHANNEL)?.size ?? 0).toBe(0)
  })
})
