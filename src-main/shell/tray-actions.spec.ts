import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RpcError } from '../../src-shared/rpc/errors'
import { nullLogger } from '../core/base/logger'
import type { DashboardRoute } from './dashboard-routes'
import type { ShellDialog } from './dialogs'
import { ShellStore } from './shell-store'
import { FakeShellBackend, makeBottle } from './testing'
import { runTrayAction, type ShellHost } from './tray-actions'
import type { TrayAction } from './tray-menu'

class FakeHost implements ShellHost {
  routes: DashboardRoute[] = []
  errors: string[] = []
  asked: ShellDialog[] = []
  answer = 'cancel'
  folder: string | null = '/home/me/picked'
  pickedFrom: string[] = []
  quits = 0
  openDashboard(route: DashboardRoute): void {
    this.routes.push(route)
  }
  async pickFolder(defaultPath: string): Promise<string | null> {
    this.pickedFrom.push(defaultPath)
    return this.folder
  }
  async ask<A extends string>(dialog: ShellDialog<A>): Promise<A> {
    this.asked.push(dialog)
    return this.answer as A
  }
  showError(title: string, message: string): void {
    this.errors.push(`${title}: ${message}`)
  }
  quit(): void {
    this.quits++
  }
}

let backend: FakeShellBackend
let store: ShellStore
let host: FakeHost
const run = (action: TrayAction) =>
  runTrayAction(action, {
    client: backend.client,
    state: () => store.state,
    host,
    home: '/home/me',
  })
const called = () => backend.calls.map((c) => [c.method, c.params])

async function setup(overrides: ConstructorParameters<typeof FakeShellBackend>[0] = {}) {
  backend = new FakeShellBackend(overrides)
  backend.bottles = [makeBottle({ id: 'run' }), makeBottle({ id: 'old', state: 'stopped' })]
  backend.settings = { ...backend.settings, recentProjects: ['/home/me/code/app'] }
  store = new ShellStore(backend.client, nullLogger)
  store.start()
  host = new FakeHost()
  await vi.waitFor(() => expect(store.state.settings?.recentProjects).toHaveLength(1))
}

beforeEach(() => setup())
afterEach(() => {
  store.dispose()
  backend.dispose()
})

describe('tray actions', () => {
  it('opens the dashboard at the route and quits through the host', async () => {
    await run({ type: 'open-dashboard', route: { view: 'doctor' } })
    await run({ type: 'quit' })
    expect(host.routes).toEqual([{ view: 'doctor' }])
    expect(host.quits).toBe(1)
    expect(backend.calls).toEqual([])
  })

  it('maps stop, cancel and retry to their methods', async () => {
    await run({ type: 'stop', bottleId: 'run' })
    await run({ type: 'retry', bottleId: 'old' })
    await run({ type: 'cancel', bottleId: 'old' })
    expect(called()).toEqual([
      ['bottles.stop', { id: 'run' }],
      ['bottles.retry', { id: 'old' }],
      ['bottles.cancel', { id: 'old' }],
    ])
  })

  it('opens a session and shows its terminal', async () => {
    await run({ type: 'open-session', bottleId: 'run', kind: 'shell' })
    expect(called()).toEqual([
      ['sessions.open', { bottleId: 'run', kind: 'shell', cols: 80, rows: 24 }],
    ])
    expect(host.routes).toEqual([{ view: 'bottle', id: 'run', tab: 'terminal', session: 's1' }])
  })

  it('asks before removing a running bottle, not a stopped one', async () => {
    await run({ type: 'remove', bottleId: 'run' })
    expect(host.asked[0]?.message).toBe('Remove claude · ~/code/run?')
    expect(backend.calls).toEqual([])
    host.answer = 'remove'
    await run({ type: 'remove', bottleId: 'run' })
    await run({ type: 'remove', bottleId: 'old' })
    expect(host.asked).toHaveLength(2)
    expect(called()).toEqual([
      ['bottles.remove', { id: 'run' }],
      ['bottles.remove', { id: 'old' }],
    ])
  })

  it('launches in a recent folder, or one picked starting from the most recent', async () => {
    await run({ type: 'launch', agent: 'claude', projectDir: '/home/me/code/app' })
    await run({ type: 'choose-folder', agent: 'claude' })
    host.folder = null
    await run({ type: 'choose-folder', agent: 'claude' })
    expect(host.pickedFrom).toEqual(['/home/me/code/app', '/home/me/code/app'])
    expect(called()).toEqual([
      ['bottles.launch', { agent: 'claude', projectDir: '/home/me/code/app', copyWorkdir: false }],
      ['bottles.launch', { agent: 'claude', projectDir: '/home/me/picked', copyWorkdir: false }],
    ])
    expect(host.routes).toEqual([])
  })

  it('opens the prefilled launch form when a launch is refused', async () => {
    backend.dispose()
    store.dispose()
    await setup({
      'bottles.launch': () => {
        throw new RpcError('INVALID_PARAMS', 'projectDir: does not exist')
      },
    })
    await run({ type: 'launch', agent: 'claude', projectDir: '/gone' })
    expect(host.routes).toEqual([{ view: 'new', agent: 'claude', dir: '/gone' }])
    expect(host.errors).toEqual(['Could not launch the bottle: projectDir: does not exist'])
  })

  it('shows what went wrong when a call fails', async () => {
    await run({ type: 'stop', bottleId: 'missing' })
    expect(host.errors).toEqual(['Could not stop the bottle: no bottle missing'])
  })

  it('changes settings', async () => {
    await run({ type: 'set-setting', key: 'startAtLogin', value: true })
    expect(called()).toEqual([['settings.update', { startAtLogin: true }]])
    await vi.waitFor(() => expect(store.state.settings?.startAtLogin).toBe(true))
  })
})
