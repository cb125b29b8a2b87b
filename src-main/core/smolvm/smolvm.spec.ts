import { readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as pty from 'node-pty'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger, type Logger } from '../base/logger'
import { isSmolvmError } from './errors'
import { createSmolvm } from './smolvm'
import type { GuestEnvVar, Smolvm } from './types'

/** The wrapper against the fake smolvm, playing the oldest and the newest dialect. */

const SECRET = 'sk-ant-api03-never-in-argv-7f3a'
const env: GuestEnvVar[] = [
  { key: 'ANTHROPIC_API_KEY', value: SECRET, secret: true },
  { key: 'PLAIN_SETTING', value: 'visible', secret: false },
]

/** Alive and not a zombie (a killed guest may stay unreaped under a PID 1 that does not reap). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
}

function recordingLogger(lines: string[]): Logger {
  return { ...nullLogger, warn: (m) => void lines.push(m), child: () => recordingLogger(lines) }
}

describe.each(['0.8.2', '1.9.3'])('Smolvm wrapper against the fake playing %s', (version) => {
  let fake: FakeHome
  let smolvm: Smolvm
  let project: string
  const warnings: string[] = []
  const name = 'claude-bottle-wrap'

  beforeAll(async () => {
    fake = await makeFakeHome({ version })
    project = join(fake.home, 'project')
    await mkdir(project)
    smolvm = createSmolvm({
      binary: FAKE_SMOLVM,
      runner: new CommandRunner(),
      logger: recordingLogger(warnings),
      env: fake.env,
    })
  })
  afterAll(async () => {
    await fake.cleanup()
  })

  it('runs the lifecycle: pack, create, start, exec, cp, stop, delete', async () => {
    expect((await smolvm.version()).raw).toBe(version)
    const pack = await smolvm.packCreate({
      image: 'node:22-alpine',
      output: join(fake.home, 'packs', 'agent'),
    })
    expect(pack).toEqual({
      stub: join(fake.home, 'packs', 'agent'),
      sidecar: join(fake.home, 'packs', 'agent.smolmachine'),
    })

    await smolvm.machineCreate({
      name,
      from: pack.sidecar,
      allowCidrs: ['10.231.250.2/32'],
      env,
      cpus: 2,
      memoryMib: 2048,
      volumes: [{ host: project, guest: '/workspace', readOnly: false }],
    })
    expect(warnings.some((w) => w.includes('ignores --allow-cidr'))).toBe(version === '0.8.2')
    await expect(
      smolvm.machineCreate({ name, from: pack.sidecar, allowCidrs: [], env: [] }),
    ).rejects.toMatchObject({ kind: 'already-exists' })

    await smolvm.machineStart(name)
    await smolvm.machineStart(name) // already running: exit 0
    const listed = (await smolvm.machineList()).find((m) => m.name === name)
    expect(listed).toMatchObject({
      state: 'running',
      cpus: 2,
      memoryMib: 2048,
      image: 'node:22-alpine',
      ephemeral: false,
    })
    expect((await smolvm.machineStatus(name))?.pid).toBe(listed?.pid)

    const run = await smolvm.exec(
      name,
      ['sh', '-c', 'echo "$PLAIN_SETTING ${#ANTHROPIC_API_KEY} $(pwd)"; exit 3'],
      {
        workdir: '/workspace',
        env,
        timeoutMs: 30_000,
      },
    )
    expect(run).toMatchObject({
      exitCode: 3,
      stdout: `visible ${SECRET.length} ${project}\n`,
      timedOut: false,
    })
    // The guest's own exit 1 with an "Error:" line is its result, not a smolvm failure.
    const guestError = await smolvm.exec(
      name,
      ['sh', '-c', 'echo "Error: guest says no" >&2; exit 1'],
      { timeoutMs: 30_000 },
    )
    expect(guestError).toMatchObject({ exitCode: 1, stderr: 'Error: guest says no\n' })
    expect(
      (await smolvm.exec(name, ['cat'], { input: 'piped in', timeoutMs: 30_000 })).stdout,
    ).toBe('piped in')
    const slow = await smolvm.exec(name, ['sleep', '10'], { timeoutMs: 300 })
    expect(slow).toMatchObject({ exitCode: 124, timedOut: true })

    const stream = smolvm.execStream(name, ['sh', '-c', 'echo one; echo two >&2; echo three'], {
      timeoutMs: 30_000,
    })
    const chunks: string[] = []
    stream.onStdout((c) => chunks.push(c))
    expect(await stream.done).toMatchObject({ exitCode: 0, stderr: 'two\n' })
    expect(chunks.join('')).toBe('one\nthree\n')
    const late: string[] = []
    stream.onStderr((c) => late.push(c))
    expect(late).toEqual(['two\n'])

    // Killing smolvm ends the guest command too (the agent kills it when the connection drops).
    const long = smolvm.execStream(name, ['sh', '-c', 'echo $$ > guest.pid; echo up; sleep 30'], {
      workdir: '/workspace',
      timeoutMs: 60_000,
    })
    await new Promise<void>((resolve) => long.onStdout(() => resolve()))
    long.kill()
    expect(await long.done).toMatchObject({ cancelled: true })
    const guestPid = Number(await readFile(join(project, 'guest.pid'), 'utf8'))
    await expect.poll(() => isRunning(guestPid)).toBe(false)

    const local = join(fake.home, 'task.md')
    await writeFile(local, 'the task')
    await smolvm.cpIn(name, local, '/home/agent/task.md')
    await smolvm.cpOut(name, '/home/agent/task.md', join(fake.home, 'task.back.md'))
    expect(await readFile(join(fake.home, 'task.back.md'), 'utf8')).toBe('the task')
    expect(await readFile(join(await smolvm.dataDir(name), 'name'), 'utf8')).toBe(name)

    await smolvm.machineStop(name)
    await smolvm.machineStop(name) // not running: exit 0
    expect((await smolvm.machineStatus(name))?.state).toBe('stopped')
    await expect(smolvm.exec(name, ['true'], { timeoutMs: 30_000 })).rejects.toMatchObject({
      kind: 'not-running',
    })

    expect(await smolvm.machineDelete(name)).toEqual({ existed: true })
    expect(await smolvm.machineDelete(name)).toEqual({ existed: false })
    expect(await smolvm.machineStatus(name)).toBeNull()
    await smolvm.machineStop(name) // unknown: nothing to stop
  })

  it('never puts a secret value in argv', async () => {
    const log = await fake.argvLog()
    expect(log.length).toBeGreaterThan(10)
    expect(JSON.stringify(log)).not.toContain(SECRET)
    const withSecret = log.filter((l) => l.argv.includes('ANTHROPIC_API_KEY'))
    expect(withSecret.length).toBeGreaterThanOrEqual(2)
    for (const l of withSecret) expect(l.envKeys).toContain('ANTHROPIC_API_KEY')
  })

  it('maps injected failures to typed errors', async () => {
    await fake.control({
      fail: { 'machine.ls': { message: 'kvm permission denied: Cannot access /dev/kvm' } },
    })
    const error = await smolvm.machineList().catch((e: unknown) => e)
    expect(isSmolvmError(error, 'kvm')).toBe(true)
    await fake.control({})
  })
})

describe('interactive session through node-pty', () => {
  let fake: FakeHome
  let smolvm: Smolvm
  const name = 'claude-bottle-pty'

  beforeAll(async () => {
    fake = await makeFakeHome()
    smolvm = createSmolvm({
      binary: FAKE_SMOLVM,
      runner: new CommandRunner(),
      logger: nullLogger,
      env: fake.env,
    })
    const pack = await smolvm.packCreate({ image: 'alpine', output: join(fake.home, 'agent') })
    await smolvm.machineCreate({ name, from: pack.sidecar, allowCidrs: [], env: [] })
    await smolvm.machineStart(name)
  })
  afterAll(async () => {
    await fake.cleanup()
  })

  it('round-trips input, delivers ^C to the guest and survives it', async () => {
    const cmd = await smolvm.sessionCommand(name, { workdir: '/home/agent', env, command: ['sh'] })
    expect(cmd.args).not.toContain(SECRET)
    const term = pty.spawn(cmd.file, cmd.args, {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      env: { ...process.env, ...cmd.env },
    })
    let screen = ''
    term.onData((d) => (screen += d))
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      for (let i = 0; i < 300 && !pattern.test(screen); i++)
        await new Promise((r) => setTimeout(r, 50))
      expect(screen).toMatch(pattern)
    }
    term.write('echo "sum-$((20+22)) term-$TERM key-${#ANTHROPIC_API_KEY}"\r')
    await waitFor(new RegExp(`sum-42 term-xterm-256color key-${SECRET.length}`))
    term.write('echo sleeping-$((1+1)); sleep 30; echo not-interrupted\r')
    await waitFor(/\nsleeping-2\r\n/)
    term.write('\x03')
    term.write('echo after-$((6*7))\r')
    await waitFor(/after-42/)
    // Only the echo of the typed line: the guest's `echo not-interrupted` never ran.
    expect(screen).not.toMatch(/\nnot-interrupted\r\n/)
    term.write('exit 5\r')
    expect(await exited).toBe(5)
  })
})
