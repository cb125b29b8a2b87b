import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireFileLock, bootIdentity, lockOwner, sameBoot } from './file-lock'

/**
 * Staleness across reboots: a lock whose owner's pid is alive again after a
 * reboot (another process has it now) is stale, because the boot differs.
 * The "owner" is a live `sleep`, standing for whatever process got the pid.
 */
describe('the file lock across reboots', () => {
  let dir: string
  let other: ChildProcess
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-file-lock-'))
    other = spawn('sleep', ['60'], { stdio: 'ignore' })
  })
  afterAll(async () => {
    other?.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  const lockOf = (name: string, boot?: string) =>
    writeFile(
      join(dir, name),
      JSON.stringify({ pid: other.pid, host: hostname(), since: new Date().toISOString(), boot }),
    )

  it('records the boot it was taken in', async () => {
    const lock = await acquireFileLock(join(dir, 'mine.lock'))
    const written = JSON.parse(await readFile(join(dir, 'mine.lock'), 'utf8')) as object
    expect(written).toMatchObject({ pid: process.pid, boot: bootIdentity() })
    expect(bootIdentity()).toMatch(/^(boot:[0-9a-f-]{36}|boottime:\d+)$/)
    await lock.release()
  })

  it('takes over a lock from another boot even though its pid is alive now', async () => {
    const previous = bootIdentity().startsWith('boot:')
      ? 'boot:00000000-0000-4000-8000-000000000000'
      : `boottime:${Number(bootIdentity().slice(9)) - 3600}`
    await lockOf('rebooted.lock', previous)
    expect(await lockOwner(join(dir, 'rebooted.lock'))).toBeNull()
    const lock = await acquireFileLock(join(dir, 'rebooted.lock'), {
      signal: AbortSignal.timeout(2000),
    })
    expect(await lockOwner(join(dir, 'rebooted.lock'))).toMatchObject({ pid: process.pid })
    await lock.release()
  })

  it('keeps a lock of this boot, or of no recorded boot, while its owner lives', async () => {
    await lockOf('this-boot.lock', bootIdentity())
    await lockOf('old-format.lock')
    for (const name of ['this-boot.lock', 'old-format.lock']) {
      expect(await lockOwner(join(dir, name))).toMatchObject({ pid: other.pid })
      await expect(
        acquireFileLock(join(dir, name), { signal: AbortSignal.timeout(300), pollMs: 50 }),
      ).rejects.toThrow()
    }
  })

  it('tells boots apart by boot id, or by boot time beyond a clock step', () => {
    expect(sameBoot('boot:a', 'boot:a')).toBe(true)
    expect(sameBoot('boot:a', 'boot:b')).toBe(false)
    expect(sameBoot('boottime:1000', 'boottime:1004')).toBe(true)
    expect(sameBoot('boottime:1000', 'boottime:1100')).toBe(false)
    // Kinds that cannot be compared leave it to the pid.
    expect(sameBoot('boot:a', 'boottime:1000')).toBe(true)
  })
})
