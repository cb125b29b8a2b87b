import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BottleEvent, LogLine } from '../../../src-shared/contract'
import { RpcClient } from '../../../src-shared/rpc/client'
import { createMemoryTransportPair } from '../../../src-shared/rpc/memory-transport'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, testManifest, type TestBottles } from '../../core/bottles/testing'
import { RpcServer } from '../server'
import { createHandlers } from '.'

// Subnet pool of this file: 10.213.80.0/24.
const POOL = '10.213.80.0/24'

describe.runIf(need('docker') && need('netns'))(
  'bottles, manifest, cache and preflight over the RPC',
  () => {
    let t: TestBottles
    let client: RpcClient
    let server: RpcServer
    beforeAll(async () => {
      t = await makeTestBottles({ pool: POOL })
      server = new RpcServer(createHandlers(t.backend))
      const [a, b] = createMemoryTransportPair()
      server.connect(a)
      client = new RpcClient(b)
    })
    afterAll(async () => {
      client?.dispose()
      server?.dispose()
      await t?.cleanup()
    })

    it('launches with progress on bottles.events, then exec, cp, logs, stop and remove', async () => {
      const events: BottleEvent[] = []
      const sub = client.subscribe('bottles.events', {}, (e) => events.push(e))
      const launched = await client.call('bottles.launch', {
        agent: 'tester',
        projectDir: t.projectDir,
      })
      expect(events[0]).toEqual({ kind: 'snapshot', bottles: [], orphans: [] })
      await t.backend.bottles.settled(launched.id)
      const got = await client.call('bottles.get', { id: launched.id })
      expect(got.state).toBe('running')
      await new Promise((r) => setTimeout(r, 20))
      const kinds = new Set(events.map((e) => e.kind))
      expect(kinds).toEqual(new Set(['snapshot', 'upsert', 'step']))
      const running = events
        .filter((e) => e.kind === 'step' && e.step.state === 'running')
        .map((e) => (e.kind === 'step' ? e.step.id : ''))
      expect(running.sort()).toEqual(
        ['bundle', 'create', 'network', 'pack', 'session', 'start', 'workspace', 'selftest'].sort(),
      )
      expect((await t.backend.settings.get()).recentProjects[0]).toBe(t.projectDir)

      expect(await client.call('bottles.list', {})).toHaveLength(1)
      expect(
        await client.call('bottles.exec', {
          id: launched.id,
          command: ['sh', '-c', 'echo out; echo err >&2; exit 4'],
        }),
      ).toEqual({
        exitCode: 4,
        stdout: 'out\n',
        stderr: 'err\n',
      })
      const host = join(t.home, 'in.txt')
      await writeFile(host, 'into the guest')
      expect(
        await client.call('bottles.cp', {
          id: launched.id,
          direction: 'in',
          hostPath: host,
          guestPath: '/workspace/in.txt',
        }),
      ).toEqual({ bytes: 14, hostPath: host, guestPath: '/workspace/in.txt' })
      const back = join(t.home, 'back.txt')
      await client.call('bottles.cp', {
        id: launched.id,
        direction: 'out',
        hostPath: back,
        guestPath: '/workspace/in.txt',
      })
      expect(await readFile(back, 'utf8')).toBe('into the guest')

      const backend = await client.call('bottles.logs', { id: launched.id, source: 'backend' })
      expect(backend.some((l) => /bottle .* is running/.test(l.text))).toBe(true)
      const bundle = await client.call('bottles.logs', {
        id: launched.id,
        source: 'bundle',
        tail: 50,
      })
      expect(bundle.some((l) => l.text.includes('"msg":"started"'))).toBe(true)
      const console = await client.call('bottles.logs', { id: launched.id, source: 'console' })
      expect(console.some((l) => /VM started/.test(l.text))).toBe(true)

      const followed: LogLine[] = []
      const follow = client.subscribe(
        'bottles.logFollow',
        { id: launched.id, source: 'backend' },
        (d) => followed.push(...d.lines),
      )
      await new Promise((r) => setTimeout(r, 20))
      await client.call('bottles.stop', { id: launched.id })
      await new Promise((r) => setTimeout(r, 250))
      expect(followed.some((l) => /stopped/.test(l.text))).toBe(true)
      follow.dispose()
      expect(events.some((e) => e.kind === 'teardown' && e.teardown.reason === 'stopped')).toBe(
        true,
      )
      await expect(
        client.call('bottles.exec', { id: launched.id, command: ['true'] }),
      ).rejects.toMatchObject({ code: 'PRECONDITION' })
      await client.call('bottles.remove', { id: launched.id })
      expect(events.at(-1)).toEqual({ kind: 'removed', id: launched.id })
      await expect(client.call('bottles.get', { id: launched.id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      })
      sub.dispose()
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    })

    it('refuses a launch of an unknown agent or a missing folder, naming the problem', async () => {
      await expect(
        client.call('bottles.launch', { agent: 'nobody', projectDir: t.projectDir }),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringMatching(/no agent “nobody”.*agents: tester/),
      })
      await expect(
        client.call('bottles.launch', { agent: 'tester', projectDir: '/nonexistent/dir' }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
      })
      expect(await client.call('bottles.list', {})).toEqual([])
    })

    it('serves the manifest: get, validate with positions, save refused when invalid', async () => {
      const state = await client.call('manifest.get', {})
      expect(state).toMatchObject({ valid: true, issues: [], path: t.backend.paths.manifestPath })
      expect(state.agents.map((a) => a.name)).toEqual(['tester'])
      const bad = 'agents:\n  tester:\n    image: x\n    cpus: lots\n'
      expect(await client.call('manifest.validate', { text: bad })).toEqual({
        valid: false,
        issues: [
          { path: 'agents.tester.cpus', message: 'expected number, got text', line: 4, column: 11 },
        ],
      })
      const baseVersion = state.version
      await expect(client.call('manifest.save', { text: bad, baseVersion })).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: expect.stringContaining('manifest.yaml:4:11: agents.tester.cpus'),
      })
      expect(await readFile(t.backend.paths.manifestPath, 'utf8')).toBe(testManifest())
      const saved = await client.call('manifest.save', {
        text: testManifest('  second:\n    image: localhost:49151/x:1\n'),
        baseVersion,
      })
      expect(saved.agents.map((a) => a.name)).toEqual(['tester', 'second'])
    })

    it('lists and prunes the pack cache, and runs the preflight checks', async () => {
      const { dir, entries } = await client.call('cache.list', {})
      expect(dir).toBe(t.backend.paths.packCacheDir)
      expect(entries).toHaveLength(1)
      expect(entries[0]).toMatchObject({
        imageRef: 'localhost:49151/bot-bottle/test-agent:1',
        digest: null,
        inUse: false,
      })
      expect(await client.call('cache.prune', {})).toMatchObject({ removed: [entries[0]?.key] })
      const report = await client.call('preflight.run', {})
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]))
      expect(byId.smolvm?.status).toBe('ok')
      expect(byId.docker?.status).toBe('ok')
      expect(byId.platform?.status).toBe('ok')
      expect(report.smolvmVersion).toBe('1.9.3')
    })
  },
)
