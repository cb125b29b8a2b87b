import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StepId, type Bottle, type Teardown } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { need } from '../../../test-support/prereqs'
import type { BottleRecord } from '../bottles/metadata'
import { makeTestBottles, testManifest, type TestBottles } from '../bottles/testing'

// Subnet pool of this file: 10.213.32.0/23 (32 bottles at once).
const POOL = '10.213.32.0/23'
const STEPS = StepId.options

describe.runIf(need('docker') && need('netns'))(
  'a launch that fails or is cancelled at any step leaves nothing',
  () => {
    let t: TestBottles
    let unhook: { dispose(): void } | null = null
    beforeAll(async () => {
      t = await makeTestBottles({
        pool: POOL,
        // Slow enough that a cancel lands while the smolvm command runs.
        control: { latencyMs: { 'pack.create': 200, 'machine.create': 200, 'machine.start': 200 } },
        manifest: testManifest(`  broken:
    image: localhost:49151/bot-bottle/test-agent:1
    memory: 512
    setup: ["echo going to fail >&2; exit 3"]
  unpacked:
    image: localhost:49151/bot-bottle/never-packed:1
    memory: 512
`),
      })
    })
    afterEach(() => {
      unhook?.dispose()
      unhook = null
    })
    afterAll(async () => t?.cleanup())

    async function launchEach(prefix: string, agent = 'tester'): Promise<Map<StepId, Bottle>> {
      const launched = await Promise.all(
        STEPS.map(async (step) => {
          const dir = join(t.home, `${prefix}-${step}`)
          await mkdir(dir, { recursive: true })
          await writeFile(join(dir, 'file.txt'), step)
          return [
            step,
            await t.backend.bottles.launch({ agent, projectDir: dir, copyWorkdir: true }),
          ] as const
        }),
      )
      const settled = await Promise.all(
        launched.map(async ([step, b]) => [step, await t.backend.bottles.settled(b.id)] as const),
      )
      return new Map(settled)
    }

    async function expectNothingLeft(bottles: Iterable<Bottle>): Promise<void> {
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
      for (const b of bottles) {
        const record = JSON.parse(
          await readFile(join(t.backend.paths.bottlesDir, `${b.id}.json`), 'utf8'),
        ) as BottleRecord
        expect(record.resources).toEqual([])
        expect(record.ownerPid).toBeNull()
      }
    }

    it('a failure at each step fails the launch at that step and tears everything down', async () => {
      const teardowns: Teardown[] = []
      const sub = t.backend.bottles.onEvent(
        (e) => e.kind === 'teardown' && teardowns.push(e.teardown),
      )
      unhook = t.backend.bottles.useHooks({
        beforeStep: ({ projectDir, step }) => {
          if (basename(projectDir) === `fail-${step}`)
            throw new RpcError('COMMAND_FAILED', `injected failure at ${step}`)
        },
      })
      const results = await launchEach('fail')
      sub.dispose()
      for (const [step, b] of results) {
        expect(b.state, step).toBe('failed')
        expect(b.error?.message).toBe(`injected failure at ${step}`)
        const states = Object.fromEntries(b.steps.map((s) => [s.id, s.state]))
        expect(states[step]).toBe('failed')
        const at = STEPS.indexOf(step)
        // Steps after the failed one never started (pack and network/bundle run side by side).
        for (const later of STEPS.slice(Math.max(at + 1, 3)))
          expect(states[later], `${step} → ${later}`).toBe('skipped')
        expect(teardowns.find((d) => d.id === b.id)).toMatchObject({
          reason: 'launch-failed',
          failedStep: step,
        })
      }
      await expectNothingLeft(results.values())
    })

    it('a cancel during each step stops the launch and tears everything down', async () => {
      const slow = new Set<StepId>(['pack', 'create', 'start'])
      unhook = t.backend.bottles.useHooks({
        beforeStep: ({ projectDir, bottleId, step }) => {
          if (basename(projectDir) !== `cancel-${step}`) return
          // In the middle of the smolvm command for the slow steps; at once for the others.
          if (slow.has(step)) setTimeout(() => void t.backend.bottles.cancel(bottleId), 50)
          else void t.backend.bottles.cancel(bottleId)
        },
      })
      const results = await launchEach('cancel')
      for (const [step, b] of results) {
        expect(b.state, step).toBe('stopped')
        expect(b.stateDetail).toBe('launch cancelled')
        expect(b.error).toBeNull()
        expect(b.steps.find((s) => s.id === step)?.state, step).toBe('cancelled')
      }
      await expectNothingLeft(results.values())
    })

    it('real failures of smolvm, docker and the setup are reported with their stderr and torn down', async () => {
      const { bottles } = t.backend
      const launch = async (agent = 'tester'): Promise<Bottle> =>
        bottles.settled((await bottles.launch({ agent, projectDir: t.projectDir })).id)
      // The pack case uses an image nothing packed before (a cache hit would not call smolvm).
      const cases: [string, () => Promise<void>, StepId, RegExp][] = [
        [
          'unpacked',
          () =>
            t.fake.control({ fail: { 'pack.create': { message: 'registry said no', times: 1 } } }),
          'pack',
          /registry said no/,
        ],
        [
          'tester',
          () => t.fake.control({ fail: { 'machine.create': { message: 'disk full', times: 1 } } }),
          'create',
          /disk full/,
        ],
        [
          'tester',
          () =>
            t.fake.control({
              fail: { 'machine.start': { message: 'kvm not available', times: 1 } },
            }),
          'start',
          /kvm not available/,
        ],
      ]
      for (const [name, arrange, step, message] of cases) {
        await arrange()
        const b = await launch(name)
        expect(b.state, name).toBe('failed')
        expect(b.steps.find((s) => s.id === step)?.state, name).toBe('failed')
        expect(b.error?.message).toMatch(message)
        expect(b.error?.details).toMatchObject({ stderr: expect.stringMatching(message) })
        await bottles.remove(b.id)
      }
      await t.fake.control({})

      const setup = await launch('broken')
      expect(setup.steps.find((s) => s.id === 'session')?.state).toBe('failed')
      expect(setup.error).toMatchObject({
        code: 'COMMAND_FAILED',
        details: { exitCode: 3, stderr: 'going to fail\n' },
      })

      await t.backend.settings.update({ bundleImage: 'bot-bottle-missing-image:none' })
      try {
        const bundle = await launch()
        expect(bundle.steps.find((s) => s.id === 'bundle')?.state).toBe('failed')
        expect(bundle.error?.code).toBe('COMMAND_FAILED')
      } finally {
        await t.backend.settings.update({ bundleImage: null })
      }
      await expectNothingLeft(bottles.list())
    })
  },
)
