import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from '../../core/bottles/testing'
import { parseArgs } from '../args'
import type { CliCommand, CliIO } from '../command'
import { main } from '../main'
import { cacheCommand } from './cache'
import { cpCommand } from './cp'
import { doctorCommand } from './doctor'
import { execCommand } from './exec'
import { launchCommand } from './launch'
import { lsCommand } from './ls'
import { rmCommand, stopCommand } from './stop'

// Subnet pool of this file: 10.213.96.0/24.
const POOL = '10.213.96.0/24'

describe.runIf(need('docker') && need('netns'))('the bot-bottle CLI commands', () => {
  let t: TestBottles
  beforeAll(async () => {
    // A slow boot leaves room for a Ctrl-C in the middle of it.
    t = await makeTestBottles({ pool: POOL, control: { latencyMs: { 'machine.start': 400 } } })
  })
  afterAll(async () => t?.cleanup())

  async function cli(
    command: CliCommand,
    argv: string[],
    interrupted: Promise<void> = new Promise(() => {}),
  ) {
    const out: string[] = []
    const err: string[] = []
    const io: CliIO = { out: (s) => out.push(s), err: (s) => err.push(s), env: t.env, interrupted }
    const code = await command.run(parseArgs(argv, command.options), io)
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('doctor reports each check', async () => {
    const r = await cli(doctorCommand, [])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/✓ smolvm: smolvm 1\.9\.3/)
    expect(r.out).toMatch(/✓ Docker engine/)
    const json = JSON.parse((await cli(doctorCommand, ['--json'])).out) as { ok: boolean }
    expect(json.ok).toBe(true)
  })

  it('launch, ls, exec, cp, stop and rm a bottle that outlives each command', async () => {
    await writeFile(join(t.projectDir, 'hello.txt'), 'hello\n')
    const launched = await cli(launchCommand, ['tester', '--cwd', t.projectDir, '--copy'])
    expect(launched.err).toBe('')
    expect(launched.code).toBe(0)
    expect(launched.out).toMatch(/✓ Pack image/)
    expect(launched.out).toMatch(/✓ Isolation self-test .*bundle-proxy .* ✓; host-loopback /)
    const id = /Bottle (\S+) is running/.exec(launched.out)?.[1] as string
    expect(id).toMatch(/^tester-project-[0-9a-f]{6}$/)

    const ls = await cli(lsCommand, [])
    expect(ls.out).toMatch(
      new RegExp(`${id}\\s+tester\\s+running\\s+running\\s+running\\s+10\\.213\\.96\\.`),
    )
    const lsJson = JSON.parse((await cli(lsCommand, ['--json'])).out) as {
      id: string
      live: unknown
    }[]
    expect(lsJson).toMatchObject([{ id, live: { id, machine: 'running', bundle: 'running' } }])

    const exec = await cli(execCommand, [
      id.slice(0, 12),
      '--',
      'sh',
      '-c',
      'cat hello.txt; echo oops >&2; exit 7',
    ])
    expect(exec).toEqual({ code: 7, out: 'hello', err: 'oops' })

    const host = join(t.home, 'from-guest.txt')
    expect((await cli(cpCommand, [`${id}:/workspace/hello.txt`, host])).code).toBe(0)
    expect(await readFile(host, 'utf8')).toBe('hello\n')
    expect((await cli(cpCommand, [host, `${id}:/workspace/back.txt`])).out).toBe(
      `copied 6 bytes to ${id}:/workspace/back.txt`,
    )

    expect(await cli(stopCommand, [id])).toMatchObject({ code: 0, out: `stopped ${id}` })
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    expect((await cli(lsCommand, [])).out).toMatch(
      new RegExp(`${id}\\s+tester\\s+stopped\\s+-\\s+-`),
    )
    expect(await cli(rmCommand, [id, 'no-such-bottle'])).toMatchObject({
      code: 1,
      out: `removed ${id}`,
    })
    expect((await cli(lsCommand, [])).out).toMatch(/^No bottles/)
  })

  it('Ctrl-C during a launch cancels it and leaves nothing', async () => {
    let interrupt: () => void = () => {}
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve))
    // The CLI builds its own backend: watch the metadata dir from ours for the boot step.
    const watcher = setInterval(() => {
      void t.backend.bottles.load().then(() => {
        if (
          t.backend.bottles
            .list()
            .some((b) => b.steps.some((s) => s.id === 'start' && s.state === 'running'))
        )
          interrupt()
      })
    }, 50)
    try {
      const r = await cli(launchCommand, ['tester', '--cwd', t.projectDir], interrupted)
      expect(r.code).toBe(130)
      expect(r.out).toMatch(/⊘ Boot VM/)
      expect(r.err).toMatch(/Launch cancelled/)
    } finally {
      clearInterval(watcher)
    }
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
  })

  it('cache ls and prune', async () => {
    const ls = await cli(cacheCommand, ['ls'])
    expect(ls.out).toMatch(/localhost:49151\/bot-bottle\/test-agent:1\s+unknown/)
    const pruned = await cli(cacheCommand, ['prune', '--json'])
    expect(JSON.parse(pruned.out)).toMatchObject({
      removed: [expect.stringMatching(/test-agent_1--nodigest$/)],
    })
    expect((await cli(cacheCommand, ['ls'])).out).toMatch(/is empty/)
  })

  it('fails clearly on bad usage and unknown bottles', async () => {
    await expect(cli(execCommand, ['some-bottle'])).rejects.toThrow(/missing the command/)
    await expect(cli(cpCommand, ['/a', '/b'])).rejects.toThrow(/exactly one side/)
    await expect(cli(execCommand, ['nope', '--', 'true'])).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    expect(await main(['frobnicate'], t.env)).toBe(2)
  })
})
