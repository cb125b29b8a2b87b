import { PassThrough, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcClient } from '../../src-shared/rpc/client'
import { createMemoryTransportPair } from '../../src-shared/rpc/memory-transport'
import { nullLogger } from '../core/base/logger'
import { SessionService } from '../core/sessions/session-service'
import { TEST_PROMPT, localShellProvider, snapshotScreen, waitFor } from '../core/sessions/testing'
import { sessionHandlers } from '../rpc/handlers/sessions'
import { RpcServer } from '../rpc/server'
import { AltScreenTracker, DETACH_KEY, linkTerminal } from './session-terminal'

describe('AltScreenTracker', () => {
  it('follows the last switch, also when a sequence is split across chunks', () => {
    const t = new AltScreenTracker()
    t.see('plain text')
    expect(t.active).toBe(false)
    t.see('\x1b[?104')
    t.see('9h full screen')
    expect(t.active).toBe(true)
    t.see('\x1b[?1049l\x1b[?47h')
    expect(t.active).toBe(true)
    t.see('x\x1b[?4')
    t.see('7l')
    expect(t.active).toBe(false)
  })
})

/**
 * A terminal that stops taking output (this process suspended, a pipe nobody
 * reads) is detached by the session after a while; once it drains, it follows
 * again from the snapshot instead of ending.
 */
describe('linkTerminal', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('follows again from the snapshot after the session detached it as stalled', async () => {
    const svc = new SessionService(localShellProvider(), undefined, { stalledViewerMs: 300 })
    const rpc = new RpcServer({ ...sessionHandlers(svc), logger: nullLogger })
    const [server, transport] = createMemoryTransportPair()
    rpc.connect(server)
    const client = new RpcClient(transport)
    cleanups.push(
      () => svc.dispose(),
      () => rpc.dispose(),
      () => client.dispose(),
    )
    const { id } = await svc.open({ bottleId: 'b1', kind: 'shell', cols: 80, rows: 24 })
    await waitFor('the prompt', async () => (await svc.snapshot(id)).data.includes(TEST_PROMPT))

    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin })
    let stuck = false
    const held: (() => void)[] = []
    let out = ''
    const stdout = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          out += chunk.toString()
          if (stuck) held.push(() => done())
          else done()
        },
      }),
      { isTTY: true, columns: 80, rows: 24 },
    )
    const outcome = linkTerminal({
      client,
      sessionId: id,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: stdout as unknown as NodeJS.WriteStream,
      interrupted: new Promise(() => {}),
    })
    let settled = false
    void outcome.then(() => (settled = true))
    await waitFor('the first snapshot', () => out.includes(TEST_PROMPT))

    stuck = true
    stdin.write('yes\r')
    await waitFor('the detach', () => svc.stats(id).stalledViewers === 1)
    expect(svc.stats(id).viewers).toBe(0)
    stdin.write('\x03')
    await waitFor('the prompt after the flood', async () =>
      (await snapshotScreen(await svc.snapshot(id))).some(
        (l) => l.trimEnd() === TEST_PROMPT.trim(),
      ),
    )

    // The terminal takes output again: the backlog drains, the snapshot follows.
    const drained = out.length
    stuck = false
    for (const release of held.splice(0)) release()
    await waitFor('following again', () => svc.stats(id).viewers === 1)
    stdin.write('echo again-$((40+2))\r')
    await waitFor('live output after the snapshot', () => out.slice(drained).includes('again-42'))
    expect(settled).toBe(false)

    stdin.write(DETACH_KEY)
    expect(await outcome).toEqual({ kind: 'detached' })
  })
})
