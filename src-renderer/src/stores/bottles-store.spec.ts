// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { bindConnection } from '../lib/backend'
import { FakeBackend, type FakeSink } from '../test-support/fake-backend'
import { makeBottle } from '../test-support/factories'
import { EMPTY_BOTTLES } from './bottle-events'
import { runBottleAction, startBottlesFeed, useBottles } from './bottles-store'
import { useNotices } from './notices-store'

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

describe('bottles store', () => {
  let fake: FakeBackend
  let stop: () => void
  let sinks: FakeSink<'bottles.events'>[]

  beforeEach(() => {
    useBottles.setState({ ...EMPTY_BOTTLES, status: 'connecting', error: null, actions: {} })
    useNotices.setState({ notices: [] })
    sinks = []
    fake = new FakeBackend().topic('bottles.events', (_p, sink) => {
      sinks.push(sink)
      sink.emit({ kind: 'snapshot', bottles: [makeBottle('a')], orphans: [] })
    })
    bindConnection(fake)
    stop = startBottlesFeed()
  })
  afterEach(() => {
    stop()
    bindConnection(null)
  })

  it('fills from the snapshot and follows changes', async () => {
    fake.connect()
    await tick()
    expect(useBottles.getState().status).toBe('live')
    expect(useBottles.getState().ids).toEqual(['a'])
    fake.emit('bottles.events', { kind: 'upsert', bottle: makeBottle('a', { state: 'stopping' }) })
    await tick()
    expect(useBottles.getState().byId.a?.state).toBe('stopping')
  })

  it('subscribes again on every connect and takes the new snapshot', async () => {
    fake.connect()
    await tick()
    fake.disconnect()
    await tick()
    expect(useBottles.getState().status).toBe('error')
    // Stale data stays on screen while reconnecting.
    expect(useBottles.getState().ids).toEqual(['a'])
    fake.topic('bottles.events', (_p, sink) =>
      sink.emit({ kind: 'snapshot', bottles: [makeBottle('b')], orphans: [] }),
    )
    fake.connect()
    await tick()
    expect(useBottles.getState().status).toBe('live')
    expect(useBottles.getState().ids).toEqual(['b'])
    expect(fake.subscriptions('bottles.events')).toBe(1)
  })

  it('reports a backend without bottles.events as an error state', async () => {
    fake.topic('bottles.events', undefined as never)
    fake.connect()
    await tick()
    expect(useBottles.getState().status).toBe('error')
    expect(useBottles.getState().error?.code).toBe('UNAVAILABLE')
  })

  it('turns an unexpected teardown into a notice', async () => {
    fake.connect()
    await tick()
    sinks[0]!.emit({
      kind: 'teardown',
      teardown: {
        id: 'a',
        reason: 'bundle-died',
        detail: 'bundle container exited (code 137)',
        agent: 'claude',
        projectDir: '/home/me/a',
        ranForMs: 65_000,
        exitCode: null,
        failedStep: null,
        time: '2026-01-01T11:00:00Z',
      },
    })
    await tick()
    const [n] = useNotices.getState().notices
    expect(n?.tone).toBe('error')
    expect(n?.detail).toContain('exited (code 137)')
    expect(n?.href).toBe('#/bottles/a')
  })

  it('keeps a refused action’s error per bottle', async () => {
    fake.method('bottles.stop', () => {
      throw new RpcError('PRECONDITION', 'the bottle is not running')
    })
    fake.connect()
    await tick()
    expect(await runBottleAction('a', 'stop')).toBeNull()
    expect(useBottles.getState().actions.a).toMatchObject({
      action: 'stop',
      pending: false,
      error: { code: 'PRECONDITION', message: 'the bottle is not running' },
    })
  })
})
