import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { makeFakeHome, FAKE_SMOLVM, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import type { Control } from '../../../test-tools/fake-smolvm/control'
import { createBackend, type Backend } from '../backend'
import { removeLabelled } from '../docker/testing'
import { homeLabels } from '../plan/names'

/** The bundle image `npm run build:test-images` builds (no registry needed). */
export const TEST_BUNDLE_IMAGE = TEST_IMAGES.bundle

/** A manifest agent that needs nothing from a registry or the network: the fake runs its commands on the host. */
export function testManifest(extra = ''): string {
  return `version: 1
agents:
  tester:
    image: localhost:49151/bot-bottle/test-agent:1
    cpus: 1
    memory: 512
    env:
      GREETING: hello
      TEST_API_KEY: \${BOT_BOTTLE_TEST_SECRET:-}
    egress: [api.example.com]
    workdir: /workspace
    setup:
      - echo setup-ran > .setup-marker
    session: [sh, -l]
${extra}`
}

export interface TestBottles {
  backend: Backend
  fake: FakeHome
  home: string
  projectDir: string
  /** The env the backend was built with (a CLI command given it sees the same home). */
  env: NodeJS.ProcessEnv
  /** What this test's home still holds: docker networks and containers by label, smolvm machines. */
  leftovers(): Promise<{ networks: string[]; containers: string[]; machines: string[] }>
  cleanup(): Promise<void>
}

/**
 * A backend on the fake smolvm and the real docker engine, in a private
 * BOT_BOTTLE_HOME (so its docker labels are its own) with its own subnet
 * pool. `cleanup` removes whatever a failed test left, then the dirs.
 */
export async function makeTestBottles(o: {
  pool: string
  manifest?: string
  control?: Control
  version?: string
  env?: Record<string, string>
  /** 'cli' (default): no watch, no agent session at launch; 'serve' runs both like the app. */
  mode?: 'cli' | 'serve'
}): Promise<TestBottles> {
  await buildTestImages()
  const fake = await makeFakeHome({ version: o.version })
  if (o.control) await fake.control(o.control)
  const home = await mkdtemp(join(tmpdir(), 'bb-home-'))
  const projectDir = join(home, 'project')
  await mkdir(projectDir, { recursive: true })
  await mkdir(join(home, 'config'), { recursive: true })
  await writeFile(join(home, 'config', 'manifest.yaml'), o.manifest ?? testManifest())
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...fake.env,
    BOT_BOTTLE_HOME: home,
    BOT_BOTTLE_SMOLVM: FAKE_SMOLVM,
    BOT_BOTTLE_BUNDLE_IMAGE: TEST_BUNDLE_IMAGE,
    BOT_BOTTLE_SUBNET_POOL: o.pool,
    ...o.env,
  }
  const backend = await createBackend({ mode: o.mode ?? 'cli', env, watch: false })
  const leftovers: TestBottles['leftovers'] = async () => {
    const docker = backend.tools.docker()
    const labels = homeLabels(backend.homeId)
    const [networks, containers, machines] = await Promise.all([
      docker.networkList(labels),
      docker.containerList(labels),
      backend.tools.smolvm().then((s) => s.machineList()),
    ])
    return {
      networks: networks.map((n) => n.name),
      containers: containers.map((c) => c.name),
      machines: machines.map((m) => m.name),
    }
  }
  return {
    backend,
    fake,
    home,
    projectDir,
    env,
    leftovers,
    async cleanup() {
      await backend.bottles.shutdown().catch(() => {})
      await removeLabelled(backend.tools.docker(), homeLabels(backend.homeId))
      backend.dispose()
      await fake.cleanup()
      await rm(home, { recursive: true, force: true })
    },
  }
}
