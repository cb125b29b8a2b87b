import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from './harness'

/** The fake's machine lifecycle and state, spawned as a process. */

let fake: FakeHome
beforeAll(async () => {
  fake = await makeFakeHome()
  await mkdir(join(fake.home, 'packs'))
})
afterAll(async () => {
  await fake.cleanup()
})

const V082 = { SMOLVM_FAKE_VERSION: '0.8.2' }
const hash16 = (name: string): string =>
  createHash('sha256').update(name).digest('hex').slice(0, 16)

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const r = await fake.run(args, { env })
  expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

describe('fake smolvm pack create', () => {
  it('writes the stub and PATH.smolmachine, with a digest per ref', async () => {
    const out = join(fake.home, 'packs', 'base')
    expect(await ok(['pack', 'create', '--image', 'alpine:3.20', '-o', out])).toContain(
      `Assets: ${out}.smolmachine`,
    )
    expect((await stat(out)).mode & 0o777).toBe(0o755)
    const manifest = JSON.parse(await readFile(`${out}.smolmachine`, 'utf8')) as {
      image: string
      digest: string
    }
    expect(manifest.image).toBe('alpine:3.20')
    expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    await fake.control({ digests: { 'alpine:3.20': 'sha256:moved' } })
    await ok(['pack', 'create', '--image', 'alpine:3.20', '-o', out])
    expect(JSON.parse(await readFile(`${out}.smolmachine`, 'utf8'))).toMatchObject({
      digest: 'sha256:moved',
    })
    await fake.control({})
  })

  it('packs a digest reference as that digest, and fails to pull one before 1.1.0', async () => {
    const out = join(fake.home, 'packs', 'pinned')
    const digest = `sha256:${'d'.repeat(64)}`
    const ref = `alpine@${digest}`
    await fake.control({ digests: { [ref]: 'sha256:ignored' } })
    await ok(['pack', 'create', '--image', ref, '-o', out])
    expect(JSON.parse(await readFile(`${out}.smolmachine`, 'utf8'))).toMatchObject({
      image: ref,
      digest,
    })
    await fake.control({ version: '1.0.4' })
    const r = await fake.run(['pack', 'create', '--image', ref, '-o', `${out}-old`])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(
      /^Error: agent operation failed: pull image: crane blob failed for layer sha256:[0-9a-f]{64}\n$/,
    )
    expect(existsSync(`${out}-old.smolmachine`)).toBe(false)
    await fake.control({})
  })

  it('doubles the suffix for -o X.smolmachine up to 1.6.x and refuses it from 1.7.0', async () => {
    const out = join(fake.home, 'packs', 'old.smolmachine')
    await ok(['pack', 'create', '--image', 'alpine', '-o', out], { SMOLVM_FAKE_VERSION: '1.6.13' })
    expect(existsSync(out) && existsSync(`${out}.smolmachine`)).toBe(true)
    const r = await fake.run(
      ['pack', 'create', '--image', 'alpine', '-o', join(fake.home, 'packs', 'new.smolmachine')],
      {
        env: { SMOLVM_FAKE_VERSION: '1.7.0' },
      },
    )
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(
      /^Error: config operation failed: pack create: --output names the executable stub.*Use --output .*\/packs\/new instead\.$/m,
    )
  })
})

describe('fake smolvm machines', () => {
  it('keeps state under HOME like smolvm: registry, per-VM dir by sha256(name)', async () => {
    await ok(['machine', 'create', 'state-a', '--net'], V082)
    expect(existsSync(join(fake.home, '.local/share/smolvm/server/smolvm.db.json'))).toBe(true)
    const dir = join(fake.home, '.cache/smolvm/vms', hash16('state-a'))
    expect((await ok(['machine', 'data-dir', 'state-a'], V082)).trim()).toBe(dir)
    expect(await readFile(join(dir, 'name'), 'utf8')).toBe('state-a')
    const dup = await fake.run(['machine', 'create', 'state-a'], { env: V082 })
    expect(dup.stderr).toBe(
      "Error: config operation failed: create machine: machine 'state-a' already exists\n",
    )
    const dup19 = await fake.run(['machine', 'create', '--name', 'state-a'])
    expect(dup19.stderr).toMatch(/already exists or is being created\n$/)
  })

  it('starts a detached VM, is idempotent, and sees a killed VMM as stopped', async () => {
    await ok(['machine', 'create', '--name', 'life', '--net'])
    const started = await ok(['machine', 'start', '--name', 'life'])
    const pid = Number(/running \(PID: (\d+)\)/.exec(started)?.[1])
    expect(pid).toBeGreaterThan(0)
    expect(await ok(['machine', 'start', '--name', 'life'])).toBe(
      `Machine 'life' already running (PID: ${pid})\n`,
    )
    const dir = (await ok(['machine', 'data-dir', '--name', 'life'])).trim()
    expect((await readFile(join(dir, 'agent.pid'), 'utf8')).split('\n')[0]).toBe(String(pid))
    expect(await readFile(join(dir, 'agent-console.log'), 'utf8')).toMatch(/VM started/)

    const status = JSON.parse(
      await ok(['machine', 'status', '--name', 'life', '--json']),
    ) as Record<string, unknown>
    expect(Object.keys(status)).toEqual([
      'cmd',
      'cpus',
      'created_at',
      'entrypoint',
      'ephemeral',
      'gpu',
      'gpu_vram_mib',
      'health_cmd',
      'health_interval_secs',
      'health_retries',
      'health_startup_grace_secs',
      'health_timeout_secs',
      'image',
      'memory_mib',
      'mounts',
      'name',
      'network',
      'overlay_gb',
      'pid',
      'ports',
      'restart_count',
      'restart_max_retries',
      'restart_policy',
      'state',
      'storage_gb',
    ])
    expect(status).toMatchObject({
      name: 'life',
      state: 'running',
      pid,
      network: true,
      ephemeral: false,
    })

    process.kill(pid, 'SIGKILL')
    const list = JSON.parse(await ok(['machine', 'ls', '--json'])) as {
      name: string
      state: string
    }[]
    expect(list.find((m) => m.name === 'life')?.state).toBe('stopped')
    expect(await ok(['machine', 'stop', '--name', 'life'])).toBe(
      "Machine 'life' is not running (state: stopped)\n",
    )
    const restarted = await ok(['machine', 'start', '--name', 'life'])
    expect(restarted).toMatch(/^Machine 'life' running \(PID: \d+\)\n$/)
    expect(await ok(['machine', 'stop', '--name', 'life'])).toBe(
      "Stopping machine 'life'...\nStopped machine: life\n",
    )
  })

  it('reports unknown machines like smolvm', async () => {
    const cases: [string[], string][] = [
      [['machine', 'start', '--name', 'ghost'], 'Error: vm not found: ghost\n'],
      [['machine', 'stop', '--name', 'ghost'], 'Error: vm not found: ghost\n'],
      [['machine', 'delete', '--name', 'ghost', '-f'], 'Error: vm not found: ghost\n'],
      [['machine', 'exec', '--name', 'ghost', '--', 'true'], 'Error: vm not found: ghost\n'],
      [
        ['machine', 'status', '--name', 'ghost', '--json'],
        "Error: config operation failed: machine status: machine 'ghost' not found\n",
      ],
    ]
    for (const [args, stderr] of cases) {
      const r = await fake.run(args)
      expect([r.exitCode, r.stderr]).toEqual([1, stderr])
    }
    expect((await fake.run(['machine', 'data-dir', 'ghost'], { env: V082 })).stderr).toBe(
      'Error: vm not found: ghost\n',
    )
  })

  it('without -f stops the VM, asks, and on EOF keeps the machine', async () => {
    await ok(['machine', 'create', '--name', 'ask'])
    await ok(['machine', 'start', '--name', 'ask'])
    const r = await fake.run(['machine', 'delete', '--name', 'ask'])
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([
      0,
      "Stopping machine 'ask'...\nCancelled\n",
      "Delete machine 'ask'? [y/N] ",
    ])
    expect(JSON.parse(await ok(['machine', 'status', '--name', 'ask', '--json']))).toMatchObject({
      state: 'stopped',
    })
    const yes = await fake.run(['machine', 'delete', '--name', 'ask'], { input: 'y\n' })
    expect(yes.stdout).toMatch(/Deleted machine: ask\n$/)
    expect(
      JSON.parse(await ok(['machine', 'ls', '--json'])).some(
        (m: { name: string }) => m.name === 'ask',
      ),
    ).toBe(false)
  })

  it('drops --allow-cidr with --from before 1.8.0 and keeps it from 1.8.0 (manifest workdir always wins)', async () => {
    const pack = join(fake.home, 'packs', 'egress')
    await ok(['pack', 'create', '--image', 'alpine', '-o', pack])
    const create = async (name: string, version: string, extra: string[] = []): Promise<void> => {
      const nameArgs = version === '0.8.2' ? [name] : ['--name', name]
      await ok(
        [
          'machine',
          'create',
          ...nameArgs,
          '--from',
          `${pack}.smolmachine`,
          '--allow-cidr',
          '10.231.9.2',
          '-w',
          '/w',
          ...extra,
        ],
        {
          SMOLVM_FAKE_VERSION: version,
        },
      )
    }
    await create('eg-old', '0.8.2')
    await create('eg-old-net', '0.8.2', ['--net'])
    await create('eg-new', '1.8.0')
    const db = JSON.parse(
      await readFile(join(fake.home, '.local/share/smolvm/server/smolvm.db.json'), 'utf8'),
    ) as {
      vms: Record<
        string,
        { allowedCidrs: string[] | null; network: boolean; workdir: string | null }
      >
    }
    expect(db.vms['eg-old']).toMatchObject({ allowedCidrs: null, network: false, workdir: null })
    expect(db.vms['eg-old-net']).toMatchObject({ allowedCidrs: null, network: true })
    expect(db.vms['eg-new']).toMatchObject({
      allowedCidrs: ['10.231.9.2/32'],
      network: true,
      workdir: null,
    })
  })

  it('needs the --from file at create, and before 1.0.0 at every start', async () => {
    const missing = await fake.run([
      'machine',
      'create',
      '--name',
      'nofile',
      '--from',
      '/nonexistent.smolmachine',
    ])
    expect(missing.stderr).toBe(
      'Error: config operation failed: create from .smolmachine: file not found: /nonexistent.smolmachine\n',
    )
    const pack = join(fake.home, 'packs', 'moved')
    await ok(['pack', 'create', '--image', 'alpine', '-o', pack])
    await ok(['machine', 'create', 'moved-old', '--from', `${pack}.smolmachine`], V082)
    await ok(['machine', 'create', '--name', 'moved-new', '--from', `${pack}.smolmachine`])
    await rm(`${pack}.smolmachine`)
    const old = await fake.run(['machine', 'start', '--name', 'moved-old'], { env: V082 })
    expect(old.stderr).toMatch(
      /^Error: agent operation failed: start machine: source \.smolmachine not found: /,
    )
    await ok(['machine', 'start', '--name', 'moved-new'])
  })

  it('validates volumes: existing directory host, absolute guest, no duplicates', async () => {
    const dir = join(fake.home, 'vol')
    await mkdir(dir)
    const cases: [string[], RegExp][] = [
      [['-v', `${dir}/missing:/w`], /^Error: mount source not found: /],
      [['-v', `${join(fake.home, 'packs', 'base')}:/w`], /must be a directory/],
      [['-v', `${dir}:relative`], /target path on guest should be an absolute directory/],
      [['-v', `${dir}:/w`, '-v', `${dir}:/w`], /duplicate mount target: \/w/],
      [['-v', '/etc:/w'], /protected system path/],
    ]
    for (const [extra, message] of cases) {
      const r = await fake.run(['machine', 'create', '--name', 'vols', ...extra])
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(message)
    }
  })
})

/** As root, the test drops to `nobody` to see what the fake does for a user who cannot build namespaces. */
const asRoot = process.getuid?.() === 0
const dropRoot = asRoot
  ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
  : []
describe.skipIf(asRoot && !existsSync('/usr/bin/setpriv'))('fake smolvm without root', () => {
  it('refuses an isolated start under SMOLVM_FAKE_STRICT=1, else warns and runs unenforced', async () => {
    const home = await mkdtemp(join(tmpdir(), 'fake-smolvm-nonroot-'))
    await chmod(home, 0o777)
    const env = {
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CACHE_HOME: join(home, 'cache'),
    }
    const run = (args: string[], extra: Record<string, string> = {}) =>
      execa(
        dropRoot[0] ?? FAKE_SMOLVM,
        [...dropRoot.slice(1), ...(dropRoot.length ? [FAKE_SMOLVM] : []), ...args],
        {
          env: { ...env, ...extra },
          cwd: home,
          reject: false,
        },
      )
    try {
      expect(
        (await run(['machine', 'create', '--name', 'nr', '--allow-cidr', '10.231.9.9'])).exitCode,
      ).toBe(0)
      const strict = await run(['machine', 'start', '--name', 'nr'], { SMOLVM_FAKE_STRICT: '1' })
      expect(strict.exitCode).toBe(1)
      expect(strict.stderr).toMatch(
        /cannot isolate the VM's network: not running as root \(SMOLVM_FAKE_STRICT=1\)/,
      )
      expect((await run(['machine', 'start', '--name', 'nr'])).exitCode).toBe(0)
      const dir = (await run(['machine', 'data-dir', '--name', 'nr'])).stdout.trim()
      expect(await readFile(join(dir, 'agent-console.log'), 'utf8')).toMatch(
        /WARNING network isolation NOT enforced/,
      )
    } finally {
      await run(['machine', 'delete', '--name', 'nr', '-f'])
      await rm(home, { recursive: true, force: true })
    }
  })
})
