import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BottleEvent } from '../../../src-shared/contract'
import { RpcClient } from '../../../src-shared/rpc/client'
import { createMemoryTransportPair } from '../../../src-shared/rpc/memory-transport'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, TEST_BUNDLE_IMAGE, type TestBottles } from '../../core/bottles/testing'
import { resourceLabels } from '../../core/plan/names'
import { createHandlers } from '../../rpc/handlers'
import { RpcServer } from '../../rpc/server'
import { parseArgs } from '../args'
import type { CliIO } from '../command'
import { orphansCommand } from './orphans'

// Subnet pool of this file: 10.213.199.0/24 (the ghost network takes 10.213.199.0/28).

/** `bot-bottle orphans` and the bottles.reconcile / orphans.* methods, on leftovers of bottles nobody knows. */
describe.runIf(need('docker'))('orphans over the CLI and the RPC', () => {
  let t: TestBottles
  const ghost = 'claude-bottle-ghost-111111'
  beforeAll(async () => {
    t = await makeTestBottles({ pool: '10.213.199.0/24' })
    await t.backend.tools.docker().networkCreate({
      name: ghost,
      subnet: '10.213.199.0/28',
      gateway: '10.213.199.1',
      labels: resourceLabels('ghost-111111', t.backend.homeId, 'network'),
    })
    const labels = Object.entries(
      resourceLabels('ghost-111111', t.backend.homeId, 'bundle'),
    ).flatMap(([k, v]) => ['--label', `${k}=${v}`])
    execFileSync('docker', ['create', '--name', `${ghost}-bundle`, ...labels, TEST_BUNDLE_IMAGE], {
      stdio: 'ignore',
    })
    await t.fake.run([
      'pack',
      'create',
      '--image',
      'localhost:49151/stray:1',
      '-o',
      `${t.home}/stray`,
    ])
    expect(
      (
        await t.fake.run([
          'machine',
          'create',
          '--name',
          'claude-bottle-stray-111111',
          '--from',
          `${t.home}/stray.smolmachine`,
        ])
      ).exitCode,
    ).toBe(0)
  })
  afterAll(async () => t?.cleanup())

  async function cli(argv: string[]) {
    const out: string[] = []
    const err: string[] = []
    const io: CliIO = {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: t.env,
      interrupted: new Promise(() => {}),
    }
    const code = await orphansCommand.run(parseArgs(argv, orphansCommand.options), io)
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('lists them on the CLI, then cleans one over the RPC and the rest on the CLI', async () => {
    const listed = await cli([])
    expect(listed.code).toBe(0)
    expect(listed.out).toMatch(
      /machine\s+claude-bottle-stray-111111\s+stray-111111\s+VM \(created\) of a bottle this Bot Bottle has no record of/,
    )
    expect(listed.out).toMatch(
      /container\s+claude-bottle-ghost-111111-bundle\s+ghost-111111\s+bundle container \(created\)/,
    )
    expect(listed.out).toMatch(
      /network\s+claude-bottle-ghost-111111\s+ghost-111111\s+docker network \(10\.213\.199\.0\/28\)/,
    )
    expect(listed.out).toMatch(/bot-bottle orphans --clean/)

    const server = new RpcServer(createHandlers(t.backend))
    const [a, b] = createMemoryTransportPair()
    server.connect(a)
    const client = new RpcClient(b)
    try {
      const events: BottleEvent[] = []
      const sub = client.subscribe('bottles.events', {}, (e) => events.push(e))
      expect((await client.call('bottles.reconcile', {})).orphans).toHaveLength(3)
      expect((await client.call('orphans.list', {})).map((o) => o.id).sort()).toEqual(
        [
          `container:${ghost}-bundle`,
          `network:${ghost}`,
          'machine:claude-bottle-stray-111111',
        ].sort(),
      )
      expect(await client.call('orphans.clean', { ids: [`container:${ghost}-bundle`] })).toEqual({
        cleaned: [`container:${ghost}-bundle`],
        failed: [],
      })
      await new Promise((r) => setTimeout(r, 20))
      expect(events[0]).toMatchObject({ kind: 'snapshot' })
      expect(events.at(-1)).toMatchObject({ kind: 'orphans' })
      expect(
        (events.at(-1) as { orphans: { id: string }[] }).orphans.map((o) => o.id).sort(),
      ).toEqual([`network:${ghost}`, 'machine:claude-bottle-stray-111111'].sort())
      sub.dispose()
    } finally {
      client.dispose()
      server.dispose()
    }

    const cleaned = await cli(['--clean', '--json'])
    expect(cleaned.code).toBe(0)
    const report = JSON.parse(cleaned.out) as { cleaned: string[]; failed: unknown[] }
    expect(report.cleaned.sort()).toEqual(
      [`network:${ghost}`, 'machine:claude-bottle-stray-111111'].sort(),
    )
    expect(report.failed).toEqual([])
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    expect((await cli([])).out).toBe('No orphans: every resource belongs to a bottle.')
  })
})
