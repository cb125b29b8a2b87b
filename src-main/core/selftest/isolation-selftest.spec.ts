import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bottle, Teardown } from '../../../src-shared/contract'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from '../bottles/testing'
import { openCanary } from './canary'
import {
  describeVerdicts,
  judgeProbe,
  pickPublicTarget,
  runIsolationProbes,
  selftestAdvice,
  SMOLVM_GATEWAY,
  type ProbeVerdict,
} from './isolation-selftest'

// Subnet pools of this file: 10.213.192.0/24 (smolvm 1.9.3) and 10.213.193.0/24 (smolvm 0.8.2).

describe('judging the probes', () => {
  it('fails a way to the host whose canary accepted a connection, whatever the guest said', async () => {
    const canary = await openCanary('127.0.0.1')
    if (!canary) throw new Error('no canary')
    try {
      const planned = {
        probe: 'host-gateway' as const,
        host: SMOLVM_GATEWAY,
        port: canary.port,
        what: 'the host’s loopback through virtio-net’s gateway',
        expect: 'blocked' as const,
        canary,
      }
      const line = (outcome: 'connected' | 'timeout' | 'unresolved') => ({
        probe: 'host-gateway',
        tool: 'node',
        outcome,
        detail: '',
      })
      expect(judgeProbe(planned, line('unresolved'))).toMatchObject({ ok: true, canaryAccepted: 0 })
      // What virtio-net would do with the guest's 100.96.0.1: carry it to the host's loopback.
      const s = connect(canary.port, '127.0.0.1')
      await new Promise((r) => s.once('connect', r))
      s.destroy()
      for (let i = 0; i < 100 && canary.accepted === 0; i++) await sleep(10)
      const leak = judgeProbe(planned, line('connected'))
      expect(leak).toMatchObject({ ok: false, canaryAccepted: 1 })
      expect(describeVerdicts([leak])).toBe(
        `host-gateway 100.96.0.1:${canary.port} connected, canary accepted 1 ✗ (via node)`,
      )
      // The guest's word alone does not clear it.
      expect(judgeProbe(planned, line('timeout')).ok).toBe(false)
    } finally {
      await canary.close()
    }
  })

  it('picks a public target smolvm does not allow on its own', () => {
    expect(pickPublicTarget('')).toEqual({ host: '9.9.9.9', port: 443 })
    expect(pickPublicTarget('# x\nnameserver 9.9.9.9\n')).toEqual({ host: '8.8.8.8', port: 443 })
    expect(pickPublicTarget('nameserver 9.9.9.9\n  nameserver 8.8.8.8\n').host).toBe(
      '208.67.222.222',
    )
  })
})

/**
 * The self-test for real: the fake smolvm enforces `--allow-cidr` with a
 * network namespace on the bottle's docker bridge, and reproduces smolvm
 * < 1.8.0 dropping it with `--from`. A sound bottle passes; the broken
 * version is refused with the probe named; a leaky guest is caught by the
 * probes and the canaries both.
 */
describe.runIf(need('docker') && need('netns'))('the isolation self-test', () => {
  let sound: TestBottles
  let old: TestBottles
  let running: Bottle
  beforeAll(async () => {
    ;[sound, old] = await Promise.all([
      makeTestBottles({ pool: '10.213.192.0/24', version: '1.9.3' }),
      makeTestBottles({ pool: '10.213.193.0/24', version: '0.8.2' }),
    ])
    running = await sound.backend.bottles.settled(
      (await sound.backend.bottles.launch({ agent: 'tester', projectDir: sound.projectDir })).id,
    )
  })
  afterAll(async () => {
    await Promise.all([sound?.cleanup(), old?.cleanup()])
  })

  it('passes on smolvm 1.9.3 and lists each probe in the step', () => {
    expect(running.error).toBeNull()
    expect(running.state).toBe('running')
    const step = running.steps.find((s) => s.id === 'selftest')
    expect(step?.state).toBe('done')
    const net = running.network
    expect(step?.detail).toContain(`bundle-proxy ${net?.bundleIp}:8888 connected ✓`)
    expect(step?.detail).toMatch(/host-loopback 127\.0\.0\.1:\d+ refused, canary quiet ✓/)
    // The fake plays TSI: virtio-net's ways to the host lead nowhere, and say so.
    expect(step?.detail).toMatch(/host-gateway 100\.96\.0\.1:\d+ \w+, canary quiet ✓/)
    expect(step?.detail).toMatch(/host-name host\.smolvm\.internal:\d+ unresolved, canary quiet ✓/)
    expect(step?.detail).toContain(`bundle-internal ${net?.bundleIp}:9099 refused ✓`)
    // On Linux the host can bind the bridge gateway: the outside probe is a canary there.
    expect(step?.detail).toMatch(
      new RegExp(`outside-allowlist ${net?.gateway}:\\d+ \\w+, canary quiet ✓`),
    )
  })

  it('refuses the same launch on smolvm 0.8.2, names the probe and what to do, and leaves nothing', async () => {
    const teardowns: Teardown[] = []
    const sub = old.backend.bottles.onEvent(
      (e) => e.kind === 'teardown' && teardowns.push(e.teardown),
    )
    const b = await old.backend.bottles.settled(
      (await old.backend.bottles.launch({ agent: 'tester', projectDir: old.projectDir })).id,
    )
    sub.dispose()
    expect(b.state).toBe('failed')
    const step = b.steps.find((s) => s.id === 'selftest')
    expect(step?.state).toBe('failed')
    expect(b.steps.find((s) => s.id === 'session')?.state).toBe('skipped')
    // No --net on < 1.8.0: the machine has no network at all, so the bundle is what it cannot reach.
    expect(b.error?.message).toMatch(
      /^isolation self-test failed: bundle-proxy — the guest cannot reach the bundle’s egress proxy at [\d.]+:8888/,
    )
    expect(b.error?.message).toMatch(
      /\. smolvm 0\.8\.2 drops --allow-cidr with --from .*: upgrade smolvm to ≥ 1\.8\.0$/,
    )
    const probes = (b.error?.details as { probes: ProbeVerdict[] }).probes
    expect(probes.map((p) => [p.probe, p.ok])).toEqual([
      ['bundle-proxy', false],
      ['host-loopback', true],
      ['host-gateway', true],
      ['host-name', true],
      ['bundle-internal', true],
      ['outside-allowlist', true],
    ])
    expect(teardowns).toEqual([
      expect.objectContaining({ id: b.id, reason: 'launch-failed', failedStep: 'selftest' }),
    ])
    expect(await old.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
  })

  it('catches a leaky guest — smolvm 0.8.2 given --net — by the probes and the canaries', async () => {
    const smolvm = await old.backend.tools.smolvm()
    const pack = (await old.backend.packCache.list()).entries[0]
    expect(pack).toBeDefined()
    const name = 'claude-bottle-leaky-probe'
    const created = await old.fake.run([
      'machine',
      'create',
      name,
      '--from',
      pack?.path as string,
      '--allow-cidr',
      `${running.network?.bundleIp}/32`,
      '--net',
    ])
    expect(created.stderr).toBe('')
    expect((await old.fake.run(['machine', 'start', '--name', name])).exitCode).toBe(0)
    try {
      // The probes aim at the sound bottle's bundle and network, from the leaky machine.
      const verdicts = await runIsolationProbes(
        {
          bottle: running,
          exec: (argv, o) => smolvm.exec(name, argv, { timeoutMs: o?.timeoutMs ?? 30_000 }),
        },
        { timeoutSec: 2, publicTarget: { host: '127.0.0.1', port: 9 } },
      )
      const by = Object.fromEntries(verdicts.map((v) => [v.probe, v]))
      expect(by['host-loopback']).toMatchObject({
        ok: false,
        outcome: 'connected',
        canaryAccepted: 1,
      })
      expect(by['outside-allowlist']).toMatchObject({
        ok: false,
        outcome: 'connected',
        canaryAccepted: 1,
      })
      expect(by['bundle-proxy']?.ok).toBe(true)
      // 9099 is bound to the bundle's own loopback: refused even from the host's namespace.
      expect(by['bundle-internal']).toMatchObject({ ok: true, outcome: 'refused' })
      expect(
        selftestAdvice(
          verdicts.filter((v) => !v.ok),
          await smolvm.version(),
          running,
        ),
      ).toBe(
        'smolvm 0.8.2 drops --allow-cidr with --from (and its TSI egress filter is not trusted before 1.1.3): upgrade smolvm to ≥ 1.8.0',
      )
    } finally {
      await old.fake.run(['machine', 'delete', name, '-f'])
    }
  })

  it('tears down a launch whose VM leaks despite a sound smolvm, with the leaking probes named', async () => {
    const { bottles } = sound.backend
    const teardowns: Teardown[] = []
    const sub = bottles.onEvent((e) => e.kind === 'teardown' && teardowns.push(e.teardown))
    await sound.fake.control({ leakNetwork: true })
    let b: Bottle
    try {
      b = await bottles.settled(
        (await bottles.launch({ agent: 'tester', projectDir: sound.projectDir })).id,
      )
    } finally {
      await sound.fake.control({})
      sub.dispose()
    }
    expect(b.state).toBe('failed')
    expect(b.steps.find((s) => s.id === 'selftest')?.state).toBe('failed')
    expect(b.steps.find((s) => s.id === 'session')?.state).toBe('skipped')
    expect(b.error?.message).toMatch(/^isolation self-test failed: .*host-loopback/)
    const probes = (b.error?.details as { probes: ProbeVerdict[] }).probes
    const failed = probes.filter((p) => !p.ok).map((p) => p.probe)
    expect(failed).toEqual(expect.arrayContaining(['host-loopback', 'outside-allowlist']))
    expect(failed).not.toContain('bundle-proxy')
    expect(teardowns).toEqual([
      expect.objectContaining({ id: b.id, reason: 'launch-failed', failedStep: 'selftest' }),
    ])
    // Nothing of it is left; the sound bottle next to it runs on.
    const left = await sound.leftovers()
    expect([...left.networks, ...left.containers, ...left.machines].join(' ')).not.toContain(b.id)
    expect(bottles.get(running.id).state).toBe('running')
  })

  it('fails with the reason when the guest has none of node, python3, bash or nc', async () => {
    const smolvm = await sound.backend.tools.smolvm()
    const noTools = [{ key: 'PATH', value: '/nonexistent', secret: false }]
    await expect(
      runIsolationProbes(
        {
          bottle: running,
          exec: (argv, o) =>
            smolvm.exec(running.machineName, argv, {
              timeoutMs: o?.timeoutMs ?? 30_000,
              env: noTools,
            }),
        },
        { timeoutSec: 2, publicTarget: { host: '127.0.0.1', port: 9 } },
      ),
    ).rejects.toMatchObject({
      code: 'PRECONDITION',
      message: expect.stringMatching(
        /^isolation self-test cannot run: none of node, python3, bash, nc or busybox nc is installed in the guest/,
      ) as string,
    })
  })
})
