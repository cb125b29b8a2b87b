import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { egressMethods, egressTopics, type EgressDecision } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { need } from '../../../test-support/prereqs'
import { CommandRunner } from '../base/exec'
import { bundleContainerConfig } from '../bundle/container-config'
import { createDocker, resolveDockerBinary } from '../docker/docker'
import { removeLabelled, testLabels } from '../docker/testing'
import { LABELS, type Docker } from '../docker/types'
import { EgressService } from './egress-service'

// The real bundle on a per-bottle internal network (10.232.8.0/24) with a
// pinned IP; an upstream on another internal network (10.232.9.0/24) that
// only the bundle also joins; a guest stand-in on the bottle network only.
const hasDocker = need('docker')

const BUNDLE_IP = '10.232.8.2'
const GUEST_IP = '10.232.8.3'
const UPSTREAM_IP = '10.232.9.2'
const BOTTLE_ID = 'egress-test'

describe.skipIf(!hasDocker)('egress through the bundle container (real engine)', () => {
  const labels = testLabels('egress-service.spec')
  const home = labels[LABELS.home]!
  const names = {
    bottleNet: `bb-test-bottle-${home}`,
    upNet: `bb-test-up-${home}`,
    bundle: `bb-test-bundle-${home}`,
    guest: `bb-test-guest-${home}`,
    upstream: `bb-test-upstream-${home}`,
  }
  const runner = new CommandRunner()
  let docker: Docker
  let egress: EgressService
  let bundleId: string

  /** Runs the testkit in the guest stand-in: the agent's view of the network. */
  async function guest(...args: string[]): Promise<Record<string, unknown>> {
    const r = await docker.exec(names.guest, ['node', '/opt/testkit.js', ...args], {
      timeoutMs: 20_000,
    })
    expect(r.exitCode, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as Record<string, unknown>
  }
  const viaProxy = (url: string): Promise<Record<string, unknown>> =>
    guest('get', `${BUNDLE_IP}:8888`, url)

  beforeAll(async () => {
    await buildTestImages()
    const binary = resolveDockerBinary({ settingPath: null, env: process.env })
    docker = createDocker({ binary, runner })
    await docker.networkCreate({
      name: names.bottleNet,
      subnet: '10.232.8.0/24',
      gateway: '10.232.8.1',
      internal: true,
      labels,
    })
    await docker.networkCreate({
      name: names.upNet,
      subnet: '10.232.9.0/24',
      gateway: '10.232.9.1',
      internal: true,
      labels,
    })
    await docker.containerRun({
      name: names.upstream,
      image: TEST_IMAGES.testkit,
      network: names.upNet,
      ip: UPSTREAM_IP,
      labels,
      env: {},
      command: ['serve', '8080', 'upstream'],
    })

    const config = bundleContainerConfig({
      image: TEST_IMAGES.bundle,
      daemons: ['egress'],
      allowlist: [`${UPSTREAM_IP}:8080`],
    })
    bundleId = (
      await docker.containerRun({
        name: names.bundle,
        image: config.image,
        network: names.bottleNet,
        ip: BUNDLE_IP,
        labels: { ...labels, [LABELS.role]: 'bundle', [LABELS.slug]: BOTTLE_ID },
        env: config.env,
        // upstream.test names the upstream's private address: the rebinding guard's case.
        extraArgs: [...(config.extraArgs ?? []), '--add-host', `upstream.test:${UPSTREAM_IP}`],
        stopTimeoutSec: 10,
      })
    ).id
    await runner.runOk({
      file: binary,
      args: ['network', 'connect', '--ip', '10.232.9.3', names.upNet, names.bundle],
      timeoutMs: 30_000,
    })
    await docker.containerRun({
      name: names.guest,
      image: TEST_IMAGES.testkit,
      network: names.bottleNet,
      ip: GUEST_IP,
      labels,
      env: {},
      command: ['idle'],
    })

    for (
      let i = 0;
      i < 100 && !(await docker.logs(names.bundle)).includes('egress proxy listening');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100))
    }
    egress = new EgressService({
      docker: () => docker,
      resolveBundle: (id) => (id === BOTTLE_ID ? { container: names.bundle } : null),
      batchMs: 20,
    })
  })

  afterAll(async () => {
    if (docker) await removeLabelled(docker, labels)
  })

  it('asks for the docker CLI at each call, so a changed Settings path applies without a restart', async () => {
    const asked: string[] = []
    const service = new EgressService({
      docker: () => (asked.push(docker.binary), docker),
      resolveBundle: (id) => (id === BOTTLE_ID ? { container: names.bundle } : null),
    })
    await service.getRules(BOTTLE_ID)
    await service.getRules(BOTTLE_ID)
    expect(asked).toHaveLength(2)
  })

  it('runs the daemon as the unprivileged node user', async () => {
    const r = await docker.exec(
      names.bundle,
      ['node', '-e', 'process.stdout.write(String(process.getuid()))'],
      { timeoutMs: 10_000 },
    )
    expect(r.stdout).toBe('1000')
  })

  it('lets an allowed destination (an IP-literal rule) through, plain HTTP and CONNECT', async () => {
    const plain = await viaProxy(`http://${UPSTREAM_IP}:8080/hello`)
    expect(plain.status).toBe(200)
    expect(JSON.parse(plain.body as string)).toMatchObject({ from: 'upstream', path: '/hello' })
    const tunnel = await guest('tunnel', `${BUNDLE_IP}:8888`, `${UPSTREAM_IP}:8080`, '/tunnelled')
    expect(tunnel).toMatchObject({ tunnelStatus: 200, status: 200 })
    expect(JSON.parse(tunnel.body as string)).toMatchObject({ path: '/tunnelled' })
  })

  it('denies other hosts with a 403 naming the host, and the decision reaches egress.log', async () => {
    const received: EgressDecision[] = []
    const sub = egress.follow(BOTTLE_ID, (decisions) =>
      received.push(...egressTopics['egress.log'].data.parse({ decisions }).decisions),
    )
    try {
      const denied = await guest('tunnel', `${BUNDLE_IP}:8888`, 'api.example.com:443')
      expect(denied.tunnelStatus).toBe(403)
      expect(denied.body).toContain(
        'refused api.example.com:443: no rule allows api.example.com:443',
      )
      for (let i = 0; i < 100 && !received.some((d) => d.host === 'api.example.com'); i++)
        await new Promise((r) => setTimeout(r, 50))
      expect(received.find((d) => d.host === 'api.example.com')).toMatchObject({
        port: 443,
        method: 'CONNECT',
        decision: 'deny',
        rule: null,
        reason: 'no rule allows api.example.com:443',
      })
      // Recent decisions come first: the allowed requests of the test before are in the log too.
      expect(
        received.some((d) => d.decision === 'allow' && d.host === UPSTREAM_IP && d.bytesIn > 0),
      ).toBe(true)
    } finally {
      sub.dispose()
    }
  })

  it('leaves the guest no way around the proxy and no way to the admin port', async () => {
    expect(await guest('probe', BUNDLE_IP, '8888')).toEqual({ connected: true })
    expect(await guest('probe', UPSTREAM_IP, '8080', '1000')).toMatchObject({ connected: false })
    expect(await guest('probe', BUNDLE_IP, '9099')).toEqual({
      connected: false,
      error: 'ECONNREFUSED',
    })
  })

  it('reads and changes the allowlist without a restart; the rebinding guard refuses a name leading to a private address', async () => {
    expect(
      egressMethods['egress.get'].output.parse({ rules: await egress.getRules(BOTTLE_ID) }),
    ).toEqual({ rules: [`${UPSTREAM_IP}:8080`] })

    const invalid = (await egress
      .setRules(BOTTLE_ID, ['ok.example.com', '*.com'])
      .catch((e: unknown) => e)) as RpcError
    expect(invalid).toBeInstanceOf(RpcError)
    expect(invalid.code).toBe('INVALID_PARAMS')
    expect(invalid.message).toContain('"*.com": *.com would allow a whole top-level domain')

    expect(await egress.setRules(BOTTLE_ID, ['UPSTREAM.test.:8080'])).toEqual([
      'upstream.test:8080',
    ])
    const guarded = await viaProxy('http://upstream.test:8080/')
    expect(guarded.status).toBe(403)
    expect(guarded.body).toMatch(
      /upstream\.test resolves to 10\.232\.9\.2 \(private\).*DNS-rebinding guard/,
    )
    expect((await viaProxy(`http://${UPSTREAM_IP}:8080/`)).status).toBe(403)

    await egress.setRules(BOTTLE_ID, ['upstream.test:8080', `${UPSTREAM_IP}:8080`])
    const named = await viaProxy('http://upstream.test:8080/named')
    expect(named.status).toBe(200)
    expect(JSON.parse(named.body as string)).toMatchObject({ path: '/named' })

    // Same container, never restarted: one start line in its log.
    expect(await docker.containerInspect(names.bundle)).toMatchObject({
      id: bundleId,
      state: 'running',
    })
    expect((await docker.logs(names.bundle)).split('egress proxy listening').length - 1).toBe(1)
  })

  it('answers NOT_FOUND for a bottle without a bundle', async () => {
    await expect(egress.getRules('no-such-bottle')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(() => egress.follow('no-such-bottle', () => {})).toThrow(/no running bundle/)
  })

  it('stops cleanly on SIGTERM within a second (docker would SIGKILL after 1 s: exit 137)', async () => {
    await docker.containerStop(names.bundle, 1)
    const info = await docker.containerInspect(names.bundle)
    expect(info?.state).toBe('exited')
    expect(info?.exitCode).toBe(0)
    expect(await docker.logs(names.bundle)).toContain('"msg":"stopping","signal":"SIGTERM"')
  })
})
