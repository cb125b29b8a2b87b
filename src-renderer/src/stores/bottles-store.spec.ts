// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Teardown } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { bindConnection } from '../lib/backend'
import { FakeBackend, type FakeSink } from '../test-support/fake-backend'
import { SETTINGS, makeBottle } from '../test-support/factories'
import { EMPTY_BOTTLES } from './bottle-events'
import { runBottleAction, startBottlesFeed, useBottles } from './bottles-store'
import { useNotices } from './notices-store'
import { useSettings } from './settings-store'

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

describe('bottles store', () => {
  let fake: FakeBackend
  let stop: () => void
  let sinks: FakeSink<'bottles.events'>[]

  beforeEach(() => {
    useBottles.setState({ ...EMPTY_BOTTLES, status: 'connecting', error: null, actions: {} })
    useNotices.setState({ notices: [] })
    useSettings.setState({ settings: null })
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

  const bundleDied = (id: string): Teardown => ({
    id,
    reason: 'bundle-died',
    detail: 'bundle container exited (code 137)',
    agent: 'claude',
    projectDir: `/home/me/${id}`,
    ranForMs: 65_000,
    exitCode: null,
    failedStep: null,
    time: '2026-01-01T11:00:00Z',
  })

  it('turns an unexpected teardown into a notice', async () => {
    fake.connect()
    await tick()
    sinks[0]!.emit({ kind: 'teardown', teardown: bundleDied('a') })
    await tick()
    const [n] = useNotices.getState().notices
    expect(n?.tone).toBe('error')
    expect(n?.detail).toContain('exited (code 137)')
    expect(n?.href).toBe('#/bottles/a')
  })

  it('shows no notice of an ending while notifications are off in the settings', async () => {
    fake.connect()
    await tick()
    useSettings.setState({ settings: { ...SETTINGS, notifications: false } })
    sinks[0]!.emit({ kind: 'teardown', teardown: bundleDied('a') })
    await tick()
    expect(useNotices.getState().notices).toEqual([])
    // The ending is still recorded for the bottle's page.
    expect(useBottles.getState().teardowns.a?.reason).toBe('bundle-died')
    useSettings.setState({ settings: SETTINGS })
    sinks[0]!.emit({ kind: 'teardown', teardown: bundleDied('a') })
    await tick()
    expect(useNotices.getState().notices).toHaveLength(1)
  })

  it('keeps a refused action’s error per bottle', async () => {
    fake.method('bottles.cancel', () => {
      throw new RpcError('PRECONDITION', 'bottle a is running, not launching')
    })
    fake.connect()
    await tick()
    expect(await runBottleAction('a', 'cancel')).toBeNull()
    expect(useBottles.getState().actions.a).toMatchObject({
      action: 'cancel',
      pending: false,
      error: { code: 'PRECONDITION', message: 'bottle a is running, not launching' },
    })
  })
})
