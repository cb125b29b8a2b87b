import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { need } from '../../../test-support/prereqs'
import { CommandRunner, type CommandResult, type CommandSpec } from '../base/exec'
import { RpcError } from '../../../src-shared/rpc/errors'
import { createDocker, resolveDockerBinary } from './docker'
import { removeLabelled, testLabels } from './testing'
import { LABELS, type Docker } from './types'

// Subnets of this file: 10.232.4.0/24 and 10.232.5.0/24.
const hasDocker = need('docker')
const binary = resolveDockerBinary({ settingPath: null, env: process.env })

/** A runner that sees (and can change the env of) every call. */
class RecordingRunner extends CommandRunner {
  readonly calls: CommandSpec[] = []
  constructor(private readonly extraEnv: Record<string, string> = {}) {
    super()
  }
  override run(spec: CommandSpec): Promise<CommandResult> {
    this.calls.push(spec)
    return super.run({ ...spec, env: { ...spec.env, ...this.extraEnv } })
  }
}

describe.skipIf(!hasDocker)('docker wrapper (real engine)', () => {
  const labels = testLabels('docker.spec')
  const runner = new RecordingRunner()
  let docker: Docker

  beforeAll(async () => {
    await buildTestImages()
    docker = createDocker({ binary, runner })
  })
  afterAll(async () => {
    if (docker) await removeLabelled(docker, labels)
  })

  it('reports the engine version', async () => {
    expect(await docker.serverVersion()).toMatch(/^\d+\.\d+/)
  })

  it('explains an unreachable engine with a fix', async () => {
    const d = createDocker({
      binary,
      runner: new RecordingRunner({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
      platform: 'linux',
    })
    const err = (await d.serverVersion().catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcError)
    expect(err.code).toBe('UNAVAILABLE')
    expect(err.message).toContain('is dockerd running?')
    expect(err.message).toContain('systemctl start docker')
    expect(JSON.stringify(err.details)).toContain('docker')
  })

  it('explains a missing CLI', async () => {
    const d = createDocker({ binary: '/nonexistent/docker', runner: new CommandRunner() })
    await expect(d.serverVersion()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('/nonexistent/docker'),
    })
  })

  it('creates, lists and removes labelled networks; allSubnets sees them', async () => {
    const name = `bb-test-net-${labels[LABELS.home]}`
    const spec = {
      name,
      subnet: '10.232.4.0/24',
      gateway: '10.232.4.1',
      ipRange: '10.232.4.0/25',
      bridgeName: `bbt${labels[LABELS.home]!.slice(0, 8)}`,
      internal: true,
      labels: { ...labels, [LABELS.role]: 'network' },
    }
    const { id } = await docker.networkCreate(spec)
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    const listed = await docker.networkList(labels)
    expect(listed).toEqual([
      { id, name, subnets: ['10.232.4.0/24'], labels: expect.objectContaining(spec.labels) },
    ])
    expect(await docker.allSubnets()).toContain('10.232.4.0/24')
    expect(await docker.networkRemove(name)).toEqual({ existed: true })
    expect(await docker.networkRemove(name)).toEqual({ existed: false })
    expect(await docker.networkList(labels)).toEqual([])
  })

  it('runs containers with a pinned IP, labels and env; secrets stay out of argv', async () => {
    const net = `bb-test-run-${labels[LABELS.home]}`
    await docker.networkCreate({
      name: net,
      subnet: '10.232.5.0/24',
      gateway: '10.232.5.1',
      labels,
    })
    const secret = 'sk-test-DO-NOT-LOG-1234567890'
    const names = ['a', 'b'].map((s) => `bb-test-${s}-${labels[LABELS.home]}`)
    runner.calls.length = 0
    for (const [i, name] of names.entries()) {
      await docker.containerRun({
        name,
        image: TEST_IMAGES.testkit,
        network: net,
        ip: `10.232.5.${10 + i}`,
        labels: { ...labels, [LABELS.slug]: `s${i}` },
        env: { PLAIN: 'visible', ANTHROPIC_API_KEY: secret, CUSTOM: 'hidden-too' },
        secretEnvKeys: ['CUSTOM'],
        command: ['idle'],
        stopTimeoutSec: 5,
      })
    }
    const argv = runner.calls.flatMap((c) => c.args).join(' ')
    expect(argv).toContain('PLAIN=visible')
    expect(argv).not.toContain(secret)
    expect(argv).not.toContain('hidden-too')
    expect(runner.calls[0]!.secrets).toEqual(expect.arrayContaining([secret, 'hidden-too']))

    const env = await docker.exec(
      names[0]!,
      ['node', '-e', 'console.log(process.env.ANTHROPIC_API_KEY + " " + process.env.CUSTOM)'],
      { timeoutMs: 10_000 },
    )
    expect(env.stdout.trim()).toBe(`${secret} hidden-too`)

    // One listing is one call, however many containers there are.
    runner.calls.length = 0
    const list = await docker.containerList(labels)
    expect(runner.calls).toHaveLength(1)
    expect(list.map((c) => c.name).sort()).toEqual([...names].sort())
    const a = list.find((c) => c.name === names[0])!
    expect(a).toMatchObject({
      state: 'running',
      exitCode: null,
      image: TEST_IMAGES.testkit,
      ips: {},
    })
    expect(a.labels[LABELS.slug]).toBe('s0')
    expect(a.labels[LABELS.home]).toBe(labels[LABELS.home])
    expect(await docker.containerInspect(names[1]!)).toMatchObject({
      name: names[1],
      ips: { [net]: '10.232.5.11' },
    })
    expect(await docker.containerInspect(`bb-test-missing-${labels[LABELS.home]}`)).toBeNull()

    // exec with input, and a failing command's exit code passes through.
    const echo = await docker.exec(
      names[0]!,
      ['node', '-e', 'process.stdin.pipe(process.stdout)'],
      { input: 'ping', timeoutMs: 10_000 },
    )
    expect(echo).toMatchObject({ exitCode: 0, stdout: 'ping' })
    expect(
      (await docker.exec(names[0]!, ['node', '-e', 'process.exit(3)'], { timeoutMs: 10_000 }))
        .exitCode,
    ).toBe(3)

    // The testkit exits 0 on SIGTERM; stop waits for it.
    await docker.containerStop(names[1]!, 5)
    expect(await docker.containerInspect(names[1]!)).toMatchObject({ state: 'exited', exitCode: 0 })
    expect((await docker.containerList(labels)).find((c) => c.name === names[1])).toMatchObject({
      state: 'exited',
      exitCode: 0,
    })
    await docker.containerStop(`bb-test-missing-${labels[LABELS.home]}`)
    expect(await docker.containerRemove(names[1]!)).toEqual({ existed: true })
    expect(await docker.containerRemove(names[1]!)).toEqual({ existed: false })
  })

  it('errors carry the command line and docker’s stderr', async () => {
    const name = `bb-test-dup-${labels[LABELS.home]}`
    const spec = {
      name,
      image: TEST_IMAGES.testkit,
      network: 'bridge',
      ip: '',
      labels,
      env: {},
      command: ['idle'],
    }
    await docker.containerRun(spec)
    const err = (await docker.containerRun(spec).catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcError)
    expect(err.code).toBe('COMMAND_FAILED')
    const details = err.details as { command: string; stderr: string }
    expect(details.command).toContain(`docker run --detach --name ${name}`)
    expect(details.stderr).toMatch(/already in use/)
    expect(err.message).toMatch(/already in use/)
    await docker.containerRemove(name)
  })

  it('reads and follows logs line by line until the container ends', async () => {
    const name = `bb-test-logs-${labels[LABELS.home]}`
    await docker.containerRun({
      name,
      image: TEST_IMAGES.node,
      network: 'bridge',
      ip: '',
      labels,
      env: {},
      command: [
        'node',
        '-e',
        'let i=0; const t=setInterval(()=>{console.log("line "+(++i)); if(i===3){console.error("oops"); clearInterval(t)}}, 150)',
      ],
    })
    const lines: string[] = []
    const ended = new Promise<Error | undefined>((resolve) => {
      docker.followLogs(name, (line, stream) => lines.push(`${stream}:${line}`), {
        tail: 100,
        onEnd: resolve,
      })
    })
    expect(await ended).toBeUndefined()
    // docker keeps the streams apart, so only the order within one stream is certain.
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual([
      'stdout:line 1',
      'stdout:line 2',
      'stdout:line 3',
    ])
    expect(lines.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:oops'])
    expect(await docker.logs(name, { tail: 2 })).toBe('line 3\noops\n')
    expect(await docker.containerInspect(name)).toMatchObject({ state: 'exited', exitCode: 0 })
    const missing = await new Promise<Error | undefined>((resolve) => {
      docker.followLogs(`bb-test-missing-${labels[LABELS.home]}`, () => {}, { onEnd: resolve })
    })
    expect(missing?.message).toMatch(/no such container/i)
  })

  it('inspects images and their labels', async () => {
    const img = await docker.imageInspect(TEST_IMAGES.bundle)
    expect(img?.id).toMatch(/^sha256:/)
    expect(img?.labels['dev.botbottle.test-image']).toBe('1')
    expect(await docker.imageInspect('bot-bottle-no-such-image:nope')).toBeNull()
  })
})

describe('resolveDockerBinary', () => {
  it('prefers the setting, then BOT_BOTTLE_DOCKER, then PATH', () => {
    expect(
      resolveDockerBinary({
        settingPath: '/opt/x/docker',
        env: { BOT_BOTTLE_DOCKER: '/y/docker' },
      }),
    ).toBe('/opt/x/docker')
    expect(
      resolveDockerBinary({
        settingPath: null,
        env: { BOT_BOTTLE_DOCKER: '/y/docker', PATH: '/usr/bin' },
      }),
    ).toBe('/y/docker')
    expect(
      resolveDockerBinary({
        settingPath: null,
        env: { PATH: '/nonexistent-a:/nonexistent-b' },
        home: '/nonexistent-home',
      }),
    ).toMatch(/docker$/)
  })
})
