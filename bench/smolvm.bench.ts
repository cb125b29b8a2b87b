import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CommandRunner } from '../src-main/core/base/exec'
import { nullLogger } from '../src-main/core/base/logger'
import { createSmolvm } from '../src-main/core/smolvm/smolvm'
import type { BenchContext, BenchFigure } from './types'

/**
 * The smolvm wrapper over the fake smolvm (which every backend test and the
 * e2e dashboard invoke hundreds of times): the fake's start-up against a bare
 * `node -e 0` measured side by side, and what one dashboard refresh
 * (`machineList`) and one captured exec cost with 20 machines registered.
 */
const SAMPLES = 15
const MACHINES = 20

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const run = promisify(execFile)
  const fake = join(ctx.root, 'out', 'test-tools', 'fake-smolvm')
  const home = join(ctx.tmpDir, 'home')
  await mkdir(home)
  const env = {
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    SMOLVM_FAKE_VERSION: '1.9.3',
  }

  const nodeMs: number[] = []
  const fakeMs: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    nodeMs.push(await timed(() => run(process.execPath, ['-e', '0'])))
    fakeMs.push(await timed(() => run(fake, ['--version'], { env: { ...process.env, ...env } })))
  }

  const runner = new CommandRunner()
  let calls = 0
  runner.observe(() => void calls++)
  const smolvm = createSmolvm({ binary: fake, runner, logger: nullLogger, env })
  const pack = await smolvm.packCreate({ image: 'alpine', output: join(ctx.tmpDir, 'agent') })
  for (let i = 0; i < MACHINES; i++) {
    await smolvm.machineCreate({ name: `bench-${i}`, from: pack.sidecar, allowCidrs: [], env: [] })
  }
  await smolvm.machineStart('bench-0')
  await smolvm.version()
  ctx.log(`${MACHINES} machines registered, one running`)

  const listMs: number[] = []
  const execMs: number[] = []
  calls = 0
  for (let i = 0; i < SAMPLES; i++) listMs.push(await timed(() => smolvm.machineList()))
  const callsPerRefresh = calls / SAMPLES
  for (let i = 0; i < SAMPLES; i++) {
    execMs.push(await timed(() => smolvm.exec('bench-0', ['true'], { timeoutMs: 30_000 })))
  }
  for (let i = 0; i < MACHINES; i++) await smolvm.machineDelete(`bench-${i}`)

  const ratio = median(fakeMs) / median(nodeMs)
  return [
    { name: 'node_startup_ms', value: median(nodeMs), unit: 'ms', note: 'node -e 0, median' },
    { name: 'fake_version_ms', value: median(fakeMs), unit: 'ms', note: 'fake --version, median' },
    {
      name: 'fake_startup_ratio',
      value: ratio,
      unit: 'x',
      goal: '<= 1.5',
      pass: ratio <= 1.5,
      note: 'fake --version / node -e 0',
    },
    { name: 'machine_list_ms', value: median(listMs), unit: 'ms', note: `${MACHINES} machines` },
    {
      name: 'cli_calls_per_refresh',
      value: callsPerRefresh,
      unit: 'calls',
      goal: '<= 1',
      pass: callsPerRefresh <= 1,
    },
    { name: 'exec_true_ms', value: median(execMs), unit: 'ms', note: 'captured exec round trip' },
  ]
}
