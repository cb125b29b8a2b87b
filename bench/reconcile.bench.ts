import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BottleEvent } from '../src-shared/contract'
import type * as TestImages from '../scripts/build-test-images.mjs'
import { createBackend } from '../src-main/core/backend'
import { WATCH_INTERVAL_MS } from '../src-main/core/reconcile/watch'
import { disposeBenchBackend } from './backend-cleanup'
import type { BenchContext, BenchFigure } from './types'

/**
 * The watch as the app runs it (default interval) on the fake smolvm and
 * the real docker engine: how long after a VM is killed, or a bundle
 * container is killed, the bottle is noticed dead (it turns `stopping`) and
 * fully torn down (the teardown event); what one tick runs; how long a full
 * reconcile of a few running bottles takes.
 */
const BOTTLES = 3

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const images = (await import(
    pathToFileURL(join(ctx.root, 'scripts/build-test-images.mjs')).href
  )) as typeof TestImages
  await images.buildTestImages({ log: ctx.log })
  const fakeHome = join(ctx.tmpDir, 'fake-home')
  const home = join(ctx.tmpDir, 'bot-bottle')
  await mkdir(fakeHome, { recursive: true })
  await mkdir(join(home, 'config'), { recursive: true })
  await writeFile(
    join(home, 'config', 'manifest.yaml'),
    'agents:\n  a:\n    image: localhost:49151/bench/agent-0:1\n    memory: 512\n    session: [sh]\n',
  )
  const env = {
    ...process.env,
    HOME: fakeHome,
    BOT_BOTTLE_HOME: home,
    BOT_BOTTLE_SMOLVM: join(ctx.root, 'out', 'test-tools', 'fake-smolvm'),
    BOT_BOTTLE_BUNDLE_IMAGE: images.TEST_IMAGES.bundle,
    BOT_BOTTLE_SUBNET_POOL: '10.213.204.0/24',
  }
  const backend = await createBackend({ mode: 'cli', env })
  try {
    const bottles = await Promise.all(
      Array.from({ length: BOTTLES }, async (_, i) => {
        const dir = join(ctx.tmpDir, `p${i}`)
        await mkdir(dir, { recursive: true })
        const b = await backend.bottles.settled(
          (await backend.bottles.launch({ agent: 'a', projectDir: dir })).id,
        )
        if (b.state !== 'running') throw new Error(`launch ended ${b.state}: ${b.stateDetail}`)
        return b
      }),
    )
    const figures: BenchFigure[] = []

    let started = performance.now()
    const full = await backend.reconciler.reconcile()
    figures.push({
      name: `full_ms_${BOTTLES}_bottles`,
      value: Math.round(performance.now() - started),
      unit: 'ms',
      note: `adopted ${full.adopted.length}`,
    })
    await backend.reconciler.tick()
    let calls = 0
    const stop = backend.runner.observe(() => calls++)
    started = performance.now()
    await backend.reconciler.tick()
    figures.push({ name: 'tick_ms', value: Math.round(performance.now() - started), unit: 'ms' })
    stop()
    figures.push({
      name: 'tick_cli_calls',
      value: calls,
      unit: 'calls',
      note: 'smolvm machine ls, docker ps',
    })

    // The app's watch, at its default interval (its timer does not keep a process alive: this does).
    const watching = await createBackend({ mode: 'cli', env, watch: true })
    const keepAlive = setInterval(() => {}, 1000)
    try {
      const deaths = [
        {
          what: 'vm',
          kill: async () => {
            const vm = (await (await backend.tools.smolvm()).machineList()).find(
              (m) => m.name === bottles[0]?.machineName,
            )
            process.kill(vm?.pid as number, 'SIGKILL')
          },
          id: bottles[0]?.id,
        },
        {
          what: 'bundle',
          kill: async () => {
            execFileSync('docker', ['kill', bottles[1]?.bundle?.container as string], {
              stdio: 'ignore',
            })
          },
          id: bottles[1]?.id,
        },
      ]
      for (const d of deaths) {
        const t0 = performance.now()
        let noticed = 0
        const done = new Promise<number>((resolve) => {
          const sub = watching.bottles.onEvent((e: BottleEvent) => {
            if (
              e.kind === 'upsert' &&
              e.bottle.id === d.id &&
              e.bottle.state === 'stopping' &&
              !noticed
            )
              noticed = performance.now() - t0
            if (e.kind === 'teardown' && e.teardown.id === d.id) {
              sub.dispose()
              resolve(performance.now() - t0)
            }
          })
        })
        await d.kill()
        const torn = await done
        ctx.log(
          `${d.what} death: noticed after ${noticed.toFixed(0)} ms, torn down after ${torn.toFixed(0)} ms`,
        )
        figures.push({
          name: `${d.what}_death_noticed_ms`,
          value: Math.round(noticed),
          unit: 'ms',
          goal: `<= ${WATCH_INTERVAL_MS + 3000}`,
          pass: noticed <= WATCH_INTERVAL_MS + 3000,
          note: `interval ${WATCH_INTERVAL_MS} ms`,
        })
        figures.push({ name: `${d.what}_death_torn_down_ms`, value: Math.round(torn), unit: 'ms' })
      }
    } finally {
      clearInterval(keepAlive)
      watching.dispose()
    }
    return figures
  } finally {
    await disposeBenchBackend(backend, fakeHome)
  }
}
