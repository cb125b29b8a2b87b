import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BottleState } from '../../../src-shared/contract'
import { LogHub, nullLogger } from '../base/logger'
import type { Docker } from '../docker/types'
import { initialSteps } from '../launch/steps'
import { findMetadataOrphans, removeMetadataOrphan } from '../reconcile/metadata-orphans'
import type { Smolvm } from '../smolvm/types'
import { CONSOLE_LOG, followBottleLog, readBottleLog, type LogTools } from './bottle-logs'
import { CAPTURE_BYTES, CapturedLogs, lastBytes } from './log-capture'
import { MetadataStore, type BottleRecord } from './metadata'
import { RecordKeeper } from './record-keeper'
import { teardownResources } from './teardown'
import { makeRecord } from './testing-records'

const SECRET = 'sk-kept-log-secret-41d2'

/** A bottle whose launch began at `run` (its first step's start). */
function keptRecord(
  id: string,
  o: { state?: BottleState; run?: string | null; bundle?: boolean; vm?: boolean } = {},
): BottleRecord {
  const steps = initialSteps().map((s) =>
    (s.id === 'pack' && o.run) || (s.id === 'create' && o.vm)
      ? { ...s, startedAt: o.run ?? null }
      : s,
  )
  return makeRecord(id, {
    bottle: {
      state: o.state ?? 'stopped',
      bundle: o.bundle ? { container: `claude-bottle-${id}-bundle`, image: 'i' } : null,
      steps,
    },
  })
}

describe('kept logs of a torn-down bottle', () => {
  let dir: string
  let logs: CapturedLogs
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-kept-'))
    logs = new CapturedLogs(dir, () => [SECRET])
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const RUN1 = '2026-01-01T00:00:01.000Z'
  const RUN2 = '2026-01-02T00:00:01.000Z'

  it('keeps each log of a run, secrets masked, until the bottle is removed', async () => {
    const r = keptRecord('b1', { run: RUN1 })
    await logs.keep(r, 'console', `boot\ntoken=${SECRET}\n`)
    await logs.keep(r, 'bundle', 'proxy up\n')
    expect((await logs.read(r, 'console'))?.text).toBe('boot\ntoken=••••\n')
    expect((await logs.read(r, 'bundle'))?.text).toBe('proxy up\n')
    expect(await readFile(logs.pathOf('b1'), 'utf8')).not.toContain(SECRET)

    await logs.remove('b1')
    expect(await readdir(dir)).toEqual([])
    expect(await logs.read(r, 'console')).toBeNull()
  })

  it('does not show a retried bottle the logs of its earlier run', async () => {
    await logs.keep(keptRecord('b2', { run: RUN1 }), 'console', 'first run\n')
    const retried = keptRecord('b2', { run: RUN2 })
    expect(await logs.read(retried, 'console')).toBeNull()
    expect(
      await logs.read(keptRecord('b2', { state: 'launching', run: null }), 'console'),
    ).toBeNull()
    // The new run's first kept log starts the file over.
    await logs.keep(retried, 'bundle', 'second run\n')
    expect((await logs.read(retried, 'bundle'))?.text).toBe('second run\n')
    expect(await logs.read(keptRecord('b2', { run: RUN1 }), 'console')).toBeNull()
  })

  it('keeps the last MiB of a log, from a whole line on', async () => {
    const line = 'x'.repeat(99) + '\n'
    const big = Array.from({ length: 20_000 }, (_, i) => `${i} ${line}`).join('')
    const r = keptRecord('b3', { run: RUN1 })
    await logs.keep(r, 'console', big)
    const kept = (await logs.read(r, 'console'))?.text ?? ''
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(CAPTURE_BYTES)
    expect(Buffer.byteLength(kept)).toBeGreaterThan(CAPTURE_BYTES - 200)
    expect(kept.endsWith(`19999 ${line}`)).toBe(true)
    expect(kept.split('\n')[0]).toMatch(/^\d+ x{99}$/)
    expect(lastBytes('short', 10)).toBe('short')
  })

  it('is no bottle record of its own, and an orphan only once its record is gone', async () => {
    const store = new MetadataStore(dir, nullLogger)
    const r = keptRecord('b4', { run: RUN1 })
    await store.write(r)
    await logs.keep(r, 'bundle', 'x\n')
    expect((await store.readAll()).map((x) => x.bottle.id)).toEqual(['b4'])
    expect(await findMetadataOrphans(dir)).toEqual([])
    await rm(join(dir, 'b4.json'))
    expect(await findMetadataOrphans(dir)).toEqual([
      expect.objectContaining({ kind: 'metadata', name: 'b4.logs' }),
    ])
    await removeMetadataOrphan(dir, 'b4.logs')
    expect(await readdir(dir)).toEqual([])
  })

  it('goes with an unreadable record cleaned as an orphan', async () => {
    await logs.keep(keptRecord('b5', { run: RUN1 }), 'bundle', 'x\n')
    await writeFile(join(dir, 'b5.json'), '{"schema": 1, "bott')
    expect((await findMetadataOrphans(dir)).map((o) => o.name)).toEqual(['b5.json'])
    await removeMetadataOrphan(dir, 'b5.json')
    expect(await readdir(dir)).toEqual([])
  })
})

describe('the logs of a bottle without its container or VM', () => {
  let dir: string
  let tools: LogTools
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-kept-'))
    const gone = (): never => {
      throw new Error('a torn-down bottle’s logs are read from what was kept')
    }
    tools = {
      logs: new LogHub(),
      docker: () => gone() as Docker,
      smolvm: async () => gone() as Smolvm,
      captured: new CapturedLogs(dir),
    }
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const RUN = '2026-01-01T00:00:01.000Z'

  it('serves what was kept, bundle lines at their own times', async () => {
    const r = keptRecord('k1', { run: RUN, bundle: true, vm: true })
    await tools.captured?.keep(
      r,
      'bundle',
      '2026-01-01T00:00:02.5Z proxy up\n2026-01-01T00:00:03Z CONNECT api.example.com:443\n',
    )
    await tools.captured?.keep(r, 'console', 'starting\nboot ok\nshutdown\n')
    expect(await readBottleLog(r, 'bundle', 1, tools)).toEqual([
      { time: '2026-01-01T00:00:03.000Z', source: 'bundle', text: 'CONNECT api.example.com:443' },
    ])
    const lines = await readBottleLog(r, 'console', 2, tools)
    expect(lines.map((l) => l.text)).toEqual(['boot ok', 'shutdown'])
    // Follow: the log has ended, no line will come.
    const emitted: unknown[] = []
    followBottleLog(r, 'console', (l) => emitted.push(l), tools).dispose()
    expect(emitted).toEqual([])
  })

  it('says whether the bottle never had the log, has not yet, or its log was not kept', async () => {
    const message = (r: BottleRecord, source: 'bundle' | 'console') =>
      readBottleLog(r, source, 10, tools).then(
        () => 'read',
        (e: Error) => e.message,
      )
    const never = keptRecord('k2', { state: 'failed', run: RUN })
    expect(await message(never, 'bundle')).toBe('bottle k2 never had a bundle container')
    expect(await message(never, 'console')).toBe('bottle k2 never had a VM')
    const lost = keptRecord('k3', { state: 'stopped', run: RUN, bundle: true, vm: true })
    expect(await message(lost, 'bundle')).toBe(
      'bottle k3 has ended: its bundle container is gone and its log was not kept (see its backend log)',
    )
    expect(await message(lost, 'console')).toMatch(/^bottle k3 has ended: its VM is gone/)
    const early = keptRecord('k4', { state: 'launching', run: RUN })
    expect(await message(early, 'console')).toBe('bottle k4 has no VM yet')
    expect(() => followBottleLog(early, 'bundle', () => {}, tools)).toThrow(
      'bottle k4 has no bundle container yet',
    )
    // A process given no place to keep logs finds none.
    await tools.captured?.keep(lost, 'bundle', 'kept\n')
    expect(await message(lost, 'bundle')).toBe('read')
    tools = { ...tools, captured: undefined }
    expect(await message(lost, 'bundle')).toMatch(/was not kept/)
  })
})

describe('keeping logs at teardown', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-keep-'))
  })
  afterEach(async () => {
    vi.useRealTimers()
    await rm(dir, { recursive: true, force: true })
  })

  it('goes on without a log that cannot be kept in time, and still removes everything', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const vmDir = join(dir, 'vm')
    await mkdir(vmDir)
    await writeFile(join(vmDir, CONSOLE_LOG), 'guest said goodbye\n')
    const removed: string[] = []
    const smolvm = {
      machineStop: async () => {},
      dataDir: async () => vmDir,
      machineDelete: async (name: string) => {
        removed.push(name)
        return { existed: true }
      },
    } as unknown as Smolvm
    let logsAsked!: () => void
    const asked = new Promise<void>((resolve) => (logsAsked = resolve))
    const docker = {
      // An engine that never answers `docker logs`.
      logs: () => {
        logsAsked()
        return new Promise<string>(() => {})
      },
      containerRemove: async (name: string) => {
        removed.push(name)
        return { existed: true }
      },
    } as unknown as Docker

    const record = keptRecord('t1', { state: 'stopping', run: '2026-01-01T00:00:01.000Z' })
    record.resources = [
      { kind: 'container', name: 'claude-bottle-t1-bundle', state: 'created' },
      { kind: 'machine', name: 'claude-bottle-t1', state: 'created' },
    ]
    const keeper = new RecordKeeper(new MetadataStore(dir, nullLogger))
    await keeper.create(record)
    const hub = new LogHub()
    const captured = new CapturedLogs(dir)
    const done = teardownResources(keeper, 't1', {
      smolvm: async () => smolvm,
      docker: () => docker,
      log: hub.logger('bottles'),
      captured,
    })
    await asked
    await vi.advanceTimersByTimeAsync(10_000)
    expect(await done).toEqual({ failed: [] })
    expect(removed).toEqual(['claude-bottle-t1', 'claude-bottle-t1-bundle'])
    expect(keeper.get('t1').resources).toEqual([])
    expect((await captured.read(keeper.get('t1'), 'console'))?.text).toBe('guest said goodbye\n')
    expect(await captured.read(keeper.get('t1'), 'bundle')).toBeNull()
    expect(hub.recent().map((l) => `${l.level} ${l.message}`)).toEqual([
      'warn could not keep the bundle log of claude-bottle-t1-bundle: timed out after 10 s',
    ])
  })
})
