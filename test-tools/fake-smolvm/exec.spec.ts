import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from './harness'

/** The fake's exec, cp, failure injection and argv log, spawned as a process. */

let fake: FakeHome
let project: string
beforeAll(async () => {
  fake = await makeFakeHome()
  project = join(fake.home, 'project')
  await mkdir(join(project, 'ro'), { recursive: true })
  await writeFile(join(project, 'ro', 'keep.txt'), 'keep')
  const create = await fake.run([
    'machine',
    'create',
    '--name',
    'ex',
    '-e',
    'FROM_CREATE=1',
    '-w',
    '/workspace',
    '-v',
    `${project}:/workspace`,
    '-v',
    `${join(project, 'ro')}:/readonly:ro`,
  ])
  expect(create.exitCode, create.stderr).toBe(0)
  expect((await fake.run(['machine', 'start', '--name', 'ex'])).exitCode).toBe(0)
})
afterAll(async () => {
  await fake.cleanup()
})

const exec = (
  flags: string[],
  command: string[],
  o?: { input?: string; env?: Record<string, string> },
) => fake.run(['machine', 'exec', '--name', 'ex', ...flags, '--', ...command], o)

describe('fake smolvm exec', () => {
  it('passes the guest exit code through, with the machine env and the mounted workdir', async () => {
    const r = await exec(
      ['-e', 'FROM_EXEC=2'],
      ['sh', '-c', 'echo "$FROM_CREATE $FROM_EXEC $(pwd)"; echo oops >&2; exit 7'],
    )
    expect(r).toEqual({ exitCode: 7, stdout: `1 2 ${project}\n`, stderr: 'oops\n' })
  })

  it('copies a bare -e KEY from its own environment and skips it when unset', async () => {
    const r = await exec(
      ['-e', 'SECRET_X', '-e', 'UNSET_Y'],
      ['sh', '-c', 'echo "${SECRET_X}|${UNSET_Y-unset}"'],
      {
        env: { SECRET_X: 's3cr3t' },
      },
    )
    expect(r.stdout).toBe('s3cr3t|unset\n')
  })

  it('maps a guest workdir outside mounts into the VM rootfs', async () => {
    const r = await exec(['-w', '/opt/app'], ['sh', '-c', 'pwd'])
    expect(r.stdout.trim()).toMatch(/\/\.cache\/smolvm\/vms\/[0-9a-f]{16}\/rootfs\/opt\/app$/)
  })

  it('reports 128+N for a signal and 124 for --timeout', async () => {
    expect((await exec([], ['sh', '-c', 'kill -TERM $$'])).exitCode).toBe(143)
    const t = await exec(['--timeout', '300ms'], ['sleep', '5'])
    expect(t.exitCode).toBe(124)
    expect(t.stderr).toBe('\ncommand timed out after 300ms')
  })

  it('buffers output until exit by default and streams it with --stream', async () => {
    const firstChunk = async (flags: string[]): Promise<string> => {
      const child = execa(
        FAKE_SMOLVM,
        [
          'machine',
          'exec',
          '--name',
          'ex',
          ...flags,
          '--',
          'sh',
          '-c',
          'echo first; sleep 0.5; echo second',
        ],
        {
          env: fake.env,
          buffer: false,
        },
      )
      const first = await new Promise<string>((resolve) =>
        child.stdout.once('data', (c: Buffer) => resolve(c.toString())),
      )
      await child
      return first
    }
    const [buffered, streamed] = await Promise.all([firstChunk([]), firstChunk(['--stream'])])
    expect(buffered).toBe('first\nsecond\n')
    expect(streamed).toBe('first\n')
  })

  it('pipes stdin only with -i', async () => {
    expect((await exec(['-i'], ['cat'], { input: 'hello' })).stdout).toBe('hello')
    expect((await exec([], ['cat'], { input: 'hello' })).stdout).toBe('')
  })

  it('merges stderr into stdout with CRLF under -t without a terminal, and sets TERM only from 1.7.6', async () => {
    const r = await exec(['-t'], ['sh', '-c', 'echo out; echo err >&2; echo "term=${TERM-none}"'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('out\r\nerr\r\nterm=xterm-256color\r\n')
    const old = await exec(['-t'], ['sh', '-c', 'echo "term=${TERM-none}"'], {
      env: { SMOLVM_FAKE_VERSION: '1.7.5' },
    })
    expect(old.stdout).toBe('term=none\r\n')
  })

  it('fails like smolvm for a command that does not exist', async () => {
    const r = await exec([], ['no-such-command-xyz'])
    expect([r.exitCode, r.stderr]).toEqual([
      1,
      'Error: agent operation failed: vm exec: failed to spawn command: No such file or directory (os error 2)\n',
    ])
  })
})

describe('fake smolvm cp', () => {
  it('uploads and downloads single files through guest paths', async () => {
    const src = join(fake.home, 'task.md')
    await writeFile(src, 'do the thing')
    expect((await fake.run(['machine', 'cp', src, 'ex:/workspace/in/task.md'])).exitCode).toBe(0)
    expect(await readFile(join(project, 'in', 'task.md'), 'utf8')).toBe('do the thing')
    expect((await fake.run(['machine', 'cp', src, 'ex:/home/agent/task.md'])).exitCode).toBe(0)
    expect((await exec(['-w', '/home/agent'], ['cat', 'task.md'])).stdout).toBe('do the thing')
    const back = join(fake.home, 'back.md')
    expect((await fake.run(['machine', 'cp', 'ex:/home/agent/task.md', back])).exitCode).toBe(0)
    expect(await readFile(back, 'utf8')).toBe('do the thing')
  })

  it('refuses a read-only mount, a missing guest file and a path without machine:', async () => {
    const src = join(fake.home, 'task.md')
    expect((await fake.run(['machine', 'cp', src, 'ex:/readonly/x'])).stderr).toMatch(
      /Read-only file system \(os error 30\)/,
    )
    expect((await fake.run(['machine', 'cp', 'ex:/nope', join(fake.home, 'x')])).stderr).toMatch(
      /^Error: agent operation failed: read file: \/nope: No such file/,
    )
    expect((await fake.run(['machine', 'cp', src, join(fake.home, 'y')])).stderr).toMatch(
      /one of SRC or DST must use machine:path syntax/,
    )
  })
})

describe('fake smolvm knobs', () => {
  it('injects failures (file and env) and counts times down', async () => {
    await fake.control({
      fail: { 'machine.ls': { message: 'database not available: locked', times: 1 } },
    })
    expect(await fake.run(['machine', 'ls', '--json'])).toMatchObject({
      exitCode: 1,
      stderr: 'Error: database not available: locked\n',
    })
    expect((await fake.run(['machine', 'ls', '--json'])).exitCode).toBe(0)
    await fake.control({})
    const r = await fake.run(['machine', 'status', '--name', 'ex', '--json'], {
      env: { SMOLVM_FAKE_FAIL: 'machine.status' },
    })
    expect([r.exitCode, r.stderr]).toEqual([1, 'Error: injected failure (machine.status)\n'])
    await fake.control({
      fail: { 'machine.start': { message: 'kvm not available: nope', exitCode: 3 } },
    })
    expect((await fake.run(['machine', 'start', '--name', 'ex'])).exitCode).toBe(3)
    await fake.control({ version: '0.8.2' })
    expect((await fake.run(['--version'])).stdout).toBe('smolvm 0.8.2\n')
    await fake.control({})
  })

  it('breaks a --stream exec after the guest output when told to, and only --stream', async () => {
    await fake.control({
      fail: {
        'machine.exec.stream': { message: 'io operation failed: connection reset', times: 2 },
      },
    })
    const guest = ['sh', '-c', 'echo out; echo "error: the guest’s own" >&2; exit 0']
    expect(await exec([], guest)).toMatchObject({
      exitCode: 0,
      stderr: 'error: the guest’s own\n',
    })
    expect(await exec(['--stream'], guest)).toEqual({
      exitCode: 1,
      stdout: 'out\n',
      stderr: 'error: the guest’s own\nerror: io operation failed: connection reset\n',
    })
    expect((await exec(['--stream'], guest)).exitCode).toBe(1)
    expect((await exec(['--stream'], guest)).exitCode).toBe(0)
    await fake.control({})
  })

  it('adds latency per subcommand', async () => {
    const started = Date.now()
    expect(
      (
        await fake.run(['machine', 'ls', '--json'], {
          env: { SMOLVM_FAKE_LATENCY_MS: 'machine.ls:1200' },
        })
      ).exitCode,
    ).toBe(0)
    // A lower bound the fake guarantees by sleeping, not a speed measurement.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200)
  })

  it('logs every invocation with env keys and never values', async () => {
    await fake.run(['machine', 'ls', '--json'], {
      env: { VERY_SECRET_TOKEN: 'value-must-not-appear' },
    })
    const log = await fake.argvLog()
    const last = log[log.length - 1]
    expect(last?.argv).toEqual(['machine', 'ls', '--json'])
    expect(last?.envKeys).toContain('VERY_SECRET_TOKEN')
    expect(JSON.stringify(log)).not.toContain('value-must-not-appear')
  })

  it('kills a running exec when its VM stops, and reports the lost VM', async () => {
    const child = execa(
      FAKE_SMOLVM,
      ['machine', 'exec', '--name', 'ex', '--stream', '--', 'sh', '-c', 'echo up; sleep 30'],
      {
        env: fake.env,
        reject: false,
        buffer: false,
      },
    )
    await new Promise((resolve) => child.stdout.once('data', resolve))
    const status = JSON.parse(
      (await fake.run(['machine', 'status', '--name', 'ex', '--json'])).stdout,
    ) as { pid: number }
    process.kill(status.pid, 'SIGKILL')
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const r = await child
    // --stream reports the broken stream with ExecEventPrinter's lowercase line, not main's `Error:`.
    expect([r.exitCode, stderr]).toEqual([1, 'error: io operation failed: connection closed\n'])
    const notRunning = await exec([], ['true'])
    expect(notRunning.stderr).toBe(
      "Error: agent operation failed: connect: machine 'ex' is not running. Use 'smolvm machine start --name ex' first.\n",
    )
  })
})
