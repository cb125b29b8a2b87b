import { execFileSync } from 'node:child_process'
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bottle, BottleEvent, Teardown } from '../../../src-shared/contract'
import { need } from '../../../test-support/prereqs'
import { createBackend, type Backend } from '../backend'
import { makeTestBottles, type TestBottles } from '../bottles/testing'
import { resourceLabels } from '../plan/names'
import { killVm } from './testing'

// Subnet pool of this file: 10.213.194.0/24. Bottles take theirs from the lower half, so the
// ghost network made later (10.213.194.240/28) never lands on a launched bottle's slug-derived /28.

/**
 * A backend process "restarts" (a fresh backend on the same data dir) while
 * one bottle runs, one's VM was killed, one's bundle exited, and leftovers
 * lie around: reconcile adopts, ends the dead with the reason, reports the
 * orphans, and cleans them on request (the RPC and the CLI: orphans.spec.ts).
 */
describe.runIf(need('docker') && need('netns'))('reconcile', () => {
  let t: TestBottles
  let fresh: Backend
  const bottles: Record<'alive' | 'vm' | 'bundle', Bottle> = {} as never
  beforeAll(async () => {
    t = await makeTestBottles({ pool: '10.213.194.0/25' })
    const launched = await Promise.all(
      (['alive', 'vm', 'bundle'] as const).map(async (k) => {
        const dir = join(t.home, k)
        execFileSync('mkdir', ['-p', dir])
        return [k, await t.backend.bottles.launch({ agent: 'tester', projectDir: dir })] as const
      }),
    )
    for (const [k, b] of launched) bottles[k] = await t.backend.bottles.settled(b.id)
    for (const b of Object.values(bottles)) expect(b.state).toBe('running')
  })
  afterAll(async () => {
    fresh?.dispose()
    await t?.cleanup()
  })

  it('adopts what runs, ends the dead with the reason, and reports the orphans', async () => {
    const docker = t.backend.tools.docker()
    // While the app is down: a VM dies, a bundle is killed, leftovers appear.
    await killVm(await t.backend.tools.smolvm(), bottles.vm.machineName)
    execFileSync('docker', ['kill', bottles.bundle.bundle?.container as string], {
      stdio: 'ignore',
    })
    await docker.networkCreate({
      name: 'claude-bottle-ghost-000000',
      subnet: '10.213.194.240/28',
      gateway: '10.213.194.241',
      labels: resourceLabels('ghost-000000', t.backend.homeId, 'network'),
    })
    const pack = (await t.backend.packCache.list()).entries[0]?.path as string
    expect(
      (
        await t.fake.run([
          'machine',
          'create',
          '--name',
          'claude-bottle-stray-000000',
          '--from',
          pack,
        ])
      ).exitCode,
    ).toBe(0)
    await writeFile(join(t.backend.paths.bottlesDir, 'torn-000000.json'), '{"schema": 1, "bott')
    const tmp = join(t.backend.paths.bottlesDir, '.alive.json.0a1b2c.tmp')
    await writeFile(tmp, '{}')
    await utimes(tmp, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000))

    fresh = await createBackend({ mode: 'cli', env: t.env })
    const teardowns: Teardown[] = []
    const events: BottleEvent[] = []
    fresh.bottles.onEvent((e) => {
      events.push(e)
      if (e.kind === 'teardown') teardowns.push(e.teardown)
    })
    const result = await fresh.reconciler.reconcile()

    expect(result.adopted).toEqual([bottles.alive.id])
    expect([...result.died].sort()).toEqual([bottles.vm.id, bottles.bundle.id].sort())
    expect(fresh.bottles.get(bottles.vm.id)).toMatchObject({
      state: 'failed',
      stateDetail: 'the VM stopped (smolvm reports it stopped)',
    })
    expect(fresh.bottles.get(bottles.bundle.id)).toMatchObject({
      state: 'failed',
      stateDetail: 'bundle container exited (code 137)',
    })
    expect(teardowns.map((d) => [d.id, d.reason, d.detail, d.exitCode]).sort()).toEqual(
      [
        [bottles.vm.id, 'vm-died', 'the VM stopped (smolvm reports it stopped)', null],
        [bottles.bundle.id, 'bundle-died', 'bundle container exited (code 137)', 137],
      ].sort(),
    )
    expect(result.orphans.map((o) => [o.id, o.slug]).sort()).toEqual(
      [
        ['machine:claude-bottle-stray-000000', 'stray-000000'],
        ['network:claude-bottle-ghost-000000', 'ghost-000000'],
        ['metadata:torn-000000.json', null],
        ['metadata:.alive.json.0a1b2c.tmp', null],
      ].sort(),
    )
    expect(events.filter((e) => e.kind === 'orphans')).toHaveLength(1)
    expect(fresh.bottles.snapshot()).toMatchObject({ kind: 'snapshot', orphans: result.orphans })

    // Nothing of the dead is left; the adopted bottle is whole and usable again.
    const left = await t.leftovers()
    expect(left.containers).toEqual([bottles.alive.bundle?.container])
    expect(left.networks.sort()).toEqual(
      [bottles.alive.network?.name, 'claude-bottle-ghost-000000'].sort(),
    )
    expect(left.machines.sort()).toEqual(
      [bottles.alive.machineName, 'claude-bottle-stray-000000'].sort(),
    )
    expect(await fresh.bottles.exec(bottles.alive.id, ['echo', 'adopted'])).toMatchObject({
      stdout: 'adopted\n',
    })
    expect((await fresh.bottles.sessionCommand(bottles.alive.id, 'agent')).args).toContain(
      bottles.alive.machineName,
    )

    // A second run changes nothing.
    const again = await fresh.reconciler.reconcile()
    expect(again.died).toEqual([])
    expect(again.orphans).toEqual(result.orphans)
  })

  it('lists and cleans orphans on request, only those still orphaned', async () => {
    const events: BottleEvent[] = []
    const sub = fresh.bottles.onEvent((e) => events.push(e))
    try {
      const listed = await fresh.reconciler.listOrphans()
      expect(listed).toHaveLength(4)

      const one = await fresh.reconciler.clean([
        'network:claude-bottle-ghost-000000',
        'machine:nope',
      ])
      expect(one).toEqual({
        cleaned: ['machine:nope', 'network:claude-bottle-ghost-000000'],
        failed: [],
      })
      expect(events.filter((e) => e.kind === 'orphans').at(-1)).toMatchObject({
        orphans: expect.any(Array) as unknown[],
      })
      expect(fresh.bottles.snapshot()).toMatchObject({
        orphans: listed.filter((o) => o.kind !== 'network'),
      })
      // Something a bottle owns is never cleaned, even when asked by id.
      const owned = `container:${bottles.alive.bundle?.container}`
      expect(await fresh.reconciler.clean([owned])).toEqual({
        cleaned: [],
        failed: [{ id: owned, message: 'no longer an orphan: a bottle claims it' }],
      })
      const rest = await fresh.reconciler.clean()
      expect(rest.cleaned.sort()).toEqual(
        [
          'machine:claude-bottle-stray-000000',
          'metadata:torn-000000.json',
          'metadata:.alive.json.0a1b2c.tmp',
        ].sort(),
      )
      expect(rest.failed).toEqual([])
      expect(await fresh.reconciler.listOrphans()).toEqual([])
      expect(events.filter((e) => e.kind === 'orphans').at(-1)).toEqual({
        kind: 'orphans',
        orphans: [],
      })
      expect(await fresh.reconciler.reconcile()).toEqual({
        adopted: [bottles.alive.id],
        died: [],
        orphans: [],
      })
    } finally {
      sub.dispose()
    }
    expect(await t.leftovers()).toEqual({
      networks: [bottles.alive.network?.name],
      containers: [bottles.alive.bundle?.container],
      machines: [bottles.alive.machineName],
    })
  })
})
