import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerAvailable } from '../../../test-support/prereqs'
import { createBackend, type Backend } from '../backend'
import { homeLabels } from '../plan/names'
import { parseProbeOutput, probeArgv } from '../selftest/probe-program'
import { smolvmFeatures } from '../smolvm/version'
import { buildTestImages } from '../../../scripts/build-test-images.mjs'
import { TEST_BUNDLE_IMAGE } from './testing'

/**
 * The original system's smoke test against a REAL smolvm (skipped where
 * there is none): launch (its isolation self-test included), an `echo`
 * round trip, and the original's two probes — the guest's connections to
 * the host's 127.0.0.1:9 and to the bundle's internal 9099 are refused. Needs a registry for the agent image. Found on PATH or
 * where install.sh puts it; BOT_BOTTLE_REAL_SMOLVM names another binary.
 */
const REAL =
  process.env.BOT_BOTTLE_REAL_SMOLVM ||
  [
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'smolvm')),
    join(homedir(), '.local', 'bin', 'smolvm'),
    join(homedir(), '.smolvm', 'smolvm'),
  ].find((p) => existsSync(p)) ||
  ''

function realSmolvmWorks(): boolean {
  if (!REAL) return false
  try {
    return /^smolvm \d+\.\d+\.\d+/m.test(
      execFileSync(REAL, ['--version'], { encoding: 'utf8', timeout: 15_000 }),
    )
  } catch {
    return false
  }
}

describe.runIf(realSmolvmWorks() && dockerAvailable())('a bottle on the real smolvm', () => {
  let backend: Backend
  let home: string
  beforeAll(async () => {
    await buildTestImages()
    home = await mkdtemp(join(tmpdir(), 'bb-real-'))
    await mkdir(join(home, 'config'), { recursive: true })
    await mkdir(join(home, 'project'), { recursive: true })
    await writeFile(
      join(home, 'config', 'manifest.yaml'),
      'agents:\n  smoke:\n    image: docker.io/library/alpine:3.20\n    cpus: 1\n    memory: 512\n    session: [sh]\n',
    )
    backend = await createBackend({
      mode: 'cli',
      env: {
        ...process.env,
        BOT_BOTTLE_HOME: home,
        BOT_BOTTLE_SMOLVM: REAL,
        BOT_BOTTLE_BUNDLE_IMAGE: process.env.BOT_BOTTLE_BUNDLE_IMAGE ?? TEST_BUNDLE_IMAGE,
        // Subnet pool of this file.
        BOT_BOTTLE_SUBNET_POOL: '10.213.112.0/24',
      },
    })
  }, 600_000)
  afterAll(async () => {
    for (const b of backend?.bottles.list() ?? [])
      await backend.bottles.remove(b.id).catch(() => {})
    const docker = backend?.tools.docker()
    if (docker) {
      for (const c of await docker.containerList(homeLabels(backend.homeId)))
        await docker.containerRemove(c.name)
      for (const n of await docker.networkList(homeLabels(backend.homeId)))
        await docker.networkRemove(n.name)
    }
    backend?.dispose()
    await rm(home, { recursive: true, force: true })
  })

  it('launches, round-trips an echo, cannot reach loopback nor the bundle’s internal port, and tears down', async () => {
    const { bottles } = backend
    const launched = await bottles.launch({ agent: 'smoke', projectDir: join(home, 'project') })
    const b = await bottles.settled(launched.id)
    const version = await (await backend.tools.smolvm()).version()
    if (!smolvmFeatures(version).fromKeepsEgressPolicy) {
      // This smolvm cannot isolate a `--from` machine: the self-test must refuse it.
      expect(b.state).toBe('failed')
      expect(b.steps.find((s) => s.id === 'selftest')?.state).toBe('failed')
      expect(b.error?.message).toMatch(
        /^isolation self-test failed: .*upgrade smolvm to ≥ 1\.8\.0$/,
      )
      expect(await backend.tools.docker().containerList(homeLabels(backend.homeId))).toEqual([])
      return
    }
    expect(b.error).toBeNull()
    expect(b.state).toBe('running')
    expect(await bottles.exec(b.id, ['echo', 'hello-from-vm'])).toMatchObject({
      exitCode: 0,
      stdout: 'hello-from-vm\n',
    })
    // The boot's own self-test passed (in alpine: through busybox nc).
    const selftest = b.steps.find((s) => s.id === 'selftest')
    expect(selftest?.state).toBe('done')
    expect(selftest?.detail).toMatch(
      /bundle-proxy .* connected ✓; host-loopback .* ✓; bundle-internal .* ✓; outside-allowlist .* ✓/,
    )
    // The original system's probes, with the same probe program: both refused.
    const probes = await bottles.exec(
      b.id,
      probeArgv(
        [
          { name: 'loopback-9', host: '127.0.0.1', port: 9 },
          { name: 'bundle-9099', host: b.network?.bundleIp ?? '', port: 9099 },
        ],
        3,
      ),
      { timeoutMs: 30_000 },
    )
    const lines = parseProbeOutput(probes.stdout)
    expect(lines).toEqual({
      lines: [
        expect.objectContaining({ probe: 'loopback-9', outcome: 'refused' }),
        expect.objectContaining({ probe: 'bundle-9099', outcome: 'refused' }),
      ],
    })
    await bottles.stop(b.id)
    const machines = await (await backend.tools.smolvm()).machineList()
    expect(machines.map((m) => m.name)).not.toContain(b.machineName)
    expect(await backend.tools.docker().containerList(homeLabels(backend.homeId))).toEqual([])
  }, 900_000)
})
