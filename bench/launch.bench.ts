import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Bottle, StepId } from '../src-shared/contract'
import { pathToFileURL } from 'node:url'
import type * as TestImages from '../scripts/build-test-images.mjs'
import { createBackend, type Backend } from '../src-main/core/backend'
import { disposeBenchBackend } from './backend-cleanup'
import type { BenchContext, BenchFigure } from './types'

/**
 * Launch on the fake smolvm (fixed latencies per smolvm subcommand, from its
 * control file) and the real docker engine:
 *
 * - wall time of a launch against the critical path of its step graph,
 *   max(pack, network + bundle) + create + start + workspace + selftest +
 *   session, both from the same launch (goal ≤ 1.05: planning and
 *   bookkeeping add almost nothing, and pack really runs beside the bundle);
 * - CLI calls one state refresh makes with 1 and with 50 bottles (goal:
 *   equal — one `machine ls --json` and one labelled docker listing).
 */
const LATENCY_MS = {
  'pack.create': 900,
  'machine.create': 300,
  'machine.start': 500,
  'machine.exec': 60,
}
const MEASURED_LAUNCHES = 3
const MANY = 50

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  // Imported at run time: the script finds its inputs through import.meta.url, which a CJS bundle would lose.
  const images = (await import(
    pathToFileURL(join(ctx.root, 'scripts/build-test-images.mjs')).href
  )) as typeof TestImages
  await images.buildTestImages({ log: ctx.log })
  const fakeHome = join(ctx.tmpDir, 'fake-home')
  const home = join(ctx.tmpDir, 'bot-bottle')
  await mkdir(join(fakeHome, '.smolvm-fake'), { recursive: true })
  await writeFile(
    join(fakeHome, '.smolvm-fake', 'control.json'),
    JSON.stringify({ latencyMs: LATENCY_MS }),
  )
  await mkdir(join(home, 'config'), { recursive: true })
  // One agent per measured launch, each its own image, so every launch really packs.
  const agents = Array.from(
    { length: MEASURED_LAUNCHES + 1 },
    (_, i) =>
      `  a${i}:\n    image: localhost:49151/bench/agent-${i}:1\n    memory: 512\n    setup: ["true"]\n    session: [sh]\n`,
  )
  await writeFile(join(home, 'config', 'manifest.yaml'), `agents:\n${agents.join('')}`)
  const backend = await createBackend({
    mode: 'cli',
    env: {
      ...process.env,
      HOME: fakeHome,
      BOT_BOTTLE_HOME: home,
      BOT_BOTTLE_SMOLVM: join(ctx.root, 'out', 'test-tools', 'fake-smolvm'),
      BOT_BOTTLE_BUNDLE_IMAGE: images.TEST_IMAGES.bundle,
      BOT_BOTTLE_SUBNET_POOL: '10.213.128.0/22',
    },
  })
  try {
    const figures: BenchFigure[] = []
    const ratios: number[] = []
    // a0 warms docker, the bundle image and the preflight report; a1… are measured.
    for (let i = 0; i <= MEASURED_LAUNCHES; i++) {
      const started = performance.now()
      const b = await settle(
        backend,
        await backend.bottles.launch({ agent: `a${i}`, projectDir: ctx.tmpDir }),
      )
      const wall = performance.now() - started
      if (i === 0) continue
      const path = criticalPath(b)
      ratios.push(wall / path)
      ctx.log(
        `launch ${i}: wall ${wall.toFixed(0)} ms, critical path ${path.toFixed(0)} ms (${describeSteps(b)})`,
      )
      if (i === MEASURED_LAUNCHES)
        figures.push({
          name: 'launch.wall_ms',
          value: Math.round(wall),
          unit: 'ms',
          note: 'fake smolvm latencies ' + JSON.stringify(LATENCY_MS),
        })
    }
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] as number
    figures.push({
      name: 'launch.wall_over_critical_path',
      value: median,
      unit: 'ratio',
      goal: '<= 1.05',
      pass: median <= 1.05,
      note: `median of ${ratios.length}`,
    })

    // State refresh: stop all but one, count; then bring up to fifty running bottles, count again.
    const running = backend.bottles.list().filter((b) => b.state === 'running')
    await Promise.all(running.slice(1).map((b) => backend.bottles.stop(b.id)))
    for (const b of backend.bottles.list().filter((x) => x.state !== 'running'))
      await backend.bottles.remove(b.id)
    const one = await callsPerRefresh(backend)
    await writeFile(
      join(home, 'config', 'manifest.yaml'),
      'agents:\n  many:\n    image: localhost:49151/bench/agent-0:1\n    memory: 512\n    session: [sh]\n',
    )
    for (let done = 1; done < MANY;) {
      const batch = Math.min(10, MANY - done)
      const launched = await Promise.all(
        Array.from({ length: batch }, () =>
          backend.bottles.launch({ agent: 'many', projectDir: ctx.tmpDir }),
        ),
      )
      const settled = await Promise.all(launched.map((b) => backend.bottles.settled(b.id)))
      const failed = settled.filter((b) => b.state !== 'running')
      if (failed.length)
        throw new Error(`launch for the refresh figure failed: ${failed[0]?.stateDetail}`)
      done += batch
      ctx.log(`${done} bottles running`)
    }
    const many = await callsPerRefresh(backend)
    figures.push({ name: 'refresh.cli_calls_1_bottle', value: one, unit: 'calls' })
    figures.push({ name: `refresh.cli_calls_${MANY}_bottles`, value: many, unit: 'calls' })
    figures.push({
      name: `refresh.calls_${MANY}_over_1`,
      value: many / one,
      unit: 'ratio',
      goal: '== 1',
      pass: many === one,
    })
    return figures
  } finally {
    await disposeBenchBackend(backend, fakeHome)
  }
}

async function settle(backend: Backend, b: Bottle): Promise<Bottle> {
  const done = await backend.bottles.settled(b.id)
  if (done.state !== 'running')
    throw new Error(`launch ${b.id} ended ${done.state}: ${done.stateDetail}`)
  return done
}

function span(b: Bottle, id: StepId): number {
  const s = b.steps.find((x) => x.id === id)
  return s?.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : 0
}

function criticalPath(b: Bottle): number {
  const serial: StepId[] = ['create', 'start', 'workspace', 'selftest', 'session']
  return (
    Math.max(span(b, 'pack'), span(b, 'network') + span(b, 'bundle')) +
    serial.reduce((t, id) => t + span(b, id), 0)
  )
}

function describeSteps(b: Bottle): string {
  return b.steps.map((s) => `${s.id} ${span(b, s.id)}`).join(', ')
}

/** External commands one refresh runs, counted at the CommandRunner (steady state: the version is known). */
async function callsPerRefresh(backend: Backend): Promise<number> {
  await backend.bottles.refresh()
  let calls = 0
  const stop = backend.runner.observe(() => calls++)
  try {
    const live = await backend.bottles.refresh()
    if (live.some((l) => l.machine !== 'running' || l.bundle !== 'running'))
      throw new Error('refresh saw a bottle that is not running')
  } finally {
    stop()
  }
  return calls
}
