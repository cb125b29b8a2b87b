import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test-support/prereqs'
import { testLabels } from '../docker/testing'
import { SubnetAllocator } from '../plan/subnet'
import { makeTestBottles, type TestBottles } from './testing'

// Subnet pool of this file: 10.213.64.0/24 (16 /28s).
const POOL = '10.213.64.0/24'
const SECRET = 'sk-concurrent-secret-5d1e0b77'

describe.runIf(need('docker') && need('netns'))('concurrent launches', () => {
  let t: TestBottles
  const foreign = testLabels('concurrent-launch')
  beforeAll(async () => {
    t = await makeTestBottles({ pool: POOL, env: { BOT_BOTTLE_TEST_SECRET: SECRET } })
  })
  afterAll(async () => {
    const docker = t?.backend.tools.docker()
    if (docker)
      for (const n of await docker.networkList(foreign)) await docker.networkRemove(n.name)
    await t?.cleanup()
  })

  it('ten at once get ten different subnets, none on a network docker already has, and all tear down', async () => {
    const docker = t.backend.tools.docker()
    // Someone else's network in the middle of the pool.
    await docker.networkCreate({
      name: `bb-test-foreign-${process.pid}`,
      subnet: '10.213.64.128/28',
      gateway: '10.213.64.129',
      labels: foreign,
    })
    const { bottles } = t.backend
    const launched = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const dir = join(t.home, `p${i}`)
        await mkdir(dir, { recursive: true })
        return bottles.launch({ agent: 'tester', projectDir: dir, copyWorkdir: false })
      }),
    )
    const settled = await Promise.all(launched.map((b) => bottles.settled(b.id)))

    expect(settled.map((b) => [b.state, b.error?.message ?? null])).toEqual(
      settled.map(() => ['running', null]),
    )
    const subnets = settled.map((b) => b.network?.subnet)
    expect(new Set(subnets).size).toBe(10)
    expect(subnets).not.toContain('10.213.64.128/28')
    expect(new Set(settled.map((b) => b.network?.bundleIp)).size).toBe(10)
    // The pack was made once for all ten.
    expect((await t.fake.argvLog()).filter((l) => l.argv[0] === 'pack').length).toBe(1)

    const echoes = await Promise.all(settled.map((b) => bottles.exec(b.id, ['echo', b.id])))
    expect(echoes.map((e) => e.stdout.trim())).toEqual(settled.map((b) => b.id))

    await Promise.all(settled.map((b) => bottles.stop(b.id)))
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
  })

  it('moves to the next subnet when docker reports an overlap the plan could not see', async () => {
    const docker = t.backend.tools.docker()
    const dir = join(t.home, 'overlap')
    await mkdir(dir, { recursive: true })
    let taken: string | null = null
    const hook = t.backend.bottles.useHooks({
      beforeStep: async ({ bottleId, step }) => {
        if (step !== 'network') return
        // Another process takes the very subnet this bottle planned, between plan and create.
        taken = new SubnetAllocator(POOL).reserve(bottleId, await docker.allSubnets()).subnet
        const base = taken.replace(/\/28$/, '').split('.').map(Number)
        const gateway = [...base.slice(0, 3), (base[3] ?? 0) + 1].join('.')
        await docker.networkCreate({
          name: `bb-test-race-${process.pid}`,
          subnet: taken,
          gateway,
          labels: foreign,
        })
      },
    })
    try {
      const b = await t.backend.bottles.settled(
        (await t.backend.bottles.launch({ agent: 'tester', projectDir: dir })).id,
      )
      expect(b.error).toBeNull()
      expect(b.state).toBe('running')
      expect(taken).not.toBeNull()
      expect(b.network?.subnet).not.toBe(taken)
      expect(
        t.backend.logs
          .recent()
          .some((l) => l.bottleId === b.id && /overlaps another docker network/.test(l.message)),
      ).toBe(true)
      await t.backend.bottles.stop(b.id)
    } finally {
      hook.dispose()
    }
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
  })

  it('never puts a secret value in any argv smolvm received or any log line', async () => {
    const argv = await t.fake.argvLog()
    expect(argv.length).toBeGreaterThan(50)
    for (const line of argv) expect(line.argv.join(' ')).not.toContain(SECRET)
    // The value was passed: as a bare `-e TEST_API_KEY` with the value in smolvm's environment.
    expect(
      argv.some((l) => l.argv.includes('TEST_API_KEY') && l.envKeys.includes('TEST_API_KEY')),
    ).toBe(true)
    for (const line of t.backend.logs.recent()) expect(line.message).not.toContain(SECRET)
    const metadata = await Promise.all(
      t.backend.bottles
        .list()
        .map((b) => readFile(join(t.backend.paths.bottlesDir, `${b.id}.json`), 'utf8')),
    )
    for (const m of metadata) expect(m).not.toContain(SECRET)
  })
})
