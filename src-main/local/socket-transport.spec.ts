import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Transport } from '../../src-shared/rpc/transport'
import { socketTransport } from './socket-transport'

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('socketTransport', () => {
  let dir: string
  let server: Server
  let path: string
  let accepted: Promise<Socket>

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-sock-'))
    path = join(dir, 't.sock')
    server = createServer()
    accepted = new Promise((resolve) => server.once('connection', resolve))
    await new Promise<void>((r) => server.listen(path, r))
  })

  afterEach(async () => {
    await new Promise((r) => server.close(r))
    await rm(dir, { recursive: true, force: true })
  })

  async function pair(
    options: Parameters<typeof socketTransport>[1] = {},
  ): Promise<{ raw: Socket; transport: Transport; received: string[]; closed: Promise<void> }> {
    const raw = createConnection(path)
    await new Promise((r) => raw.once('connect', r))
    const transport = socketTransport(await accepted, options)
    const received: string[] = []
    transport.onMessage((m) => received.push(m))
    const closed = new Promise<void>((r) => transport.onClose(r))
    return { raw, transport, received, closed }
  }

  it('delivers whole messages however the stream is cut, multi-byte characters included', async () => {
    const { raw, received, transport } = await pair()
    const serverSide = await accepted
    let chunks = 0
    serverSide.on('data', () => chunks++)
    const messages = [
      JSON.stringify({ t: 'call', id: 1, text: 'grüße 🍾 — "quoted"\nnewline' }),
      JSON.stringify({ t: 'call', id: 2 }),
      JSON.stringify({ t: 'call', id: 3, text: '日本語'.repeat(50) }),
    ]
    const bytes = Buffer.from(messages.map((m) => m + '\n').join(''))
    // Cut inside a 4-byte emoji, inside a 3-byte character, and two whole
    // messages together in the last piece.
    const emoji = bytes.indexOf(Buffer.from('🍾'))
    const cuts = [emoji + 2, bytes.indexOf(Buffer.from('日')) + 1, bytes.length]
    let start = 0
    for (const end of cuts) {
      raw.write(bytes.subarray(start, end))
      start = end
      await pause(20)
    }
    expect(chunks).toBe(cuts.length)
    expect(received).toEqual(messages)
    transport.close()
    raw.destroy()
  })

  it('sends one line per message, and refuses a raw newline', async () => {
    const { raw, transport } = await pair()
    let text = ''
    raw.on('data', (d: Buffer) => (text += d.toString()))
    transport.send('{"a":1}')
    transport.send('{"b":"ü"}')
    expect(() => transport.send('{"c":\n1}')).toThrow(/raw newline/)
    await pause(20)
    expect(text).toBe('{"a":1}\n{"b":"ü"}\n')
    raw.destroy()
  })

  it('closes the connection on a message over the limit, after delivering those before it', async () => {
    const problems: string[] = []
    const { raw, received, closed } = await pair({
      maxFrameBytes: 64,
      onProblem: (p) => problems.push(p),
    })
    raw.write('{"ok":1}\n' + 'x'.repeat(40))
    await pause(20)
    raw.write('y'.repeat(40)) // the frame now holds 80 bytes, still without its newline
    await closed
    expect(received).toEqual(['{"ok":1}'])
    expect(problems).toEqual(['a message exceeds 64 bytes'])
    const peerClosed = await new Promise((r) => {
      if (raw.destroyed || raw.readableEnded) r(true)
      raw.once('close', () => r(true))
    })
    expect(peerClosed).toBe(true)
  })

  it('rejects an oversize message that arrives whole with its newline', async () => {
    const { raw, received, closed } = await pair({ maxFrameBytes: 64 })
    raw.write('z'.repeat(65) + '\n{"after":1}\n')
    await closed
    expect(received).toEqual([])
  })

  it('close flushes what was sent, then the peer sees the end; sending afterwards throws', async () => {
    const { raw, transport, closed } = await pair()
    let text = ''
    raw.on('data', (d: Buffer) => (text += d.toString()))
    const peerEnded = new Promise((r) => raw.once('end', r))
    const big = '{"last":"' + 'w'.repeat(200_000) + '"}'
    transport.send(big)
    transport.close()
    expect(() => transport.send('{}')).toThrow(/closed/)
    await peerEnded
    expect(text).toBe(big + '\n')
    raw.end()
    await closed
  })

  it('reports the peer closing', async () => {
    const { raw, closed } = await pair()
    raw.end()
    await expect(closed).resolves.toBeUndefined()
  })
})
