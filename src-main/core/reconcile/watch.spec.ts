import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bottle, Teardown, TeardownReason } from '../../../src-shared/contract'
import { need } from '../../../test-support/prereqs'
import { nullLogger } from '../base/logger'
import { makeTestBottles, type TestBottles } from '../bottles/testing'
import type { Reconciler } from './reconciler'
import { killVm } from './testing'
import { BottleWatch } from './watch'

// Subnet pool of this file: 10.213.195.0/24.

/**
 * The watch on a live backend: a VM killed or a bundle container killed
 * under a running bottle is noticed, its sessions are closed, the rest is
 * torn down and a teardown event says why. Ticks never overlap, back off
 * while smolvm cannot be asked, and never take a bottle being launched or
 * stopped for dead.
 */
describe.runIf(need('docker') && need('netns'))('the bottle watch', () => {
  let t: TestBottles
  let watch: BottleWatch
  const closed: [string, TeardownReason][] = []
  const teardowns: Teardown[] = []
  beforeAll(async () => {
    t = await makeTestBottles({ pool: '10.213.195.0/24' })
    t.backend.bottles.useHooks({ closeSessions: (id, reason) => void closed.push([id, reason]) })
    t.backend.bottles.onEvent((e) => e.kind === 'teardown' && teardowns.push(e.teardown))
    watch = new BottleWatch(t.backend.reconciler, nullLogger, {
      intervalMs: 250,
      maxBackoffMs: 2000,
    })
  })
  afterAll(async () => {
    await watch?.stop()
    await t?.cleanup()
  })

  async function launch(name: string): Promise<Bottle> {
    const dir = join(t.home, name)
    await mkdir(dir, { recursive: true })
    const b = await t.backend.bottles.settled(
      (await t.backend.bottles.launch({ agent: 'tester', projectDir: dir })).id,
    )
    expect(b.state).toBe('running')
    return b
  }

  async function teardownOf(id: string): Promise<{ teardown: Teardown; ms: number }> {
    const started = Date.now()
    for (;;) {
      const found = teardowns.find((d) => d.id === id)
      if (found) return { teardown: found, ms: Date.now() - started }
      await sleep(20)
    }
  }

  it('notices a dead VM and a dead bundle, closes their sessions and tears the rest down', async () => {
    const [vm, bundle, alive] = await Promise.all([launch('vm'), launch('bundle'), launch('alive')])
    watch.start()
    await killVm(await t.backend.tools.smolvm(), vm.machineName)
    execFileSync('docker', ['kill', bundle.bundle?.container as string], { stdio: 'ignore' })
    const [deadVm, deadBundle] = await Promise.all([teardownOf(vm.id), teardownOf(bundle.id)])
    console.log(
      `watch (250 ms ticks): VM death torn down after ${deadVm.ms} ms, bundle death after ${deadBundle.ms} ms`,
    )
    expect(deadVm.teardown).toMatchObject({
      reason: 'vm-died',
      detail: 'the VM stopped (smolvm reports it stopped)',
    })
    expect(deadBundle.teardown).toMatchObject({
      reason: 'bundle-died',
      detail: 'bundle container exited (code 137)',
      exitCode: 137,
    })
    expect(deadVm.teardown.ranForMs).toBeGreaterThan(0)
    expect(closed).toEqual(
      expect.arrayContaining([
        [vm.id, 'vm-died'],
        [bundle.id, 'bundle-died'],
      ]),
    )
    expect(t.backend.bottles.get(vm.id).state).toBe('failed')
    expect(t.backend.bottles.get(bundle.id).state).toBe('failed')
    const left = await t.leftovers()
    expect(left).toEqual({
      networks: [alive.network?.name],
      containers: [alive.bundle?.container],
      machines: [alive.machineName],
    })
    // The live one was never touched.
    expect(teardowns.some((d) => d.id === alive.id)).toBe(false)
    await t.backend.bottles.stop(alive.id)
  })

  it('never takes a bottle being launched or stopped for dead', async () => {
    watch.start()
    // Slow enough that many ticks see the VM created-not-started, and stopped-not-deleted.
    await t.fake.control({ latencyMs: { 'machine.start': 800, 'machine.delete': 800 } })
    try {
      const b = await launch('slow')
      await t.backend.bottles.stop(b.id)
      expect(teardowns.filter((d) => d.id === b.id).map((d) => d.reason)).toEqual(['stopped'])
      expect(t.backend.bottles.get(b.id).state).toBe('stopped')
    } finally {
      await t.fake.control({})
    }
  })

  it('never overlaps ticks, and backs off while smolvm cannot be asked', async () => {
    watch.start()
    const reconciler = t.backend.reconciler as Reconciler & { tick: Reconciler['tick'] }
    const tick = reconciler.tick.bind(reconciler)
    let active = 0
    let most = 0
    let ticks = 0
    reconciler.tick = async () => {
      active++
      ticks++
      most = Math.max(most, active)
      try {
        return await tick()
      } finally {
        active--
      }
    }
    try {
      await t.fake.control({ latencyMs: { 'machine.ls': 300 } })
      const from = ticks
      for (let i = 0; i < 200 && ticks < from + 3; i++) await sleep(50)
      expect(ticks).toBeGreaterThanOrEqual(from + 3)
      expect(most).toBe(1)
      await t.fake.control({})

      await t.backend.settings.update({ smolvmPath: '/nonexistent/smolvm' })
      const delays = new Set<number>()
      for (let i = 0; i < 200 && !delays.has(2000); i++) {
        await sleep(50)
        delays.add(watch.nextDelayMs)
      }
      expect([...delays].sort((a, b) => a - b)).toEqual(expect.arrayContaining([500, 1000, 2000]))
      await t.backend.settings.update({ smolvmPath: null })
      for (let i = 0; i < 100 && watch.nextDelayMs !== 250; i++) await sleep(50)
      expect(watch.nextDelayMs).toBe(250)
    } finally {
      reconciler.tick = tick
      await t.backend.settings.update({ smolvmPath: null })
    }
  })
})
