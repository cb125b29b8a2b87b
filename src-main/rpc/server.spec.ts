import { afterEach, describe, expect, it } from 'vitest'
import { RpcClient } from '../../src-shared/rpc/client'
import { RpcError } from '../../src-shared/rpc/errors'
import { createMemoryTransportPair } from '../../src-shared/rpc/memory-transport'
import type { Transport } from '../../src-shared/rpc/transport'
import { toDisposable } from '../core/base/lifecycle'
import { RpcServer, type RpcServerOptions } from './server'

const info = {
  name: 'Bot Bottle',
  version: '1.0.0',
  mode: 'serve' as const,
  platform: 'linux',
  arch: 'x64',
  configDir: '/c',
  dataDir: '/d',
  manifestPath: '/c/manifest.yaml',
}

function setup(options: Partial<RpcServerOptions> = {}) {
  let disposedSubs = 0
  const server = new RpcServer({
    methods: {
      'app.info': () => info,
      'bottles.get': ({ id }) => {
        throw new RpcError('NOT_FOUND', `no bottle ${id}`)
      },
      'bottles.list': () => {
        throw new Error('disk on fire')
      },
      'cache.list': () => ({ dir: 42 }) as never,
      ...options.methods,
    },
    topics: {
      'app.log': (_p, sink) => {
        sink.emit({ time: 't', level: 'info', scope: 's', message: 'hello', bottleId: null })
        return toDisposable(() => disposedSubs++)
      },
      ...options.topics,
    },
  })
  const [clientSide, serverSide] = createMemoryTransportPair()
  server.connect(serverSide)
  const received: unknown[] = []
  clientSide.onMessage((m) => received.push(JSON.parse(m)))
  return { server, clientSide, serverSide, received, disposed: () => disposedSubs }
}

const tick = () => new Promise((r) => setTimeout(r, 5))

async function raw(
  t: Transport,
  received: unknown[],
  message: string,
): Promise<Record<string, unknown>> {
  const before = received.length
  t.send(message)
  for (let i = 0; i < 50 && received.length === before; i++) await tick()
  return received[received.length - 1] as Record<string, unknown>
}

describe('RpcServer', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => cleanups.splice(0).forEach((c) => c()))

  it('answers a valid call through the typed client', async () => {
    const { clientSide } = setup()
    const client = new RpcClient(clientSide)
    await expect(client.call('app.info', {})).resolves.toEqual(info)
  })

  it.each([
    ['not JSON', '{nope', 'PARSE_ERROR'],
    ['a JSON string', '"hello"', 'INVALID_MESSAGE'],
    ['null', 'null', 'INVALID_MESSAGE'],
    ['an array', '[1,2]', 'INVALID_MESSAGE'],
    ['an unknown kind', '{"t":"explode","id":1}', 'INVALID_MESSAGE'],
    ['a call without id', '{"t":"call","method":"app.info","params":{}}', 'INVALID_MESSAGE'],
    ['a negative id', '{"t":"call","id":-1,"method":"app.info","params":{}}', 'INVALID_MESSAGE'],
    ['a fractional id', '{"t":"call","id":1.5,"method":"app.info","params":{}}', 'INVALID_MESSAGE'],
    ['extra keys', '{"t":"call","id":1,"method":"app.info","params":{},"x":1}', 'INVALID_MESSAGE'],
    ['a non-string method', '{"t":"call","id":1,"method":7,"params":{}}', 'INVALID_MESSAGE'],
    [
      'a prototype key as method',
      '{"t":"call","id":1,"method":"__proto__","params":{}}',
      'UNKNOWN_METHOD',
    ],
    ['toString as method', '{"t":"call","id":1,"method":"toString","params":{}}', 'UNKNOWN_METHOD'],
    [
      'an unknown method',
      '{"t":"call","id":1,"method":"bottles.explode","params":{}}',
      'UNKNOWN_METHOD',
    ],
    ['an unknown topic', '{"t":"sub","id":1,"topic":"nope","params":{}}', 'UNKNOWN_TOPIC'],
  ])('rejects %s with a typed error and keeps serving', async (_name, message, code) => {
    const { clientSide, received } = setup()
    const reply = await raw(clientSide, received, message)
    expect(reply.t).toBe('error')
    expect((reply.error as { code: string }).code).toBe(code)
    expect(JSON.stringify(reply)).not.toMatch(/\n\s+at /) // no stack
    const client = new RpcClient(clientSide)
    await expect(client.call('app.info', {})).resolves.toEqual(info)
  })

  it('rejects invalid params naming the field and the reason', async () => {
    const { clientSide, received } = setup()
    const reply = await raw(
      clientSide,
      received,
      '{"t":"call","id":3,"method":"bottles.get","params":{"id":"Not A Slug!"}}',
    )
    expect(reply).toMatchObject({ t: 'error', id: 3, error: { code: 'INVALID_PARAMS' } })
    const error = reply.error as { message: string; details: { issues: { path: string }[] } }
    expect(error.message).toContain('id:')
    expect(error.details.issues[0]?.path).toBe('id')
  })

  it('refuses a subscription with invalid params, naming the field, and never opens it', async () => {
    const { clientSide, received, disposed } = setup()
    const reply = await raw(
      clientSide,
      received,
      '{"t":"sub","id":4,"topic":"app.log","params":{"x":1}}',
    )
    expect(reply).toMatchObject({ t: 'error', id: 4, error: { code: 'INVALID_PARAMS' } })
    expect((reply.error as { message: string }).message).toBe(
      'invalid params for app.log: (root): Unrecognized key: "x"',
    )
    await tick()
    expect(disposed()).toBe(0)
  })

  it('rejects unexpected params keys (strict schemas)', async () => {
    const { clientSide } = setup()
    const client = new RpcClient(clientSide)
    await expect(client.call('app.info', { extra: 1 } as never)).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    })
  })

  it('passes RpcErrors through and hides other errors’ stacks', async () => {
    const { clientSide, received } = setup()
    const client = new RpcClient(clientSide)
    await expect(client.call('bottles.get', { id: 'abc' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no bottle abc',
    })
    await expect(client.call('bottles.list', {})).rejects.toMatchObject({ code: 'INTERNAL' })
    expect(JSON.stringify(received)).not.toContain('server.spec.ts')
  })

  it('refuses results outside the contract', async () => {
    const { clientSide } = setup()
    const client = new RpcClient(clientSide)
    await expect(client.call('cache.list', {})).rejects.toMatchObject({ code: 'INTERNAL' })
  })

  it('answers UNAVAILABLE for a contract method without a handler', async () => {
    const { clientSide } = setup()
    const client = new RpcClient(clientSide)
    await expect(client.call('preflight.run', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' })
  })

  it('refuses a request id already in flight', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { clientSide, received } = setup({
      methods: { 'app.info': async () => (await gate, info) },
    })
    clientSide.send('{"t":"call","id":9,"method":"app.info","params":{}}')
    const reply = await raw(
      clientSide,
      received,
      '{"t":"call","id":9,"method":"app.info","params":{}}',
    )
    expect(reply).toMatchObject({ t: 'error', id: 9, error: { code: 'DUPLICATE_ID' } })
    release()
  })

  it('streams subscription events and disposes them on unsubscribe', async () => {
    const { clientSide, disposed } = setup()
    const client = new RpcClient(clientSide)
    const events: unknown[] = []
    const sub = client.subscribe('app.log', {}, (e) => events.push(e))
    await tick()
    expect(events).toHaveLength(1)
    sub.dispose()
    await tick()
    expect(disposed()).toBe(1)
  })

  it('disposes every subscription of a connection when it closes', async () => {
    const { server, clientSide, disposed } = setup()
    const client = new RpcClient(clientSide)
    client.subscribe('app.log', {}, () => {})
    client.subscribe('app.log', {}, () => {})
    await tick()
    expect(server.subscriptionCount).toBe(2)
    clientSide.close()
    await tick()
    expect(disposed()).toBe(2)
    expect(server.subscriptionCount).toBe(0)
    expect(server.connectionCount).toBe(0)
  })

  it('drops results for calls whose connection closed meanwhile', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { server, clientSide, serverSide } = setup({
      methods: { 'app.info': async () => (await gate, info) },
    })
    const client = new RpcClient(clientSide)
    const pending = client.call('app.info', {})
    await tick()
    serverSide.close()
    await expect(pending).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    release()
    await tick()
    expect(server.connectionCount).toBe(0)
  })

  it('lets the server end a subscription with an error', async () => {
    const { clientSide } = setup({
      topics: {
        'app.log': (_p, sink) => {
          setTimeout(() => sink.end(new RpcError('NOT_FOUND', 'gone')), 1)
          return toDisposable(() => {})
        },
      },
    })
    const client = new RpcClient(clientSide)
    const ended = new Promise<RpcError | undefined>((resolve) =>
      client.subscribe('app.log', {}, () => {}, resolve),
    )
    await expect(ended).resolves.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('ends a subscription whose events break the contract', async () => {
    const { clientSide } = setup({
      topics: {
        'app.log': (_p, sink) => {
          sink.emit({ nonsense: true } as never)
          return toDisposable(() => {})
        },
      },
    })
    const client = new RpcClient(clientSide)
    const ended = new Promise<RpcError | undefined>((resolve) =>
      client.subscribe('app.log', {}, () => {}, resolve),
    )
    await expect(ended).resolves.toMatchObject({ code: 'INTERNAL' })
  })

  it('refuses oversized messages', async () => {
    const { clientSide, received } = setup()
    const reply = await raw(clientSide, received, 'x'.repeat(8 * 1024 * 1024 + 10))
    expect(reply).toMatchObject({ t: 'error', id: null, error: { code: 'INVALID_MESSAGE' } })
  })
})
