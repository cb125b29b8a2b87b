import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test-support/prereqs'
import { stampedLine } from './bottle-logs'
import { makeTestBottles, type TestBottles } from './testing'

describe('docker log timestamps', () => {
  const fallback = '2000-01-01T00:00:00.000Z'

  it('takes each line’s own time from docker’s --timestamps prefix', () => {
    expect(
      stampedLine('2026-11-28T13:04:05.123456789Z {"msg":"started"}', 'bundle', fallback),
    ).toEqual({
      time: '2026-11-28T13:04:05.123Z',
      source: 'bundle',
      text: '{"msg":"started"}',
    })
  })

  it('keeps lines without a prefix whole, at the fallback time', () => {
    expect(stampedLine('no daemons selected', 'bundle', fallback)).toEqual({
      time: fallback,
      source: 'bundle',
      text: 'no daemons selected',
    })
  })

  it('keeps an empty line after the prefix', () => {
    expect(stampedLine('2026-11-28T13:04:05Z ', 'bundle', fallback).text).toBe('')
  })
})

// Subnet pool of this file: 10.213.250.0/24.
const POOL = '10.213.250.0/24'
const SECRET = 'sk-bundle-log-secret-5c81e7'

describe.runIf(need('docker') && need('netns'))(
  'logs of a torn-down bottle (fake smolvm, real docker)',
  () => {
    let t: TestBottles
    beforeAll(async () => {
      t = await makeTestBottles({ pool: POOL, env: { BOT_BOTTLE_TEST_SECRET: SECRET } })
    })
    afterAll(async () => t?.cleanup())

    it('keeps the bundle and console logs when the bottle stops, serves them after, and forgets them with it', async () => {
      const { bottles, paths } = t.backend
      const launched = await bottles.launch({ agent: 'tester', projectDir: t.projectDir })
      const bottle = await bottles.settled(launched.id)
      expect(bottle.state).toBe('running')
      // Lines on the bundle's stdout and stderr, as its daemons write them.
      const write = (fd: number, line: string) =>
        `require('fs').writeFileSync('/proc/1/fd/${fd}', ${JSON.stringify(`${line}\n`)})`
      const exec = await t.backend.tools
        .docker()
        .exec(
          bottle.bundle?.container ?? '',
          ['node', '-e', `${write(1, 'bundle-marker-out')}; ${write(2, `key=${SECRET}`)}`],
          { timeoutMs: 30_000 },
        )
      expect(exec.exitCode).toBe(0)

      await bottles.stop(bottle.id)
      expect(bottles.get(bottle.id).state).toBe('stopped')
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })

      const bundle = (await bottles.logs(bottle.id, 'bundle', 500)).map((l) => l.text)
      expect(bundle).toEqual(expect.arrayContaining(['bundle-marker-out', 'key=••••']))
      expect(bundle.join('\n')).not.toContain(SECRET)
      // The console as it was once the VM had stopped, before smolvm deleted it.
      const console = (await bottles.logs(bottle.id, 'console', 500)).map((l) => l.text)
      expect(console.some((l) => l.includes('fake-smolvm: VM started'))).toBe(true)
      expect(console.at(-1)).toMatch(/fake-smolvm: VM stopped$/)
      // Following an ended log is not refused: no line will come.
      bottles.followLogs(bottle.id, 'bundle', () => {}).dispose()

      await bottles.remove(bottle.id)
      const left = await readdir(paths.bottlesDir)
      expect(left.filter((f) => f.startsWith(bottle.id))).toEqual([])
    })
  },
)
