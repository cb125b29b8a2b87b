import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeBackend } from '../test-support/fake-backend'
import { bindConnection, call } from './backend'

afterEach(() => {
  bindConnection(null)
  vi.useRealTimers()
})

const info = {
  name: 'Bot Bottle',
  version: '1',
  mode: 'serve' as const,
  platform: 'linux',
  arch: 'x64',
  configDir: '/c',
  dataDir: '/d',
  manifestPath: '/c/m',
}

describe('call', () => {
  it('made while the page is still connecting, waits for the connection', async () => {
    const fake = new FakeBackend().method('app.info', () => info)
    bindConnection(fake)
    const answer = call('app.info', {})
    fake.connect()
    await expect(answer).resolves.toEqual(info)
  })

  it('gives up with UNAVAILABLE when no connection comes', async () => {
    vi.useFakeTimers()
    bindConnection(new FakeBackend())
    const answer = call('app.info', {})
    vi.advanceTimersByTime(10_000)
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' })
  })

  it('answers UNAVAILABLE for a method the backend does not offer', async () => {
    const fake = new FakeBackend()
    bindConnection(fake)
    fake.connect()
    await expect(call('preflight.run', {})).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'preflight.run is not available',
    })
  })
})
