import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Page } from '@playwright/test'
import { need } from '../test-support/prereqs'
import { expect, test as base } from './fixtures'
import { ROOT } from './serve-backend'

const run = promisify(execFile)

/**
 * The dashboard specs' backend: fake smolvm, real docker with the test bundle
 * image, its own subnet pool, and a HOME of its own (the fake smolvm keeps its
 * VMs and its control file there). Docker resources labelled with this
 * backend's home are removed when the file's worker ends, even after a failure.
 */
export function dashboardTest(extraEnv: NodeJS.ProcessEnv = {}) {
  return base.extend<object, { fakeHome: string; dockerCleanup: void }>({
    fakeHome: [
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const dir = await mkdtemp(join(tmpdir(), 'bb-e2e-dash-home-'))
        await use(dir)
        // The fake's VM processes exit once their data dir is gone.
        await rm(dir, { recursive: true, force: true })
      },
      { scope: 'worker' },
    ],
    backendEnv: [
      async ({ fakeHome }, use) =>
        use({
          HOME: fakeHome,
          BOT_BOTTLE_SMOLVM: join(ROOT, 'out', 'test-tools', 'fake-smolvm'),
          BOT_BOTTLE_BUNDLE_IMAGE: 'bot-bottle-bundle:test',
          BOT_BOTTLE_SUBNET_POOL: '10.236.0.0/16',
          ...extraEnv,
        }),
      { scope: 'worker' },
    ],
    dockerCleanup: [
      async ({ backend }, use) => {
        await use()
        await removeLabelled(homeId(backend.home))
      },
      { scope: 'worker', auto: true },
    ],
  })
}

/** The docker label value the backend gives its resources (hash of its data dir). */
function homeId(botHome: string): string {
  return createHash('sha256').update(join(botHome, 'data')).digest('hex').slice(0, 12)
}

async function removeLabelled(home: string): Promise<void> {
  const docker = process.env.BOT_BOTTLE_DOCKER || 'docker'
  const filter = `label=dev.botbottle.home=${home}`
  const ids = async (args: string[]): Promise<string[]> =>
    (await run(docker, args).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean)
  const containers = await ids(['ps', '-aq', '--filter', filter])
  if (containers.length) await run(docker, ['rm', '-f', ...containers]).catch(() => {})
  const networks = await ids(['network', 'ls', '-q', '--filter', filter])
  if (networks.length) await run(docker, ['network', 'rm', ...networks]).catch(() => {})
}

/** Skips without docker (fails under CI) and builds the test images once. */
export async function prepareImages(): Promise<void> {
  base.skip(!need('docker'), 'docker is not available (see test-support/prereqs.ts)')
  // An ES module with top-level await: it cannot be required, only imported.
  const { buildTestImages } = await import('../scripts/build-test-images.mjs')
  await buildTestImages()
}

/** A manifest with one agent whose session is a plain shell (bash: it has /dev/tcp). */
export const SHELL_MANIFEST = `version: 1
agents:
  shell:
    description: A shell in a bottle (e2e)
    image: docker.io/library/alpine:3.20
    egress:
      - example.com
    workdir: /workspace
    session: /bin/bash
`

export async function writeManifest(botHome: string, text = SHELL_MANIFEST): Promise<string> {
  const path = join(botHome, 'config', 'manifest.yaml')
  await mkdir(join(botHome, 'config'), { recursive: true })
  await writeFile(path, text)
  return path
}

/** Injects failures into the fake smolvm the backend runs ($HOME/.smolvm-fake/control.json). */
export async function controlFakeSmolvm(fakeHome: string, control: object): Promise<void> {
  await mkdir(join(fakeHome, '.smolvm-fake'), { recursive: true })
  await writeFile(join(fakeHome, '.smolvm-fake', 'control.json'), JSON.stringify(control))
}

export async function projectDir(fakeHome: string, name: string): Promise<string> {
  const dir = join(fakeHome, 'projects', name)
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'README.md'), `# ${name}\n`)
  return dir
}

/** Keeps a screenshot of the page as a test artifact. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: base.info().outputPath(`${name}.png`), fullPage: true })
}

export function connectionStatus(page: Page) {
  return page.getByRole('status', { name: 'Connection' })
}

export { expect }
