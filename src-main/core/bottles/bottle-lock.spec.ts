import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BottleLocks } from './bottle-lock'

describe('the per-bottle lock', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-locks-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('is held by one process at a time, and taken over once its owner is dead', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' })
    const exited = new Promise((r) => other.on('exit', r))
    const owner = { pid: other.pid, host: hostname(), since: new Date().toISOString() }
    await writeFile(join(dir, 'bottle-a.lock'), JSON.stringify(owner))
    const locks = new BottleLocks(dir)
    expect(await locks.tryAcquire('a')).toEqual({ busy: { pid: other.pid } })
    other.kill('SIGKILL')
    await exited
    const t = await locks.tryAcquire('a')
    expect('lock' in t).toBe(true)
    if ('lock' in t) await t.lock.release()
    expect(await readdir(dir)).toEqual([])
  })

  it('queues holders within one process', async () => {
    const locks = new BottleLocks(dir)
    const first = await locks.acquire('b')
    expect(await locks.tryAcquire('b')).toEqual({ busy: { pid: process.pid } })
    let second = false
    const waiting = locks.acquire('b').then((l) => {
      second = true
      return l
    })
    await new Promise((r) => setTimeout(r, 150))
    expect(second).toBe(false)
    await first.release()
    const l = await waiting
    expect(second).toBe(true)
    await l.release()
    await expect(
      locks.acquire('c', { signal: AbortSignal.abort(new Error('no')) }),
    ).rejects.toThrow('no')
    expect(await readdir(dir)).toEqual([])
  })

  it('carries a cancel request to the process that holds the lock', async () => {
    const locks = new BottleLocks(dir)
    expect(await locks.cancelRequested('d')).toBe(false)
    await locks.requestCancel('d')
    expect(await locks.cancelRequested('d')).toBe(true)
    await locks.clearCancel('d')
    expect(await locks.cancelRequested('d')).toBe(false)
  })
})
