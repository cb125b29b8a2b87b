import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bottle } from '../../../src-shared/contract'
import { buildCli } from '../../../test-support/build-cli'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from '../../core/bottles/testing'

// Subnet pool of this file: 10.213.240.0/24.
const POOL = '10.213.240.0/24'
const SECRET = 'sk-ant-default-agent-3b9e1d57'

/**
 * Issue #3's "Done when", as a user runs it: the built CLI, the default
 * manifest's `claude` agent (no manifest written here), the fake smolvm and
 * the real docker engine. The fake runs guest commands on the host, so stub
 * `npm` and `claude` come first on the PATH the CLI (and so the fake) gets:
 * the setup's `npm install -g` and the session-command check run them.
 */
describe.runIf(need('docker') && need('netns'))('bot-bottle with the default claude agent', () => {
  let t: TestBottles
  let cli: string
  let stubs: string
  let bottle: Bottle

  beforeAll(async () => {
    cli = await buildCli('cli-default-agent')
    stubs = await mkdtemp(join(tmpdir(), 'bb-stubs-'))
    const npmLog = join(stubs, 'npm.log')
    await writeFile(
      join(stubs, 'npm'),
      `#!/bin/sh\nprintf '%s | proxy %s\\n' "$*" "$HTTPS_PROXY" >> '${npmLog}'\n`,
    )
    await writeFile(join(stubs, 'claude'), '#!/bin/sh\necho claude stub\n')
    await Promise.all(['npm', 'claude'].map((f) => chmod(join(stubs, f), 0o755)))
    t = await makeTestBottles({
      pool: POOL,
      env: { ANTHROPIC_API_KEY: SECRET, PATH: `${stubs}:${process.env.PATH ?? ''}` },
    })
    // The CLI writes the default manifest on first use, as for a new user.
    await rm(t.backend.paths.manifestPath)
  })
  afterAll(async () => {
    await t?.cleanup()
    await Promise.all([cli, stubs].map((p) => p && rm(p, { recursive: true, force: true })))
  })

  async function run(
    args: string[],
    env: NodeJS.ProcessEnv = t.env,
  ): Promise<{ code: number; out: string; err: string }> {
    const r = await promisify(execFile)(process.execPath, [cli, ...args], {
      env,
      timeout: 120_000,
    }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
    return { code: r.code, out: r.stdout, err: r.stderr }
  }

  it('launch brings the bottle up: the setup and session check ran the stubs', async () => {
    const launched = await run(['launch', 'claude', '--cwd', t.projectDir])
    expect(launched.err, launched.out).toBe('')
    expect(launched.code).toBe(0)
    expect(launched.out).toMatch(/✓ Pack image/)
    expect(launched.out).toMatch(/✓ Start bundle .* egress on 10\.213\.240\.\d+/)
    expect(launched.out).toMatch(/✓ Isolation self-test .*bundle-proxy .* ✓/)
    expect(launched.out).toContain(`✓ Prepare session`)
    expect(launched.out).toContain(`claude at ${join(stubs, 'claude')}`)
    const id = /Bottle (\S+) is running/.exec(launched.out)?.[1] as string
    expect(await readFile(t.backend.paths.manifestPath, 'utf8')).toContain('  claude:')
    expect(await readFile(join(stubs, 'npm.log'), 'utf8')).toMatch(
      /^install -g --no-fund --no-audit @anthropic-ai\/claude-code \| proxy http:\/\/10\.213\.240\.\d+:8888\n$/,
    )
    await t.backend.bottles.load()
    bottle = t.backend.bottles.get(id)
    expect(bottle).toMatchObject({ agent: 'claude', state: 'running' })
  })

  it('the API key reaches each exec but is stored nowhere by smolvm', async () => {
    const db = await readFile(
      join(t.fake.env.XDG_DATA_HOME as string, 'smolvm', 'server', 'smolvm.db.json'),
      'utf8',
    )
    expect(db).toContain(bottle.machineName)
    expect(db).toContain('HTTPS_PROXY')
    expect(db).not.toContain(SECRET)
    expect(db).not.toContain('ANTHROPIC_API_KEY')
    const argv = (await t.fake.argvLog()).map((l) => l.argv.join(' ')).join('\n')
    expect(argv).not.toContain(SECRET)

    const printKey = ['exec', bottle.id, '--', 'sh', '-c', 'printf "%s" "$ANTHROPIC_API_KEY"']
    expect(await run(printKey)).toMatchObject({ code: 0, out: `${SECRET}\n` })
    // Without the key in Bot Bottle's environment the guest has none: the VM kept no copy.
    const { ANTHROPIC_API_KEY: _key, ...withoutKey } = t.env
    expect(await run(printKey, withoutKey)).toMatchObject({ code: 0, out: '' })
  })

  it('ls shows it; stop tears it down with nothing left behind', async () => {
    const ls = await run(['ls'])
    expect(ls.code).toBe(0)
    expect(ls.out).toMatch(
      new RegExp(`${bottle.id}\\s+claude\\s+running\\s+running\\s+running\\s+10\\.213\\.240\\.`),
    )
    const stop = await run(['stop', bottle.id])
    expect(stop).toMatchObject({ code: 0, out: `stopped ${bottle.id}\n` })
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    const after = JSON.parse((await run(['ls', '--json'])).out) as Bottle[]
    expect(after).toMatchObject([{ id: bottle.id, state: 'stopped' }])
  })
})
