import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bottle, Teardown, TeardownReason } from '../../../src-shared/contract'
import { need } from '../../../test-support/prereqs'
import { nullLogger } from '../base/logger'
import { makeTestBottles, type TestBottles } from '../bottles/testing'
import { createBackend } from '../backend'
import type { Smolvm } from '../smolvm/types'
import { Reconciler } from './reconciler'
import { killVm } from './testing'
import { BottleWatch } from './watch'

// Subnet pool of this file: 10.213.195.0/24.

/**
 * The watch on a live backend: a VM killed or a bundle container killed
 * under a running bottle is noticed, its sessions are closed, the rest is
 * torn down and a teardown event says why. Ticks run only while a bottle
 * needs watching, never overlap, back off while smolvm cannot be asked, and
 * never take a bottle being launched or stopped — or a VM smolvm briefly
 * calls unreachable — for dead.
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

  it('sleeps while no bottle needs watching, wakes for one another process launches, never overlaps ticks, and backs off while smolvm cannot be asked', async () => {
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
    const other = await createBackend({ mode: 'cli', env: t.env })
    try {
      // Every bottle above has ended: after at most one more look the watch no longer looks.
      for (let i = 0; i < 100 && !watch.idle; i++) await sleep(20)
      expect(watch.idle).toBe(true)
      const asleep = ticks
      await sleep(1000)
      expect(ticks).toBe(asleep)

      // Another process (the CLI) launches one: its record wakes the watch, which adopts it.
      const dir = join(t.home, 'other')
      await mkdir(dir, { recursive: true })
      const b = await other.bottles.settled(
        (await other.bottles.launch({ agent: 'tester', projectDir: dir })).id,
      )
      expect(b.state).toBe('running')
      const seen = () => t.backend.bottles.list().find((x) => x.id === b.id)?.state
      for (let i = 0; i < 200 && seen() !== 'running'; i++) await sleep(20)
      expect(t.backend.bottles.get(b.id).state).toBe('running')
      expect(ticks).toBeGreaterThan(asleep)

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
      other.dispose()
    }
  })

  it('takes a VM smolvm calls unreachable for dead only once it stays so and does not answer itself', async () => {
    await watch.stop()
    const b = t.backend.bottles.list().find((x) => x.state === 'running') as Bottle
    expect(b).toBeDefined()
    const smolvm = await t.backend.tools.smolvm()
    // smolvm's ping fails for this VM (a loaded guest, its agent's connections all taken).
    const pingless = Object.assign(Object.create(smolvm) as Smolvm, {
      machineList: async () =>
        (await smolvm.machineList()).map((m) =>
          m.name === b.machineName ? { ...m, state: 'unreachable' } : m,
        ),
    })
    const tools = t.backend.tools
    const real = tools.smolvm.bind(tools)
    tools.smolvm = () => Promise.resolve(pingless)
    let asked = 0
    const unobserve = t.backend.runner.observe(({ spec }) => {
      if (spec.args.includes('exec') && spec.args.at(-1) === 'true') asked++
    })
    const reconciler = new Reconciler({
      bottles: t.backend.bottles,
      smolvm: () => tools.smolvm(),
      docker: () => tools.docker(),
      homeId: t.backend.homeId,
      bottlesDir: t.backend.paths.bottlesDir,
      log: nullLogger,
      unreachableGraceMs: 300,
    })
    try {
      // It answers when asked: kept, and asked again once the period has passed again.
      for (let i = 0; i < 100 && asked < 2; i++) {
        await reconciler.tick()
        await sleep(50)
      }
      expect(asked).toBeGreaterThanOrEqual(2)
      expect(t.backend.bottles.get(b.id).state).toBe('running')
      expect(teardowns.some((d) => d.id === b.id)).toBe(false)

      // Its VMM dies while smolvm keeps calling it unreachable: asked, no answer, torn down.
      await killVm(smolvm, b.machineName)
      for (let i = 0; i < 200 && !teardowns.some((d) => d.id === b.id); i++) {
        await reconciler.tick()
        await sleep(50)
      }
      expect(teardowns.find((d) => d.id === b.id)).toMatchObject({
        reason: 'vm-died',
        detail: expect.stringMatching(
          /^the VM stopped answering \(smolvm called it unreachable for \d+ s; `machine exec -- true` failed \(.+\) and its status is stopped\)$/,
        ) as string,
      })
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    } finally {
      unobserve()
      tools.smolvm = real
      reconciler.dispose()
    }
  })
})
