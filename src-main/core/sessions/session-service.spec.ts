import { afterEach, describe, expect, it } from 'vitest'
import type { SessionOutputEvent } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { BatchConstants } from './data-batcher'
import { FlowControlConstants } from './flow-control'
import { SessionService, type SessionChange } from './session-service'
import { TEST_PROMPT, localShellProvider, snapshotScreen, waitFor } from './testing'

/** Real node-pty, real bash: nothing here is mocked. */

const services: SessionService[] = []
afterEach(() => {
  for (const s of services.splice(0)) s.dispose()
})

function service(tuning: { stalledViewerMs?: number } = {}): SessionService {
  const s = new SessionService(localShellProvider(), undefined, tuning)
  services.push(s)
  return s
}

function recorder() {
  const events: SessionOutputEvent[] = []
  let data = ''
  let ended = false
  let endReason: string | undefined
  return {
    get endReason() {
      return endReason
    },
    events,
    get data() {
      return data
    },
    get ended() {
      return ended
    },
    viewer: {
      emit(e: SessionOutputEvent) {
        events.push(e)
        if (e.kind === 'data') data += e.data
      },
      end(reason?: string) {
        ended = true
        endReason = reason
      },
    },
  }
}

async function openReady(svc: SessionService, bottleId = 'b1', cols = 80, rows = 24) {
  const info = await svc.open({ bottleId, kind: 'shell', cols, rows })
  await waitFor('the prompt', async () => (await svc.snapshot(info.id)).data.includes(TEST_PROMPT))
  return info
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<RpcError> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError)
    return e as RpcError
  }
  throw new Error('expected an RpcError')
}

describe('SessionService with real ptys', () => {
  it('pauses a flood for a slow viewer and still answers Ctrl-C', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const rec = recorder()
    const sub = svc.attach(id, 'slow', rec.viewer)
    let acked = 0
    let maxOutstanding = 0
    // A slow renderer: one ack unit every 2 ms (~2.5 M chars/s at most).
    const acker = setInterval(() => {
      const outstanding = rec.data.length - acked
      maxOutstanding = Math.max(maxOutstanding, outstanding)
      if (outstanding >= FlowControlConstants.CharCountAckSize) {
        svc.ack(id, 'slow', FlowControlConstants.CharCountAckSize)
        acked += FlowControlConstants.CharCountAckSize
      }
    }, 2)
    try {
      svc.input(id, 'yes\r')
      await waitFor('pauses and resumes', () => {
        const s = svc.stats(id)
        return s.pauses >= 3 && s.resumes >= 2
      })
      svc.input(id, '\x03')
      await waitFor('the prompt after Ctrl-C', () =>
        rec.data.trimEnd().endsWith(TEST_PROMPT.trimEnd()),
      )
    } finally {
      clearInterval(acker)
      sub.dispose()
    }
    const stats = svc.stats(id)
    expect(stats.pauses).toBeGreaterThan(0)
    expect(stats.resumes).toBeGreaterThan(0)
    // What the viewer held unacknowledged stayed near the high watermark:
    // at most one batch and one pty read past it.
    expect(maxOutstanding).toBeLessThan(
      FlowControlConstants.HighWatermarkChars + BatchConstants.MaxBatchChars + 65_536,
    )
    expect(rec.data.length).toBeGreaterThan(FlowControlConstants.HighWatermarkChars)
  })

  it('detaches a viewer that holds the pty paused without acknowledging, so the agent keeps running', async () => {
    const svc = service({ stalledViewerMs: 300 })
    const { id } = await openReady(svc)
    const stuck = recorder()
    svc.attach(id, 'background-tab', stuck.viewer) // never acknowledges
    svc.input(id, 'yes\r')
    await waitFor('the stuck viewer to be detached', () => stuck.ended)
    expect(stuck.endReason).toBe('stalled')
    expect(svc.stats(id)).toMatchObject({ stalledViewers: 1, viewers: 0 })
    // Nobody holds it back any more: the producer runs on.
    const after = svc.stats(id).outputChars
    await waitFor('output after the detach', () => svc.stats(id).outputChars > after + 1_000_000)
    expect(svc.stats(id).paused).toBe(false)
    svc.input(id, '\x03')
    // A viewer that attaches again starts from the snapshot.
    const again = recorder()
    const sub = svc.attach(id, 'background-tab', again.viewer)
    await waitFor('the snapshot', () => again.events[0]?.kind === 'snapshot')
    sub.dispose()
  })

  it('keeps nothing but the mirror for a fast producer nobody watches', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const before = svc.stats(id).outputChars
    let maxRetained = 0
    const sampler = setInterval(
      () => (maxRetained = Math.max(maxRetained, svc.stats(id).retainedChars)),
      1,
    )
    try {
      svc.input(
        id,
        'yes abcdefghijklmnopqrstuvwxyz0123456789 | head -n 150000; echo FLOOD-$((1+1))-DONE\r',
      )
      await waitFor('the flood', () => svc.stats(id).outputChars - before >= 150_000 * 38, 60_000)
      await waitFor('the end marker', async () =>
        (await snapshotScreen(await svc.snapshot(id))).includes('FLOOD-2-DONE'),
      )
    } finally {
      clearInterval(sampler)
    }
    await waitFor('the mirror to catch up', () => svc.stats(id).retainedChars === 0)
    const stats = svc.stats(id)
    expect(stats.viewers).toBe(0)
    // Only the mirror's parse backlog, which its own flow control bounds.
    expect(maxRetained).toBeLessThan(FlowControlConstants.HighWatermarkChars + 65_536)
  })

  it('snapshots every byte read so far, the moment it is read', async () => {
    // The mirror parses asynchronously: a snapshot asked for the moment
    // MARKER is read must still show it.
    const script = 'printf MARKER; exec sleep 60'
    const svc = new SessionService(async () => ({ file: '/bin/sh', args: ['-c', script], env: {} }))
    services.push(svc)
    const { id } = await svc.open({ bottleId: 'b1', kind: 'agent', cols: 80, rows: 24 })
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (svc.stats(id).outputChars >= 'MARKER'.length) resolve()
        else setImmediate(check)
      }
      check()
    })
    expect((await svc.snapshot(id)).data).toContain('MARKER')
  })

  it('delivers a 4-byte character split across two pty reads whole', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const rec = recorder()
    svc.attach(id, 'v', rec.viewer)
    svc.input(id, "printf '<\\360\\237'; sleep 0.3; printf '\\230\\200>\\n'\r")
    await waitFor('the emoji', () => rec.data.includes('<😀>'))
    for (const e of rec.events) {
      if (e.kind !== 'data') continue
      expect(e.data).not.toContain('\ufffd')
      expect(/[\ud800-\udbff]$/.test(e.data)).toBe(false)
    }
  })

  it('gives the pty back the size of the viewer that remains when the one whose size it has leaves', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const app = svc.attach(id, 'dashboard', recorder().viewer)
    svc.resize(id, 121, 40, 'dashboard')
    // A terminal attaches (bot-bottle attach) and takes its own size.
    const cli = svc.attach(id, 'attach-cli', recorder().viewer)
    svc.resize(id, 80, 24, 'attach-cli')
    expect(svc.get(id)).toMatchObject({ cols: 80, rows: 24 })
    cli.dispose()
    expect(svc.get(id)).toMatchObject({ cols: 121, rows: 40 })
    svc.input(id, 'stty size\r')
    await waitFor('stty size', async () =>
      (await snapshotScreen(await svc.snapshot(id))).includes('40 121'),
    )
    // The last viewer leaving changes nothing: the session keeps its size.
    app.dispose()
    expect(svc.get(id)).toMatchObject({ cols: 121, rows: 40 })
  })

  it('resizes the pty the process sees', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const changes: SessionChange[] = []
    svc.onDidChange((c) => changes.push(c))
    svc.resize(id, 101, 33)
    expect(svc.get(id)).toMatchObject({ cols: 101, rows: 33 })
    expect(changes.at(-1)).toMatchObject({ kind: 'upsert', session: { id, cols: 101, rows: 33 } })
    svc.input(id, 'stty size\r')
    await waitFor('stty size', async () =>
      (await snapshotScreen(await svc.snapshot(id))).includes('33 101'),
    )
  })

  it('keeps input in its own session', async () => {
    const svc = service()
    const a = await openReady(svc)
    const b = await openReady(svc)
    svc.input(a.id, 'echo ONLY-$((6*7))-HERE\r')
    await waitFor('the output in a', async () =>
      (await svc.snapshot(a.id)).data.includes('ONLY-42-HERE'),
    )
    svc.input(b.id, 'echo b-is-alive\r')
    await waitFor('the output in b', async () =>
      (await svc.snapshot(b.id)).data.includes('b-is-alive'),
    )
    expect((await svc.snapshot(b.id)).data).not.toContain('ONLY-')
    expect((await rejection(() => svc.input('s_nosuch', 'x'))).code).toBe('NOT_FOUND')
  })

  it('attaches with the last screen first, then live output, and exit last', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    svc.input(id, 'for i in $(seq 1 60); do echo row-$i; done\r')
    await waitFor('row-60', async () =>
      (await snapshotScreen(await svc.snapshot(id))).includes('row-60'),
    )
    const rec = recorder()
    svc.attach(id, 'late', rec.viewer)
    await waitFor('the snapshot', () => rec.events.length > 0)
    const first = rec.events[0]!
    expect(first.kind).toBe('snapshot')
    if (first.kind !== 'snapshot') return
    const screen = await snapshotScreen(first)
    expect(screen).toContain('row-60')
    expect(screen.findLastIndex((l) => l.startsWith(TEST_PROMPT))).toBeGreaterThan(
      screen.indexOf('row-60'),
    )
    svc.input(id, 'echo after-attach; exit 7\r')
    await waitFor('the exit', () => rec.events.at(-1)?.kind === 'exit')
    expect(rec.events.at(-1)).toEqual({ kind: 'exit', exitCode: 7, signal: null })
    expect(rec.events.slice(1, -1).every((e) => e.kind === 'data')).toBe(true)
    expect(svc.get(id)).toMatchObject({ state: 'exited', exitCode: 7, signal: null })
  })

  it('keeps an ended session’s scrollback until it is dismissed', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    const changes: SessionChange[] = []
    svc.onDidChange((c) => changes.push(c))
    expect((await rejection(() => svc.dismiss(id))).code).toBe('PRECONDITION')
    svc.input(id, 'echo KEEP-ME\r')
    await waitFor('the output', async () =>
      (await snapshotScreen(await svc.snapshot(id))).includes('KEEP-ME'),
    )
    svc.input(id, 'exit 3\r')
    await waitFor('the exit', () => svc.get(id).state === 'exited')
    expect(svc.get(id).exitCode).toBe(3)
    expect(await snapshotScreen(await svc.snapshot(id))).toContain('KEEP-ME')
    expect((await rejection(() => svc.input(id, 'ls\r'))).code).toBe('PRECONDITION')
    const late = recorder()
    svc.attach(id, 'late', late.viewer)
    await waitFor('snapshot and exit', () => late.events.length === 2)
    expect(late.events.map((e) => e.kind)).toEqual(['snapshot', 'exit'])
    svc.dismiss(id)
    expect(late.ended).toBe(true)
    expect(svc.list()).toEqual([])
    expect(changes.at(-1)).toEqual({ kind: 'removed', id })
    expect((await rejection(svc.snapshot(id))).code).toBe('NOT_FOUND')
  })

  it('ends every session of a stopping bottle, and only those', async () => {
    const svc = service()
    const a1 = await openReady(svc, 'b1')
    const a2 = await openReady(svc, 'b1')
    const other = await openReady(svc, 'b2')
    const rec = recorder()
    svc.attach(a1.id, 'v', rec.viewer)
    await svc.closeAllForBottle('b1', 'bottle stopped')
    for (const id of [a1.id, a2.id]) {
      expect(svc.get(id)).toMatchObject({ state: 'exited', exitCode: null, signal: 1 })
      expect(svc.get(id).endedAt).not.toBeNull()
    }
    expect(svc.get(other.id).state).toBe('running')
    expect(
      svc
        .list('b1')
        .map((s) => s.title)
        .sort(),
    ).toEqual(['shell', 'shell 2'])
    expect(rec.data).toContain('[bottle stopped]')
    expect(rec.events.at(-1)).toEqual({ kind: 'exit', exitCode: null, signal: 1 })
    await svc.close(a1.id) // idempotent
    svc.dismissAllForBottle('b1')
    svc.dismissAllForBottle('b2')
    expect(svc.list().map((s) => s.id)).toEqual([other.id])
  })

  it('kills a process that ignores SIGHUP', async () => {
    const svc = service()
    const { id } = await openReady(svc)
    svc.input(id, "trap '' HUP; echo IGNORING-$((1+1)); exec sleep 60\r")
    await waitFor('the trap', async () =>
      (await snapshotScreen(await svc.snapshot(id))).includes('IGNORING-2'),
    )
    await svc.close(id)
    expect(svc.get(id)).toMatchObject({ state: 'exited', signal: 9 })
  })

  it('reports a provider refusal and a command that cannot start', async () => {
    const refusing = new SessionService(async () => {
      throw new RpcError('PRECONDITION', 'bottle b1 is not running')
    })
    services.push(refusing)
    const err = await rejection(
      refusing.open({ bottleId: 'b1', kind: 'agent', cols: 80, rows: 24 }),
    )
    expect(err).toMatchObject({ code: 'PRECONDITION', message: 'bottle b1 is not running' })
    expect(refusing.list()).toEqual([])

    const broken = new SessionService(async () => ({
      file: '/nonexistent/smolvm',
      args: [],
      env: {},
    }))
    services.push(broken)
    try {
      const info = await broken.open({ bottleId: 'b1', kind: 'agent', cols: 80, rows: 24 })
      // Linux forks first: the failed exec shows as an ended session, not a silent drop.
      await waitFor('the exit', () => broken.get(info.id).state === 'exited')
      expect(broken.get(info.id).exitCode).not.toBe(0)
    } catch (e) {
      expect((e as RpcError).code).toBe('COMMAND_FAILED')
    }
  })
})
