import { afterEach, describe, expect, it, vi } from 'vitest'
import { nullLogger } from '../core/base/logger'
import { ShellStore } from './shell-store'
import { FakeShellBackend, makeBottle, makeSession, makeStep, makeTeardown } from './testing'
import type { Teardown } from '../../src-shared/contract'

let backend: FakeShellBackend
let store: ShellStore
afterEach(() => {
  store?.dispose()
  backend?.dispose()
})

function start(setup: (b: FakeShellBackend) => void = () => {}, retryMs = 2000): ShellStore {
  backend = new FakeShellBackend()
  setup(backend)
  store = new ShellStore(backend.client, nullLogger, retryMs)
  store.start()
  return store
}

describe('shell store (over the contract, in-process)', () => {
  it('starts from the snapshots: bottles, sessions, settings, agents, preflight', async () => {
    start((b) => {
      b.bottles = [makeBottle({ id: 'a' })]
      b.sessions = [makeSession({ id: 's1', bottleId: 'a' })]
      b.agents = ['claude', 'codex']
      b.failingChecks = ['kvm']
    })
    await vi.waitFor(() => {
      expect(store.state.connected).toBe(true)
      expect(store.state.manifest).toEqual({ valid: true, agents: ['claude', 'codex'] })
      expect(store.state.setupProblems.map((c) => c.id)).toEqual(['kvm'])
      expect(store.state.settings?.notifications).toBe(true)
    })
    expect(store.state.bottles.map((b) => b.id)).toEqual(['a'])
    expect(store.state.sessions.map((s) => s.id)).toEqual(['s1'])
  })

  it('follows upserts, steps and removals, and passes teardowns on', async () => {
    start()
    await vi.waitFor(() => expect(store.state.connected).toBe(true))
    const teardowns: Teardown[] = []
    store.onTeardown((t) => teardowns.push(t))
    backend.emit({ kind: 'upsert', bottle: makeBottle({ id: 'x', state: 'launching' }) })
    backend.emit({
      kind: 'step',
      id: 'x',
      step: makeStep({ id: 'bundle', label: 'Start bundle' }),
    })
    await vi.waitFor(() => expect(store.state.bottles[0]?.steps[0]?.state).toBe('running'))
    backend.emit({ kind: 'teardown', teardown: makeTeardown({ id: 'x', reason: 'launch-failed' }) })
    backend.emit({ kind: 'removed', id: 'x' })
    await vi.waitFor(() => expect(store.state.bottles).toEqual([]))
    expect(teardowns.map((t) => t.reason)).toEqual(['launch-failed'])
  })

  it('follows settings changes and reruns preflight when a binary path changes', async () => {
    start((b) => (b.failingChecks = ['smolvm']))
    await vi.waitFor(() => expect(store.state.setupProblems).toHaveLength(1))
    backend.failingChecks = []
    await backend.client.call('settings.update', { smolvmPath: '/opt/smolvm/bin/smolvm' })
    await vi.waitFor(() => {
      expect(store.state.settings?.smolvmPath).toBe('/opt/smolvm/bin/smolvm')
      expect(store.state.setupProblems).toHaveLength(0)
    })
  })

  it('marks itself disconnected when the bottle feed ends, and resubscribes', async () => {
    start(() => {}, 20)
    await vi.waitFor(() => expect(store.state.connected).toBe(true))
    const seen: boolean[] = []
    store.onDidChange((st) => seen.push(st.connected))
    backend.bottles = [makeBottle({ id: 'after-restart' })]
    backend.endBottleEvents()
    await vi.waitFor(() => {
      expect(store.state.connected).toBe(true)
      expect(store.state.bottles.map((b) => b.id)).toEqual(['after-restart'])
    })
    expect(seen[0]).toBe(false)
  })

  it('keeps the last agents when the manifest cannot be read', async () => {
    start()
    await vi.waitFor(() => expect(store.state.manifest?.agents).toEqual(['claude']))
    const failing = new FakeShellBackend({
      'manifest.get': () => {
        throw new Error('EACCES')
      },
    })
    const other = new ShellStore(failing.client, nullLogger)
    await other.refreshManifest()
    expect(other.state.manifest).toBeNull()
    other.dispose()
    failing.dispose()
  })

  it('waits for a bottle to reach a state, or times out', async () => {
    start((b) => (b.bottles = [makeBottle({ id: 'w' })]))
    await vi.waitFor(() => expect(store.state.connected).toBe(true))
    const gone = store.waitForBottle('w', (b) => !b, 5000)
    backend.emit({ kind: 'removed', id: 'w' })
    await expect(gone).resolves.toBeUndefined()
    await expect(store.waitForBottle('nope', (b) => b?.state === 'running', 30)).rejects.toThrow(
      /still not at rest/,
    )
  })
})
