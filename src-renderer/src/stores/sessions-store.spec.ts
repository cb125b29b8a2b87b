import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { bindConnection } from '../lib/backend'
import { FakeBackend, type FakeSink } from '../test-support/fake-backend'
import { makeSession } from '../test-support/factories'
import { startSessionsFeed, useSessions } from './sessions-store'

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))

describe('sessions store', () => {
  let fake: FakeBackend
  let stop: () => void
  let sinks: FakeSink<'sessions.events'>[]

  beforeEach(() => {
    useSessions.setState(useSessions.getInitialState(), true)
    sinks = []
    fake = new FakeBackend().topic('sessions.events', (_p, sink) => {
      sinks.push(sink)
      sink.emit({ kind: 'snapshot', sessions: [makeSession('a')] })
    })
    bindConnection(fake)
    stop = startSessionsFeed()
  })
  afterEach(() => {
    stop()
    bindConnection(null)
  })

  it('is not loaded until the first snapshot, then follows changes', async () => {
    expect(useSessions.getState().loaded).toBe(false)
    fake.connect()
    await tick()
    expect(useSessions.getState()).toMatchObject({ loaded: true, error: null })
    expect(useSessions.getState().byBottle.b1?.map((s) => s.id)).toEqual(['a'])
    sinks[0]!.emit({ kind: 'upsert', session: makeSession('a', { state: 'exited', exitCode: 0 }) })
    await tick()
    expect(useSessions.getState().byBottle.b1?.[0]?.state).toBe('exited')
  })

  it('keeps the error of an ended feed until a new subscription delivers again', async () => {
    fake.connect()
    await tick()
    sinks[0]!.end(new RpcError('INTERNAL', 'the session registry went away'))
    await tick()
    // The last lists stay readable beside the error.
    expect(useSessions.getState().error?.message).toBe('the session registry went away')
    expect(useSessions.getState().byBottle.b1).toHaveLength(1)
    fake.disconnect()
    await tick()
    expect(useSessions.getState().error?.code).toBe('UNAVAILABLE')
    fake.topic('sessions.events', (_p, sink) => {
      sinks.push(sink)
    })
    fake.connect()
    await tick()
    // Subscribed again, nothing delivered yet: still an error.
    expect(useSessions.getState().error?.code).toBe('UNAVAILABLE')
    sinks.at(-1)!.emit({ kind: 'snapshot', sessions: [makeSession('b')] })
    await tick()
    expect(useSessions.getState().error).toBeNull()
    expect(useSessions.getState().byBottle.b1?.map((s) => s.id)).toEqual(['b'])
  })

  it('reports a backend without sessions.events before any snapshot', async () => {
    fake.topic('sessions.events', undefined as never)
    fake.connect()
    await tick()
    expect(useSessions.getState()).toMatchObject({ loaded: false, error: { code: 'UNAVAILABLE' } })
  })
})
