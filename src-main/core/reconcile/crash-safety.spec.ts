import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StepId, type Bottle } from '../../../src-shared/contract'
import { buildCli } from '../../../test-support/build-cli'
import { need } from '../../../test-support/prereqs'
import { createBackend, type Backend } from '../backend'
import { makeTestBottles, type TestBottles } from '../bottles/testing'
import { resolveDockerBinary } from '../docker/resolve-binary'
import { STEP_LABELS } from '../launch/steps'

// Subnet pool of this file: 10.213.196.0/23 (32 bottles).

/** Each smolvm and docker step stays open long enough to be killed in the middle of. */
const LATENCY = {
  'pack.create': 250,
  'machine.create': 250,
  'machine.start': 250,
  'machine.exec': 100,
  'machine.stop': 250,
  'machine.delete': 200,
}

/**
 * Crash safety for real: the backend is a separate process (the CLI, built
 * from source), SIGKILLed while each launch step and each teardown step
 * runs. Its children finish what they were doing (a crash does not stop a
 * `smolvm machine create` already running); then a fresh backend
 * reconciles, and docker's networks and containers and smolvm's machines are
 * enumerated: nothing is left over, and the bottle that was running is
 * still running. The per-bottle lock is tested with two processes.
 */
describe.runIf(need('docker') && need('netns'))('crash safety', () => {
  let t: TestBottles
  let cli: string
  let dockerLog: string
  let keeper: Bottle
  const fresh: Backend[] = []

  beforeAll(async () => {
    cli = await buildCli('crash-safety')
    const dir = dirname(cli)
    // docker, logged and slowed down where a teardown or launch step creates or removes something.
    dockerLog = join(dir, `docker-${process.pid}.log`)
    const shim = join(dir, `docker-${process.pid}.sh`)
    const real = resolveDockerBinary({ settingPath: null, env: process.env })
    await writeFile(
      shim,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${dockerLog}'\ncase "$1 $2" in "network create"*|"network rm"*|"run "*|"rm "*) sleep 0.25 ;; esac\nexec '${real}' "$@"\n`,
    )
    await chmod(shim, 0o755)
    t = await makeTestBottles({
      pool: '10.213.196.0/23',
      control: { latencyMs: LATENCY },
      env: { BOT_BOTTLE_DOCKER: shim },
    })
    keeper = await t.backend.bottles.settled(
      (await t.backend.bottles.launch({ agent: 'tester', projectDir: t.projectDir })).id,
    )
    expect(keeper.state).toBe('running')
  })
  afterAll(async () => {
    for (const b of fresh) b.dispose()
    await t?.cleanup()
    await Promise.all(
      [cli, dockerLog, cli && join(dirname(cli), `docker-${process.pid}.sh`)].map(
        (f) => f && rm(f, { force: true }),
      ),
    )
  })

  /** `bot-bottle …` as its own process group, so its children can be waited for after it is killed. */
  function runCli(args: string[]): {
    child: ChildProcess
    output: () => string
    exited: Promise<number | null>
  } {
    const child = spawn(process.execPath, [cli, ...args], {
      env: t.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    return { child, output: () => out, exited }
  }

  async function until(
    what: string,
    check: () => boolean | Promise<boolean>,
    ms = 60_000,
  ): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) if (await check()) return
    throw new Error(`timed out waiting for ${what}`)
  }

  /** SIGKILL, then wait until the commands it had started (its process group) have ended too. */
  async function crash(run: ReturnType<typeof runCli>): Promise<void> {
    const pid = run.child.pid as number
    process.kill(pid, 'SIGKILL')
    await run.exited
    await until(`the children of ${pid} to end`, async () => !(await groupAlive(pid)))
  }

  async function reconcileFresh() {
    const b = await createBackend({ mode: 'cli', env: t.env })
    fresh.push(b)
    return { backend: b, result: await b.reconciler.reconcile() }
  }

  async function expectOnlyKeeperLeft(backend: Backend): Promise<void> {
    expect(await t.leftovers()).toEqual({
      networks: [keeper.network?.name],
      containers: [keeper.bundle?.container],
      machines: [keeper.machineName],
    })
    for (const r of backend.bottles.records().filter((x) => x.bottle.id !== keeper.id)) {
      expect(r.resources, r.bottle.id).toEqual([])
      expect(r.ownerPid, r.bottle.id).toBeNull()
      expect(['failed', 'stopped'], r.bottle.id).toContain(r.bottle.state)
    }
    expect(backend.bottles.get(keeper.id).state).toBe('running')
    expect(await backend.bottles.exec(keeper.id, ['echo', 'still here'])).toMatchObject({
      stdout: 'still here\n',
    })
    // Every lock a dead process held was taken over and released.
    expect((await readdir(backend.paths.locksDir)).filter((f) => f.startsWith('bottle-'))).toEqual(
      [],
    )
  }

  it('a launch killed at any step is torn down by the next backend, and the running bottle is kept', async () => {
    const runs = await Promise.all(
      StepId.options.map(async (step) => {
        const dir = join(t.home, `launch-${step}`)
        await mkdir(dir, { recursive: true })
        const run = runCli(['launch', 'tester', '--cwd', dir])
        await until(`${step} to start`, () => run.output().includes(`→ ${STEP_LABELS[step]}`))
        await crash(run)
        return [step, dir] as const
      }),
    )
    const { backend, result } = await reconcileFresh()
    expect(result.adopted).toEqual([keeper.id])
    expect(result.orphans).toEqual([])
    for (const [step, dir] of runs) {
      const b = backend.bottles.list().find((x) => x.projectDir === dir)
      expect(b, step).toBeDefined()
      expect(result.died, step).toContain(b?.id)
      expect(b?.state, step).toBe('failed')
      expect(b?.stateDetail, step).toMatch(
        /^launch interrupted: the Bot Bottle process that was driving it \(pid \d+\) exited during “/,
      )
    }
    await expectOnlyKeeperLeft(backend)
  })

  it('a teardown killed at any step is finished by the next backend', async () => {
    const bottles = await Promise.all(
      ['machine', 'container', 'network'].map(async (phase) => {
        const dir = join(t.home, `stop-${phase}`)
        await mkdir(dir, { recursive: true })
        const b = await t.backend.bottles.settled(
          (await t.backend.bottles.launch({ agent: 'tester', projectDir: dir })).id,
        )
        expect(b.state).toBe('running')
        return [phase, b] as const
      }),
    )
    await Promise.all(
      bottles.map(async ([phase, b]) => {
        const run = runCli(['stop', b.id])
        const started = async () => {
          if (phase === 'machine')
            return (await t.fake.argvLog()).some(
              (l) => l.argv.join(' ') === `machine stop --name ${b.machineName}`,
            )
          const log = await readFile(dockerLog, 'utf8').catch(() => '')
          return log.includes(
            phase === 'container'
              ? `rm --force --volumes ${b.bundle?.container}`
              : `network rm ${b.network?.name}`,
          )
        }
        await until(`${phase} removal of ${b.id}`, started)
        await crash(run)
      }),
    )
    const { backend, result } = await reconcileFresh()
    expect(result.died.sort()).toEqual(bottles.map(([, b]) => b.id).sort())
    for (const [, b] of bottles) {
      expect(backend.bottles.get(b.id)).toMatchObject({
        state: 'stopped',
        stateDetail: expect.stringMatching(
          /^stopped \(finished after the Bot Bottle process that was driving it \(pid \d+\) exited\)$/,
        ) as string,
      })
    }
    await expectOnlyKeeperLeft(backend)
  })

  it('two processes never tear down the same bottle at once', async () => {
    const dir = join(t.home, 'stop-twice')
    await mkdir(dir, { recursive: true })
    const b = await t.backend.bottles.settled(
      (await t.backend.bottles.launch({ agent: 'tester', projectDir: dir })).id,
    )
    const [one, two] = [runCli(['stop', b.id, '--json']), runCli(['stop', b.id, '--json'])]
    expect(await Promise.all([one.exited, two.exited])).toEqual([0, 0])
    const stops = (await t.fake.argvLog()).filter(
      (l) => l.argv.includes(b.machineName) && (l.argv[1] === 'stop' || l.argv[1] === 'delete'),
    )
    expect(stops.map((l) => l.argv[1])).toEqual(['stop', 'delete'])
    const removals = (await readFile(dockerLog, 'utf8'))
      .split('\n')
      .filter((l) => l === `rm --force --volumes ${b.bundle?.container}`)
    expect(removals).toHaveLength(1)
  })

  it('a stop in one process cancels the launch another process runs, through the lock', async () => {
    const dir = join(t.home, 'cross-cancel')
    await mkdir(dir, { recursive: true })
    const run = runCli(['launch', 'tester', '--cwd', dir])
    await until('the boot to start', () => run.output().includes(`→ ${STEP_LABELS.start}`))
    const other = await createBackend({ mode: 'cli', env: t.env })
    fresh.push(other)
    await other.bottles.load()
    const b = other.bottles.list().find((x) => x.projectDir === dir) as Bottle
    expect(b.state).toBe('launching')
    await expect(other.bottles.retry(b.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /being launched or stopped by another Bot Bottle process \(pid \d+\)/,
      ) as string,
    })
    await other.bottles.stop(b.id)
    expect(await run.exited).toBe(130)
    expect(run.output()).toMatch(/Launch cancelled/)
    expect(other.bottles.get(b.id)).toMatchObject({
      state: 'stopped',
      stateDetail: 'launch cancelled',
    })
    await expectOnlyKeeperLeft(other)
  })
})

/** Whether any process of the group is still running (zombies waiting for a reaper do not count). */
async function groupAlive(pgid: number): Promise<boolean> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // Fields after the command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z') return true
  }
  return false
}
