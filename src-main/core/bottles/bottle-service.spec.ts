import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BottleEvent } from '../../../src-shared/contract'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from './testing'

// Subnet pool of this file: 10.213.16.0/24.
const POOL = '10.213.16.0/24'
const SECRET = 'sk-test-bottle-secret-7f3a9c2e'

describe.runIf(need('docker') && need('netns'))(
  'bottles on the fake smolvm and real docker',
  () => {
    let t: TestBottles
    beforeAll(async () => {
      t = await makeTestBottles({ pool: POOL, env: { BOT_BOTTLE_TEST_SECRET: SECRET } })
      await writeFile(join(t.projectDir, 'README.md'), '# hello\n')
      await writeFile(join(t.projectDir, '.gitignore'), 'secret.txt\n')
      await writeFile(join(t.projectDir, 'secret.txt'), 'ignored\n')
    })
    afterAll(async () => t?.cleanup())

    it('launch → exec → stop leaves nothing behind', async () => {
      const { bottles } = t.backend
      const events: BottleEvent[] = []
      const sub = bottles.onEvent((e) => events.push(e))
      const launched = await bottles.launch({
        agent: 'tester',
        // A trailing slash (a picker's, a paste's) names the same folder.
        projectDir: `${t.projectDir}/`,
        copyWorkdir: true,
      })
      expect(launched.state).toBe('launching')
      expect(launched.projectDir).toBe(t.projectDir)
      const bottle = await bottles.settled(launched.id)
      sub.dispose()
      expect(bottle.error).toBeNull()
      expect(bottle.state).toBe('running')
      expect(bottle.steps.map((s) => [s.id, s.state])).toEqual([
        ['pack', 'done'],
        ['network', 'done'],
        ['bundle', 'done'],
        ['create', 'done'],
        ['start', 'done'],
        ['workspace', 'done'],
        ['selftest', 'done'],
        ['session', 'done'],
      ])
      // The self-test's line names each probe and its result.
      const ip = bottle.network?.bundleIp.replace(/\./g, '\\.') ?? ''
      expect(bottle.steps.find((s) => s.id === 'selftest')?.detail).toMatch(
        new RegExp(
          `^bundle-proxy ${ip}:8888 connected ✓; host-loopback 127\\.0\\.0\\.1:\\d+ refused, canary quiet ✓; ` +
            `host-gateway 100\\.96\\.0\\.1:\\d+ \\w+, canary quiet ✓; host-name host\\.smolvm\\.internal:\\d+ \\w+, canary quiet ✓; ` +
            `bundle-internal ${ip}:9099 refused ✓; outside-allowlist ${bottle.network?.gateway}:\\d+ \\w+, canary quiet ✓ \\(via node\\)$`,
        ),
      )
      expect(bottle.network?.subnet).toMatch(/^10\.213\.16\.\d+\/28$/)
      expect(bottle.env.find((e) => e.key === 'TEST_API_KEY')).toEqual({
        key: 'TEST_API_KEY',
        value: '••••',
        secret: true,
      })
      expect(bottle.env.find((e) => e.key === 'HTTPS_PROXY')?.value).toBe(
        `http://${bottle.network?.bundleIp}:8888`,
      )
      const stepEvents = events.filter((e) => e.kind === 'step')
      expect(stepEvents.length).toBeGreaterThanOrEqual(16)

      const echo = await bottles.exec(bottle.id, ['echo', 'hello-from-vm'])
      expect(echo).toEqual({ exitCode: 0, stdout: 'hello-from-vm\n', stderr: '' })
      const files = await bottles.exec(bottle.id, ['ls', '-A'])
      expect(files.stdout.split('\n').filter(Boolean).sort()).toEqual([
        '.gitignore',
        '.setup-marker',
        'README.md',
      ])

      const out = join(t.home, 'readme-copy.md')
      expect(await bottles.cp(bottle.id, 'out', out, '/workspace/README.md')).toEqual({
        bytes: 8,
        hostPath: out,
        guestPath: '/workspace/README.md',
      })
      expect(await readFile(out, 'utf8')).toBe('# hello\n')

      // The session provider: the agent's command under `exec -i -t`, the secret in the env only.
      const agent = await bottles.sessionCommand(bottle.id, 'agent')
      expect(agent.args.slice(0, 4)).toEqual(['machine', 'exec', '--name', bottle.machineName])
      expect(agent.args).toEqual(
        expect.arrayContaining(['-i', '-t', '-w', '/workspace', 'TEST_API_KEY']),
      )
      expect(agent.args.slice(-3)).toEqual(['--', 'sh', '-l'])
      expect(agent.args.join(' ')).not.toContain(SECRET)
      expect(agent.env.TEST_API_KEY).toBe(SECRET)
      expect((await bottles.sessionCommand(bottle.id, 'shell')).args.at(-1)).toMatch(/exec bash -l/)

      // At most 6 sessions run per bottle (smolvm's agent serves 8 connections), even opened at once.
      const { sessions } = t.backend
      const open = () =>
        sessions.open({ bottleId: bottle.id, kind: 'shell', cols: 80, rows: 24 }).then(
          (s) => s.id,
          (e: unknown) => e,
        )
      const opened = await Promise.all(Array.from({ length: 7 }, open))
      expect(opened.filter((o) => typeof o !== 'string')).toEqual([
        expect.objectContaining({
          code: 'PRECONDITION',
          message:
            'this bottle already has 6 sessions: close one first (smolvm allows 8 connections per VM)',
        }),
      ])
      await sessions.close(opened.find((o) => typeof o === 'string') as string)
      expect(typeof (await open())).toBe('string')

      expect((await t.leftovers()).machines).toEqual([bottle.machineName])
      expect(sessions.list(bottle.id).filter((s) => s.state === 'running')).toHaveLength(6)
      await bottles.stop(bottle.id)
      expect(bottles.get(bottle.id).state).toBe('stopped')
      // Every session of the bottle ended with it (its scrollback stays until dismissed).
      const ended = sessions.list(bottle.id)
      expect(ended).toHaveLength(7) // and the one closed before
      expect(ended.filter((s) => s.state === 'running')).toEqual([])
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
      await bottles.remove(bottle.id)
      expect(bottles.list()).toEqual([])

      const argv = (await t.fake.argvLog()).map((l) => l.argv.join(' ')).join('\n')
      expect(argv).not.toContain(SECRET)
      const logs = t.backend.logs
        .recent()
        .map((l) => l.message)
        .join('\n')
      expect(logs).not.toContain(SECRET)
    })

    it('refuses bad launch input with the field and the reason, not a schema dump', async () => {
      const refused = t.backend.bottles.launch({ agent: 'Not An Agent', projectDir: t.projectDir })
      await expect(refused).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: expect.stringMatching(/^invalid launch: agent: /),
      })
      await expect(
        t.backend.bottles.launch({ agent: 'tester', projectDir: 'relative/dir' }),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: /projectDir: / })
      await expect(
        t.backend.bottles.launch({ agent: 'tester', projectDir: '' }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: 'invalid launch: projectDir: required: an absolute path',
      })
    })

    it('retries a failed bottle under the same id, and refuses what its state does not allow', async () => {
      const { bottles } = t.backend
      await t.fake.control({ fail: { 'machine.start': { message: 'boot failed once', times: 1 } } })
      const failed = await bottles.settled(
        (await bottles.launch({ agent: 'tester', projectDir: t.projectDir })).id,
      )
      expect(failed.state).toBe('failed')
      expect(failed.error?.message).toMatch(/boot failed once/)
      await expect(bottles.exec(failed.id, ['true'])).rejects.toMatchObject({
        code: 'PRECONDITION',
      })
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })

      const retried = await bottles.retry(failed.id)
      expect(retried).toMatchObject({
        id: failed.id,
        state: 'launching',
        error: null,
        createdAt: failed.createdAt,
      })
      const running = await bottles.settled(failed.id)
      expect(running.state).toBe('running')
      expect(running.steps.every((s) => s.state === 'done')).toBe(true)
      await expect(bottles.retry(failed.id)).rejects.toMatchObject({ code: 'PRECONDITION' })
      await bottles.remove(failed.id)
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    })
  },
)
