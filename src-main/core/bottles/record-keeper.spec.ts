import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nullLogger } from '../base/logger'
import { MetadataStore, type BottleRecord } from './metadata'
import { RecordKeeper } from './record-keeper'
import { makeRecord } from './testing-records'

/** A store whose readAll can be held open, to interleave local writes with a reload. */
class GatedStore extends MetadataStore {
  gate: Promise<void> | null = null
  override async readAll(): Promise<BottleRecord[]> {
    const records = await super.readAll()
    if (this.gate) await this.gate
    return records
  }
}

describe('RecordKeeper.reload', () => {
  let dir: string
  let store: GatedStore
  let keeper: RecordKeeper

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-keeper-'))
    store = new GatedStore(dir, nullLogger)
    keeper = new RecordKeeper(store)
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('keeps a bottle created while it was reading the disk', async () => {
    let release!: () => void
    store.gate = new Promise<void>((r) => (release = r))
    const reloading = keeper.reload()
    await new Promise((r) => setTimeout(r, 20)) // the read has happened; the reload waits
    await keeper.create(makeRecord('fresh-1'))
    release()
    await reloading
    expect(keeper.has('fresh-1')).toBe(true)
  })

  it('keeps a local write made while it was reading over the older disk image', async () => {
    await keeper.create(makeRecord('b-1'))
    let release!: () => void
    store.gate = new Promise<void>((r) => (release = r))
    const reloading = keeper.reload()
    await new Promise((r) => setTimeout(r, 20))
    await keeper.patch('b-1', (r) => ({
      ...r,
      bottle: { ...r.bottle, egress: ['new.example.com'] },
    }))
    release()
    await reloading
    expect(keeper.get('b-1').bottle.egress).toEqual(['new.example.com'])
  })

  it('still drops a bottle another process removed', async () => {
    await keeper.create(makeRecord('gone-1'))
    await store.delete('gone-1')
    await keeper.reload()
    expect(keeper.has('gone-1')).toBe(false)
  })

  it('picks up a bottle another process created', async () => {
    await store.write(makeRecord('theirs-1'))
    await keeper.reload()
    expect(keeper.has('theirs-1')).toBe(true)
  })
})

describe('RecordKeeper secrets', () => {
  it('never writes or announces a secret value, however deep in an error it sits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bb-keeper-'))
    try {
      const secret = 'sk-ant-never-on-disk-1234'
      const store = new MetadataStore(dir, nullLogger)
      const keeper = new RecordKeeper(store, () => [secret])
      const announced: string[] = []
      keeper.onEvent((e) => announced.push(JSON.stringify(e)))
      await keeper.create(makeRecord('b1'))
      const error = {
        code: 'COMMAND_FAILED' as const,
        message: `setup failed: curl: (22) key ${secret} refused`,
        details: { stderr: [`line with ${secret}`], exitCode: 22 },
      }
      await keeper.setStep('b1', {
        id: 'session',
        label: 'session',
        state: 'failed',
        startedAt: null,
        endedAt: null,
        detail: `echoed ${secret}`,
        error,
      })
      await keeper.transition('b1', 'stopping', `tearing down after ${secret}`, { error })

      const onDisk = JSON.stringify(await store.read('b1'))
      const inMemory = JSON.stringify(keeper.get('b1'))
      for (const text of [onDisk, inMemory, ...announced]) expect(text).not.toContain(secret)
      expect(keeper.get('b1').bottle.error?.message).toBe(
        'setup failed: curl: (22) key •••• refused',
      )
      expect(keeper.get('b1').bottle.error?.details).toEqual({
        stderr: ['line with ••••'],
        exitCode: 22,
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
