import { afterEach, describe, expect, it, vi } from 'vitest'
import { RpcError } from '../../src-shared/rpc/errors'
import { nullLogger } from '../core/base/logger'
import type { ShellDialog } from './dialogs'
import { QuitController, type QuitHost } from './quit-controller'
import { ShellStore } from './shell-store'
import { FakeShellBackend, makeBottle } from './testing'

/** Answers questions from a script and records progress and the exit. */
class ScriptedHost implements QuitHost {
  asked: ShellDialog[] = []
  progressTexts: (string | null)[] = []
  exited = 0
  /** When exit happened, the states of the fake backend's bottles. */
  statesAtExit: string[] = []
  constructor(
    private readonly answers: string[],
    private readonly backend: () => FakeShellBackend,
  ) {}
  async ask<A extends string>(dialog: ShellDialog<A>): Promise<A> {
    this.asked.push(dialog)
    const a = this.answers.shift()
    if (!a) throw new Error(`unexpected question: ${dialog.message}`)
    return a as A
  }
  progress(text: string | null): void {
    this.progressTexts.push(text)
  }
  exit(): void {
    this.exited++
    this.statesAtExit = this.backend().bottles.map((b) => `${b.id}:${b.state}`)
  }
}

let backend: FakeShellBackend
let store: ShellStore
afterEach(() => {
  store.dispose()
  backend.dispose()
})

async function setup(
  answers: string[],
  overrides: ConstructorParameters<typeof FakeShellBackend>[0] = {},
  stopTimeoutMs?: number,
) {
  backend = new FakeShellBackend(overrides)
  backend.bottles = [
    makeBottle({ id: 'run' }),
    makeBottle({ id: 'boot', state: 'launching' }),
    makeBottle({ id: 'old', state: 'stopped' }),
  ]
  store = new ShellStore(backend.client, nullLogger)
  store.start()
  await vi.waitFor(() => expect(store.state.connected).toBe(true))
  const host = new ScriptedHost(answers, () => backend)
  const quit = new QuitController({
    client: backend.client,
    store,
    host,
    home: '/home/me',
    log: nullLogger,
    stopTimeoutMs,
  })
  return { host, quit }
}

describe('quit controller', () => {
  it('exits at once when nothing runs', async () => {
    backend = new FakeShellBackend()
    store = new ShellStore(backend.client, nullLogger)
    store.start()
    await vi.waitFor(() => expect(store.state.connected).toBe(true))
    const host = new ScriptedHost([], () => backend)
    new QuitController({
      client: backend.client,
      store,
      host,
      home: '/home/me',
      log: nullLogger,
    }).request()
    expect(host.exited).toBe(1)
    expect(host.asked).toEqual([])
  })

  it('stop-all stops and cancels, and exits only when every bottle is at rest', async () => {
    const { host, quit } = await setup(['stop-all'])
    quit.request()
    await vi.waitFor(() => expect(host.exited).toBe(1))
    expect(host.asked[0]?.message).toBe('Stop 2 bottles before quitting?')
    expect(backend.calls.map((c) => c.method).sort()).toEqual(['bottles.cancel', 'bottles.stop'])
    expect(host.statesAtExit).toEqual(['run:stopped', 'boot:stopped', 'old:stopped'])
    expect(host.progressTexts[0]).toBe('Stopping bottles… 0 of 2 done')
    expect(host.progressTexts).toContain('Stopping bottles… 1 of 2 done')
    expect(quit.phase).toBe('exiting')
  })

  it('waits for the teardown to finish even when the stop call returns first', async () => {
    const { host, quit } = await setup(['stop-all'], {
      'bottles.stop': ({ id }) => {
        const b = makeBottle({ id })
        backend.emit({ kind: 'upsert', bottle: { ...b, state: 'stopping' } })
        setTimeout(() => backend.emit({ kind: 'upsert', bottle: { ...b, state: 'stopped' } }), 100)
        return {}
      },
    })
    quit.request()
    await vi.waitFor(() => expect(host.exited).toBe(1))
    expect(host.statesAtExit).toEqual(['run:stopped', 'boot:stopped', 'old:stopped'])
  })

  it('leave exits with running bottles still running, after the launch is cancelled', async () => {
    const { host, quit } = await setup(['leave'])
    quit.request()
    await vi.waitFor(() => expect(host.exited).toBe(1))
    expect(backend.calls.map((c) => c.method)).toEqual(['bottles.cancel'])
    expect(host.statesAtExit).toEqual(['run:running', 'boot:stopped', 'old:stopped'])
  })

  it('cancel leaves everything as it was', async () => {
    const { host, quit } = await setup(['cancel'])
    quit.request()
    await vi.waitFor(() => expect(quit.phase).toBe('idle'))
    expect(host.exited).toBe(0)
    expect(backend.calls).toEqual([])
  })

  it('reports a stop that fails; quit anyway exits after the others are done', async () => {
    const { host, quit } = await setup(['stop-all', 'quit-anyway'], {
      'bottles.stop': () => {
        throw new RpcError('COMMAND_FAILED', 'smolvm machine stop failed')
      },
    })
    quit.request()
    await vi.waitFor(() => expect(host.exited).toBe(1))
    expect(host.asked[1]?.message).toBe('A bottle did not stop cleanly.')
    expect(host.asked[1]?.detail).toContain('claude · ~/code/run: smolvm machine stop failed')
    expect(host.statesAtExit).toContain('boot:stopped')
  })

  it('reports a bottle that ends up failed, and cancel keeps the app running', async () => {
    const { host, quit } = await setup(['stop-all', 'cancel'], {
      'bottles.stop': async ({ id }) => {
        backend.emit({
          kind: 'upsert',
          bottle: makeBottle({ id, state: 'failed', stateDetail: 'network still in use' }),
        })
        return {}
      },
    })
    quit.request()
    await vi.waitFor(() => expect(quit.phase).toBe('idle'))
    expect(host.asked[1]?.detail).toContain('network still in use')
    expect(host.exited).toBe(0)
    expect(quit.quitting).toBe(false)
  })

  it('gives up on a teardown that never finishes, and says so', async () => {
    const { host, quit } = await setup(
      ['stop-all', 'quit-anyway'],
      { 'bottles.stop': () => new Promise(() => {}) },
      100,
    )
    quit.request()
    await vi.waitFor(() => expect(quit.quitting).toBe(true))
    await vi.waitFor(() => expect(host.exited).toBe(1))
    expect(host.asked[1]?.detail).toMatch(/claude · ~\/code\/run: bottles\.stop timed out/)
  })
})
