import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { need } from '../../../test-support/prereqs'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createDocker, resolveDockerBinary } from '../docker/docker'
import { removeLabelled, testLabels } from '../docker/testing'
import type { Docker } from '../docker/types'
import { createSmolvm } from './smolvm'
import type { Smolvm } from './types'

/**
 * What makes the backend's isolation tests real: the fake smolvm enforces
 * `--allow-cidr` with a network namespace on the docker bridge. Playing 1.9.3,
 * a `--from` VM allowed only the bundle's IP reaches the bundle and nothing of
 * the host; playing 0.8.2, `--from` drops the policy, and with networking on
 * (`--net`) the VM reaches the host's 127.0.0.1 — the leak a self-test must catch.
 *
 * Subnet of this file: 10.231.201.0/24 (bundle stand-in at .2, bridge gateway .1).
 */
const ready = need('netns') && need('docker')
const SUBNET = '10.231.201.0/24'
const GATEWAY = '10.231.201.1'
const BUNDLE_IP = '10.231.201.2'
const BUNDLE_PORT = 8888

/** Dials each target from inside the VM; prints `host:port=ok:<first bytes>` or the error code. */
const PROBE = `
const net = require('net')
const targets = process.argv.slice(1)
Promise.all(targets.map((t) => new Promise((resolve) => {
  const [host, port] = t.split(':')
  const s = net.connect({ host, port: Number(port), timeout: 3000 })
  s.once('data', (d) => { resolve(t + '=ok:' + d.toString().trim()); s.destroy() })
  s.once('timeout', () => { resolve(t + '=timeout'); s.destroy() })
  s.once('error', (e) => resolve(t + '=' + e.code))
}))).then((lines) => console.log(lines.join('\\n')))
`

function listen(host: string, reply: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end(reply))
    server.once('error', reject)
    server.listen(0, host, () => resolve(server))
  })
}

const port = (s: Server): number => (s.address() as AddressInfo).port

describe.skipIf(!ready)('fake smolvm --allow-cidr enforcement (netns on a docker bridge)', () => {
  const labels = testLabels('smolvm.enforcement.spec')
  let docker: Docker
  let fake: FakeHome
  let smolvm: Smolvm
  let sidecar: string
  const servers: Server[] = []
  let targets: { bundle: string; hostLoopback: string; gateway: string }

  beforeAll(async () => {
    await buildTestImages()
    docker = createDocker({
      binary: resolveDockerBinary({ settingPath: null, env: process.env }),
      runner: new CommandRunner(),
    })
    const tag = labels['dev.botbottle.home'] as string
    const network = `bbtest-enforce-${tag}`
    await docker.networkCreate({
      name: network,
      subnet: SUBNET,
      gateway: GATEWAY,
      bridgeName: `bbenf${tag.slice(0, 8)}`,
      labels,
    })
    await docker.containerRun({
      name: `bbtest-enforce-bundle-${tag}`,
      image: TEST_IMAGES.node,
      network,
      ip: BUNDLE_IP,
      labels,
      env: {},
      command: [
        'node',
        '-e',
        `require('net').createServer((s) => s.end('bundle-ok')).listen(${BUNDLE_PORT})`,
      ],
    })
    const loopback = await listen('127.0.0.1', 'host-loopback-canary')
    const gateway = await listen(GATEWAY, 'gateway-canary')
    servers.push(loopback, gateway)
    targets = {
      bundle: `${BUNDLE_IP}:${BUNDLE_PORT}`,
      hostLoopback: `127.0.0.1:${port(loopback)}`,
      gateway: `${GATEWAY}:${port(gateway)}`,
    }

    fake = await makeFakeHome({ env: { SMOLVM_FAKE_STRICT: '1' } })
    smolvm = createSmolvm({
      binary: FAKE_SMOLVM,
      runner: new CommandRunner(),
      logger: nullLogger,
      env: fake.env,
    })
    sidecar = (
      await smolvm.packCreate({ image: 'bot-bottle/agent:test', output: join(fake.home, 'agent') })
    ).sidecar
    // The bundle stand-in answers the host before the VMs dial it.
    for (let i = 0; i < 100; i++) {
      const answer = await probeFromHost(targets.bundle)
      if (answer === 'ok:bundle-ok') break
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 240_000)

  afterAll(async () => {
    await fake?.cleanup()
    for (const s of servers) s.close()
    if (docker) await removeLabelled(docker, labels)
  })

  async function probe(name: string): Promise<Record<string, string>> {
    const r = await smolvm.exec(name, [process.execPath, '-e', PROBE, ...Object.values(targets)], {
      timeoutMs: 30_000,
    })
    expect(r.exitCode, r.stderr).toBe(0)
    const byTarget = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    )
    return Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, byTarget[t] as string]))
  }

  it('1.9.3: --from with --allow-cidr <bundle>/32 reaches the bundle and nothing else', async () => {
    await smolvm.machineCreate({
      name: 'enf-new',
      from: sidecar,
      allowCidrs: [`${BUNDLE_IP}/32`],
      env: [],
    })
    await smolvm.machineStart('enf-new')
    expect(await probe('enf-new')).toEqual({
      bundle: 'ok:bundle-ok',
      hostLoopback: 'ECONNREFUSED',
      gateway: 'ECONNREFUSED',
    })
    await smolvm.machineStop('enf-new')
  })

  it('0.8.2: --from drops the policy; with --net the VM reaches the host loopback (the leak)', async () => {
    const old = { SMOLVM_FAKE_VERSION: '0.8.2' }
    const create = (name: string, extra: string[]) =>
      fake.run(
        ['machine', 'create', name, '--from', sidecar, '--allow-cidr', `${BUNDLE_IP}/32`, ...extra],
        { env: old },
      )
    expect((await create('enf-old-net', ['--net'])).exitCode).toBe(0)
    expect((await create('enf-old', [])).exitCode).toBe(0)
    for (const name of ['enf-old-net', 'enf-old']) {
      const started = await fake.run(['machine', 'start', '--name', name], { env: old })
      expect(started.exitCode, started.stderr).toBe(0)
    }
    expect(await probe('enf-old-net')).toEqual({
      bundle: 'ok:bundle-ok',
      hostLoopback: 'ok:host-loopback-canary',
      gateway: 'ok:gateway-canary',
    })
    // Without --net a --from VM of 0.8.x has no network at all: not even the bundle.
    const none = await probe('enf-old')
    expect(none.bundle).not.toMatch(/^ok/)
    expect(none.hostLoopback).toBe('ECONNREFUSED')
  })

  it('removes the namespace when a VM stops or its VMM dies', async () => {
    const namespaceOf = (name: string): string | undefined => {
      const db = JSON.parse(
        readFileSync(join(fake.home, '.local/share/smolvm/server/smolvm.db.json'), 'utf8'),
      ) as {
        vms: Record<string, { netns: { name: string } | null }>
      }
      return db.vms[name]?.netns?.name
    }
    const namespaces = (): string => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    await smolvm.machineStart('enf-new')
    const first = namespaceOf('enf-new') as string
    expect(namespaces()).toContain(first)
    process.kill((await smolvm.machineStatus('enf-new'))?.pid as number, 'SIGKILL')
    await smolvm.machineStart('enf-new') // reaps the dead VM's namespace and builds a fresh one
    expect(await probe('enf-new')).toMatchObject({
      bundle: 'ok:bundle-ok',
      hostLoopback: 'ECONNREFUSED',
    })
    await smolvm.machineStop('enf-new')
    expect(namespaceOf('enf-new')).toBeUndefined()
    expect(namespaces()).not.toContain(first)
  })
})

function probeFromHost(target: string): Promise<string> {
  const [host, p] = target.split(':')
  return new Promise((resolve) => {
    const s = connect(Number(p), host as string)
    s.once('data', (d) => (resolve(`ok:${d.toString().trim()}`), s.destroy()))
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
  })
}
