import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { SessionOutputEvent } from '../../../src-shared/contract'
import { RpcClient } from '../../../src-shared/rpc/client'
import { createMemoryTransportPair } from '../../../src-shared/rpc/memory-transport'
import { FlowControlConstants } from '../../core/sessions/flow-control'
import { SessionService } from '../../core/sessions/session-service'
import { TEST_PROMPT, localShellProvider, waitFor } from '../../core/sessions/testing'
import { nullLogger } from '../../core/base/logger'
import { startServe } from '../../serve/serve-server'
import { wsTransport } from '../../serve/ws-transport'
import { RpcServer } from '../server'
import { sessionHandlers } from './sessions'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function backend(tuning: { stalledViewerMs?: number } = {}): {
  svc: SessionService
  rpc: RpcServer
} {
  const svc = new SessionService(localShellProvider(), undefined, tuning)
  const rpc = new RpcServer({ ...sessionHandlers(svc), logger: nullLogger })
  cleanups.push(
    () => svc.dispose(),
    () => rpc.dispose(),
  )
  return { svc, rpc }
}

function memoryClient(rpc: RpcServer): RpcClient {
  const [server, client] = createMemoryTransportPair()
  rpc.connect(server)
  const c = new RpcClient(client)
  cleanups.push(() => c.dispose())
  return c
}

/** Subscribes like the renderer: writes, then acknowledges in CharCountAckSize units. */
function watch(client: RpcClient, sessionId: string, acknowledge = true) {
  const kinds: SessionOutputEvent['kind'][] = []
  let data = ''
  let screen = ''
  let unacked = 0
  const sub = client.subscribe('sessions.output', { sessionId }, (e) => {
    kinds.push(e.kind)
    if (e.kind === 'snapshot') screen = e.data
    if (e.kind !== 'data') return
    data += e.data
    unacked += e.data.length
    while (acknowledge && unacked >= FlowControlConstants.CharCountAckSize) {
      unacked -= FlowControlConstants.CharCountAckSize
      void client.call('sessions.ack', { sessionId, chars: FlowControlConstants.CharCountAckSize })
    }
  })
  return {
    kinds,
    sub,
    get data() {
      return data
    },
    /** The snapshot and everything after it. */
    get all() {
      return screen + data
    },
  }
}

const LINES = 500_000
const expected = Array.from({ length: LINES }, (_, i) => `${i + 1}\r\n`).join('')

/** Streams `seq 1 LINES` (~3.9 MB) and checks it arrived complete and in order. */
async function streamSeq(client: RpcClient, svc: SessionService): Promise<void> {
  const { id } = await client.call('sessions.open', { bottleId: 'b1', kind: 'shell' })
  const w = watch(client, id)
  await waitFor('the prompt', () => w.all.includes(TEST_PROMPT))
  // $((1+1)) keeps the markers out of the echoed command line.
  await client.call('sessions.input', {
    sessionId: id,
    data: `echo B$((1+1))GIN; seq 1 ${LINES}; echo E$((1+1))ND\r`,
  })
  await waitFor('the end marker', () => w.data.includes('E2ND\r\n'), 60_000)
  const start = w.data.indexOf('B2GIN\r\n') + 'B2GIN\r\n'.length
  const body = w.data.slice(start, w.data.indexOf('E2ND\r\n'))
  expect(body.length).toBe(expected.length)
  expect(body === expected).toBe(true)
  expect(w.kinds[0]).toBe('snapshot')
  expect(w.kinds.slice(1).every((k) => k === 'data')).toBe(true)
  expect(svc.stats(id).viewers).toBe(1)
  w.sub.dispose()
  await waitFor('the viewer to leave', () => svc.stats(id).viewers === 0)
}

describe('sessions over the RPC', () => {
  it('streams a few MB complete and in order through the server core', async () => {
    const { svc, rpc } = backend()
    await streamSeq(memoryClient(rpc), svc)
  })

  it('streams a few MB complete and in order over the serve WebSocket', async () => {
    const { svc, rpc } = backend()
    const dir = await mkdtemp(join(tmpdir(), 'bb-sessions-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'index.html'), '<!doctype html>')
    const token = 'sessions-test-token'
    const handle = await startServe({ rpc, staticDir: dir, token, logger: nullLogger })
    cleanups.push(() => handle.close())
    const ws = new WebSocket(`ws://127.0.0.1:${handle.port}/rpc?token=${token}`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const client = new RpcClient(wsTransport(ws))
    cleanups.push(() => client.dispose())
    await streamSeq(client, svc)
  })

  it('counts acknowledgements per connection', async () => {
    const { svc, rpc } = backend()
    const watcher = memoryClient(rpc)
    const other = memoryClient(rpc)
    const { id } = await watcher.call('sessions.open', { bottleId: 'b1', kind: 'shell' })
    const w = watch(watcher, id, false)
    await waitFor('the prompt', () => w.all.includes(TEST_PROMPT))
    await watcher.call('sessions.input', { sessionId: id, data: 'yes\r' })
    await waitFor('a pause', () => svc.stats(id).paused)
    // Another connection's acks do not release this viewer.
    await other.call('sessions.ack', { sessionId: id, chars: 1 << 30 })
    expect(svc.stats(id).paused).toBe(true)
    // The viewer leaving does.
    w.sub.dispose()
    await waitFor('a resume', () => svc.stats(id).resumes > 0)
    await watcher.call('sessions.close', { sessionId: id })
    expect((await watcher.call('sessions.list', {}))[0]).toMatchObject({ id, state: 'exited' })
  })

  it('sends the sessions list first, then changes', async () => {
    const { rpc } = backend()
    const client = memoryClient(rpc)
    const seen: string[] = []
    client.subscribe('sessions.events', {}, (e) =>
      seen.push(
        e.kind === 'snapshot'
          ? `snapshot:${e.sessions.length}`
          : e.kind === 'upsert'
            ? `upsert:${e.session.state}`
            : 'removed',
      ),
    )
    const { id } = await client.call('sessions.open', { bottleId: 'b1', kind: 'agent' })
    await client.call('sessions.close', { sessionId: id })
    await client.call('sessions.dismiss', { sessionId: id })
    await waitFor('the removal', () => seen.includes('removed'))
    expect(seen).toEqual(['snapshot:0', 'upsert:running', 'upsert:exited', 'removed'])
    await expect(client.call('sessions.input', { sessionId: id, data: 'x' })).rejects.toMatchObject(
      { code: 'NOT_FOUND' },
    )
  })

  it('ends a stalled viewer’s subscription with UNAVAILABLE and reason "stalled", so the page can attach again', async () => {
    const { svc, rpc } = backend({ stalledViewerMs: 300 })
    const client = memoryClient(rpc)
    const { id } = await svc.open({ bottleId: 'b1', kind: 'shell', cols: 80, rows: 24 })
    await waitFor('the prompt', async () => (await svc.snapshot(id)).data.includes(TEST_PROMPT))
    const ended = new Promise<unknown>((resolve) =>
      client.subscribe('sessions.output', { sessionId: id }, () => {}, resolve),
    )
    svc.input(id, 'yes\r')
    await expect(ended).resolves.toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'stalled' },
    })
    svc.input(id, '\x03')
  })
})
