import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createSmolvm } from '../smolvm/smolvm'
import { createDigestResolver, type ResolveDigest } from './digest-resolver'
import { cacheKey, PackCache } from './pack-cache'
import { startTestRegistry, type TestRegistry } from './test-registry'

const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const D3 = `sha256:${'3'.repeat(64)}`

describe('the pack cache', () => {
  let registry: TestRegistry
  let fake: FakeHome
  let dir: string
  let inUse: Set<string>
  let cache: PackCache
  const runner = new CommandRunner()

  beforeAll(async () => {
    registry = await startTestRegistry()
  })
  afterAll(async () => registry?.close())
  beforeEach(async () => {
    fake = await makeFakeHome()
    dir = await mkdtemp(join(tmpdir(), 'bb-packs-'))
    inUse = new Set()
    cache = newCache()
  })
  afterEach(async () => {
    await fake.cleanup()
    await rm(dir, { recursive: true, force: true })
    registry.stall = false
  })

  function newCache(timeoutMs = 2000, resolveDigest?: ResolveDigest): PackCache {
    const smolvm = createSmolvm({ binary: FAKE_SMOLVM, runner, logger: nullLogger, env: fake.env })
    return new PackCache({
      dir,
      smolvm: async () => smolvm,
      resolveDigest: resolveDigest ?? createDigestResolver({ timeoutMs }),
      log: nullLogger,
      inUse: async () => inUse,
    })
  }

  /** The registry's answers, with the tag moved to D2 (in the registry and for smolvm's pull) right after the first. */
  function movingAfterFirstLookup(ref: string, version?: string): ResolveDigest {
    const resolve = createDigestResolver({ timeoutMs: 2000 })
    let moved = false
    return async (imageRef, signal) => {
      const answer = await resolve(imageRef, signal)
      if (!moved) {
        moved = true
        registry.tags.set('team/agent:1', D2)
        await fake.control({ version, digests: { [ref]: D2 } })
      }
      return answer
    }
  }

  async function packImages(): Promise<string[]> {
    return (await fake.argvLog())
      .filter((l) => l.argv[0] === 'pack' && l.argv[1] === 'create')
      .map((l) => l.argv[l.argv.indexOf('--image') + 1] as string)
  }

  async function packCalls(): Promise<number> {
    return (await packImages()).length
  }

  async function sidecarDigest(path: string): Promise<string> {
    return (JSON.parse(await readFile(path, 'utf8')) as { digest: string }).digest
  }

  it('never serves a stale pack for a moved tag', async () => {
    const ref = `${registry.host}/team/agent:1`
    registry.tags.set('team/agent:1', D1)
    await fake.control({ digests: { [ref]: D1 } })
    const first = await cache.ensure(ref)
    expect(first).toMatchObject({ hit: false, entry: { digest: D1, imageRef: ref } })
    expect(await sidecarDigest(first.entry.sidecar)).toBe(D1)
    expect(await cache.ensure(ref)).toMatchObject({ hit: true, entry: { key: first.entry.key } })

    // The tag moves: the registry and the image smolvm pulls both change.
    registry.tags.set('team/agent:1', D2)
    await fake.control({ digests: { [ref]: D2 } })
    const moved = await cache.ensure(ref)
    expect(moved.hit).toBe(false)
    expect(moved.entry.key).not.toBe(first.entry.key)
    expect(await sidecarDigest(moved.entry.sidecar)).toBe(D2)
    expect(await packCalls()).toBe(2)

    // Offline: the newest pack of the reference, said to be unverified.
    await registry.close()
    const offline = await cache.ensure(ref)
    expect(offline.entry.key).toBe(moved.entry.key)
    expect(offline.note).toMatch(/^digest unknown \(registry .* unreachable/)
    expect(await packCalls()).toBe(2)
    registry = await startTestRegistry()
  })

  it('packs the digest it resolved, so a tag moving before smolvm pulls it changes nothing', async () => {
    const ref = `${registry.host}/team/agent:1`
    registry.tags.set('team/agent:1', D1)
    await fake.control({ digests: { [ref]: D1 } })
    const r = await newCache(2000, movingAfterFirstLookup(ref)).ensure(ref)
    expect(r.entry).toMatchObject({ key: cacheKey(ref, D1), imageRef: ref, digest: D1 })
    expect(await sidecarDigest(r.entry.sidecar)).toBe(D1)
    expect(await packImages()).toEqual([`${registry.host}/team/agent@${D1}`])
  })

  it('with a smolvm that cannot pull by digest, packs the tag and packs again if it moved meanwhile', async () => {
    const ref = `${registry.host}/team/agent:1`
    registry.tags.set('team/agent:1', D1)
    await fake.control({ version: '1.0.4', digests: { [ref]: D1 } })
    const r = await newCache(2000, movingAfterFirstLookup(ref, '1.0.4')).ensure(ref)
    expect(r.entry).toMatchObject({ key: cacheKey(ref, D2), imageRef: ref, digest: D2 })
    expect(await sidecarDigest(r.entry.sidecar)).toBe(D2)
    expect(await packImages()).toEqual([ref, ref])
    expect((await cache.list()).entries.map((e) => e.key)).toEqual([r.entry.key])
    expect((await readdir(dir)).filter((n) => n.startsWith('.tmp-'))).toEqual([])

    // A tag that moves during every pack: given up on, nothing cached.
    const digests = [D1, D2, D3, D1, D2, D3]
    const restless = newCache(2000, async () => ({
      digest: digests.shift() as string,
      reason: null,
    }))
    await expect(restless.ensure(`${registry.host}/team/restless:1`)).rejects.toMatchObject({
      code: 'CONFLICT',
    })
    expect(await packCalls()).toBe(5)
    expect((await cache.list()).entries.map((e) => e.key)).toEqual([r.entry.key])
  })

  it('keys by reference alone, and says so, when the registry cannot be asked', async () => {
    const ref = 'localhost:49151/team/offline:1'
    const r = await cache.ensure(ref)
    expect(r.entry.digest).toBeNull()
    expect(r.entry.key).toBe(cacheKey('localhost:49151/team/offline:1', null))
    expect(r.note).toMatch(/digest unknown: registry localhost:49151 unreachable/)
  })

  it('gives up on a registry that does not answer within the timeout', async () => {
    registry.stall = true
    const r = await newCache(300).ensure(`${registry.host}/team/slow:1`)
    expect(r.note).toMatch(/no answer within 300 ms/)
  })

  it('packs an image once for concurrent launches, and one launch’s cancel does not break the other', async () => {
    const ref = `${registry.host}/team/shared:1`
    registry.tags.set('team/shared:1', D1)
    await fake.control({ latencyMs: { 'pack.create': 300 } })
    const quitter = new AbortController()
    const a = cache.ensure(ref, quitter.signal)
    const b = cache.ensure(ref)
    const c = cache.ensure(ref)
    setTimeout(() => quitter.abort(), 50)
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' })
    const [rb, rc] = await Promise.all([b, c])
    expect(rb.entry.sidecar).toBe(rc.entry.sidecar)
    expect(await packCalls()).toBe(1)
  })

  it('waits for another process packing the same image, and takes over a dead one’s lock', async () => {
    const ref = 'localhost:49151/team/locked:1'
    const lock = join(dir, '.locks', `${cacheKey(ref, null)}.lock`)
    await mkdir(join(dir, '.locks'), { recursive: true })
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' })
    await writeFile(
      lock,
      JSON.stringify({ pid: sleeper.pid, host: hostname(), since: new Date().toISOString() }),
    )
    let done = false
    const p = cache.ensure(ref).then((r) => {
      done = true
      return r
    })
    await new Promise((r) => setTimeout(r, 400))
    expect(done).toBe(false)
    sleeper.kill('SIGKILL')
    await new Promise((r) => sleeper.once('exit', r))
    // The owner died holding the lock: it is stale, taken over, and the pack goes ahead.
    expect((await p).hit).toBe(false)
    expect(await packCalls()).toBe(1)
    await expect(readFile(lock)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('leaves no half entry when a pack is cancelled or its process died mid-pack', async () => {
    const ref = 'localhost:49151/team/crash:1'
    await fake.control({ latencyMs: { 'pack.create': 400 } })
    const stop = new AbortController()
    const p = cache.ensure(ref, stop.signal)
    setTimeout(() => stop.abort(), 100)
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' })
    // Wait for the shared task to clean up after the last caller withdrew.
    for (let i = 0; i < 50 && (await readdir(dir)).some((n) => n.startsWith('.tmp-')); i++)
      await new Promise((r) => setTimeout(r, 50))
    expect((await readdir(dir)).filter((n) => n !== '.locks')).toEqual([])

    // A crashed process's temp dir: never listed, swept by the next prune.
    const dead = spawn('true')
    await new Promise((r) => dead.once('exit', r))
    const orphan = join(dir, `.tmp-${cacheKey(ref, null)}-${dead.pid}-0badc0de`)
    await mkdir(orphan)
    await writeFile(join(orphan, 'pack.smolmachine'), 'half')
    expect((await cache.list()).entries).toEqual([])
    expect(await cache.prune()).toEqual({ removed: [], freedBytes: 4 })
    expect((await readdir(dir)).filter((n) => n !== '.locks')).toEqual([])
  })

  it('lists entries with size and use, and prunes only what no bottle uses', async () => {
    const a = await cache.ensure('localhost:49151/team/a:1')
    const b = await cache.ensure('localhost:49151/team/b:1')
    inUse.add(a.entry.sidecar)
    const { entries } = await cache.list()
    expect(entries.map((e) => [e.key, e.inUse])).toEqual([
      [a.entry.key, true],
      [b.entry.key, false],
    ])
    for (const e of entries) {
      expect(e.sizeBytes).toBeGreaterThan(0)
      expect(Date.parse(e.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(e.createdAt))
    }
    await expect(cache.prune(a.entry.key)).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect(cache.prune('no-such-key')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const pruned = await cache.prune()
    expect(pruned.removed).toEqual([b.entry.key])
    expect(pruned.freedBytes).toBe(entries[1]?.sizeBytes)
    expect((await cache.list()).entries.map((e) => e.key)).toEqual([a.entry.key])
  })
})
