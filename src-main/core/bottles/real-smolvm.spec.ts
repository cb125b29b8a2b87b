import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dockerAvailable } from '../../../test-support/prereqs'
import { createBackend, type Backend } from '../backend'
import { homeLabels } from '../plan/names'
import { buildTestImages } from '../../../scripts/build-test-images.mjs'
import { TEST_BUNDLE_IMAGE } from './testing'

/**
 * The original system's smoke test against a REAL smolvm (skipped where
 * there is none): launch, an `echo` round trip, and the two isolation
 * probes — the guest cannot reach the host's loopback, nor the bundle's
 * internal port. Needs a registry for the agent image. Found on PATH or
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
    expect(b.error).toBeNull()
    expect(b.state).toBe('running')
    expect(await bottles.exec(b.id, ['echo', 'hello-from-vm'])).toMatchObject({
      exitCode: 0,
      stdout: 'hello-from-vm\n',
    })
    const probe = (host: string, port: number) =>
      bottles.exec(b.id, ['sh', '-c', `nc -z -w 3 ${host} ${port} && echo open || echo closed`], {
        timeoutMs: 20_000,
      })
    expect((await probe('127.0.0.1', 9)).stdout.trim()).toBe('closed')
    expect((await probe(b.network?.bundleIp ?? '', 9099)).stdout.trim()).toBe('closed')
    await bottles.stop(b.id)
    const machines = await (await backend.tools.smolvm()).machineList()
    expect(machines.map((m) => m.name)).not.toContain(b.machineName)
    expect(await backend.tools.docker().containerList(homeLabels(backend.homeId))).toEqual([])
  }, 900_000)
})
