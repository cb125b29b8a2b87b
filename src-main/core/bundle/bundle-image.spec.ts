import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { need } from '../../../test-support/prereqs'
import { CommandRunner } from '../base/exec'
import { createDocker, resolveDockerBinary } from '../docker/docker'
import { LABELS, type Docker } from '../docker/types'
import {
  BUNDLE_HASH_LABEL,
  BUNDLE_IMAGE_REPO,
  createBundleImage,
  findBundleDir,
} from './bundle-image'
import { bundleContainerConfig } from './container-config'

describe('bundle image selection', () => {
  const docker = {
    imageInspect: () => Promise.reject(new Error('must not be called')),
  } as unknown as Docker

  it('uses the setting first, then BOT_BOTTLE_BUNDLE_IMAGE, without building', async () => {
    const both = createBundleImage({
      docker: () => docker,
      setting: () => 'mine:1',
      env: { BOT_BOTTLE_BUNDLE_IMAGE: 'env:2' },
    })
    expect(await both.ensure()).toEqual({ image: 'mine:1', source: 'setting', hash: null })
    const env = createBundleImage({
      docker: () => docker,
      setting: () => null,
      env: { BOT_BOTTLE_BUNDLE_IMAGE: 'env:2' },
    })
    expect(await env.ensure()).toEqual({ image: 'env:2', source: 'env', hash: null })
  })

  it('refuses a BOT_BOTTLE_BUNDLE_IMAGE that docker would read as an option', async () => {
    for (const bad of ['--privileged', 'two words']) {
      const images = createBundleImage({
        docker: () => docker,
        setting: () => null,
        env: { BOT_BOTTLE_BUNDLE_IMAGE: bad },
      })
      await expect(images.ensure()).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: expect.stringMatching(/^BOT_BOTTLE_BUNDLE_IMAGE: an image reference/),
      })
    }
  })

  it('finds resources/bundle from the source tree', () => {
    expect(findBundleDir()).toMatch(/resources\/bundle$/)
  })
})

/**
 * A packaged app builds its bundle image from the prebuilt dist/bundle.js and
 * the Dockerfile (no esbuild there), on the real engine, from the local test
 * node image as base (nothing is pulled).
 */
describe.skipIf(!need('docker'))('a packaged app’s bundle image', () => {
  const SOURCE_DIR = join(__dirname, '../../../resources/bundle')
  const BUILD_MJS = join(SOURCE_DIR, 'build.mjs')
  const runner = new CommandRunner()
  let docker: Docker
  let root: string
  let bundleDir: string
  let dockerfile: string
  let definitionHash: (dockerfile: string, code: string, base?: string) => string
  const built = new Set<string>()

  beforeAll(async () => {
    await buildTestImages()
    docker = createDocker({
      binary: resolveDockerBinary({ settingPath: null, env: process.env }),
      runner,
    })
    const build = (await import(pathToFileURL(BUILD_MJS).href)) as {
      buildBundleJs(): Promise<string>
      definitionHash: typeof definitionHash
    }
    definitionHash = build.definitionHash
    // Laid out like the packaged app: app.asar.unpacked/resources/bundle.
    root = await mkdtemp(join(tmpdir(), 'bb-packaged-'))
    bundleDir = join(root, 'app.asar.unpacked', 'resources', 'bundle')
    await mkdir(join(bundleDir, 'dist'), { recursive: true })
    await copyFile(BUILD_MJS, join(bundleDir, 'build.mjs'))
    dockerfile = await readFile(join(SOURCE_DIR, 'Dockerfile'), 'utf8')
    await writeFile(join(bundleDir, 'Dockerfile'), dockerfile)
    await writeFile(join(bundleDir, 'dist', 'bundle.js'), await build.buildBundleJs())
    // An esbuild build.mjs would find from there: a packaged app must not try it.
    const esbuild = join(root, 'node_modules', 'esbuild')
    await mkdir(esbuild, { recursive: true })
    await writeFile(join(esbuild, 'package.json'), '{"name":"esbuild","main":"index.js"}')
    await writeFile(
      join(esbuild, 'index.js'),
      "exports.build = () => { throw new Error('a packaged app used esbuild') }\n",
    )
  })
  afterAll(async () => {
    for (const image of built)
      await runner.run({ file: docker.binary, args: ['image', 'rm', image], timeoutMs: 30_000 })
    if (root) await rm(root, { recursive: true, force: true })
  })

  it('is built from dist/bundle.js and its Dockerfile without esbuild, and rebuilt when they change', async () => {
    let asked = 0
    // Settings → Docker may change between two launches: the CLI is asked for at each ensure.
    const images = createBundleImage({
      docker: () => (asked++, docker),
      setting: () => null,
      env: {},
      packagedBundleDir: bundleDir,
      baseImage: TEST_IMAGES.node,
    })
    const hashOf = async (): Promise<string> =>
      definitionHash(
        dockerfile,
        await readFile(join(bundleDir, 'dist', 'bundle.js'), 'utf8'),
        TEST_IMAGES.node,
      )
    const tagOf = (hash: string): string => `${BUNDLE_IMAGE_REPO}:${hash.slice(0, 12)}`

    const first = await images.ensure()
    built.add(first.image)
    const hash = await hashOf()
    // A leftover of an earlier run of this very definition is found, not rebuilt.
    expect(first).toMatchObject({ image: tagOf(hash), hash })
    expect((await docker.imageInspect(first.image))?.labels[BUNDLE_HASH_LABEL]).toBe(hash)
    expect(await images.ensure()).toEqual({ ...first, source: 'present' })

    // A new release of the daemon code: a new tag, built.
    await writeFile(
      join(bundleDir, 'dist', 'bundle.js'),
      `${await readFile(join(bundleDir, 'dist', 'bundle.js'), 'utf8')}\n// ${process.pid} ${Date.now()}\n`,
    )
    const next = await images.ensure()
    built.add(next.image)
    const nextHash = await hashOf()
    expect(next).toEqual({ image: tagOf(nextHash), source: 'built', hash: nextHash })
    expect(next.image).not.toBe(first.image)
    expect((await docker.imageInspect(next.image))?.labels[BUNDLE_HASH_LABEL]).toBe(nextHash)
    expect(asked).toBe(3)
  })

  it('says what is missing when the package has no dist/bundle.js', async () => {
    const empty = join(root, 'no-dist')
    await mkdir(empty, { recursive: true })
    await copyFile(BUILD_MJS, join(empty, 'build.mjs'))
    await writeFile(join(empty, 'Dockerfile'), dockerfile)
    const images = createBundleImage({
      docker: () => docker,
      setting: () => null,
      env: {},
      packagedBundleDir: empty,
    })
    await expect(images.ensure()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`${join(empty, 'dist', 'bundle.js')} is missing`),
    })
  })
})

describe.skipIf(!need('docker'))('bundle image build (real engine)', () => {
  const runner = new CommandRunner()
  let docker: Docker
  const built: string[] = []

  beforeAll(async () => {
    await buildTestImages()
    docker = createDocker({
      binary: resolveDockerBinary({ settingPath: null, env: process.env }),
      runner,
    })
  })
  afterAll(async () => {
    for (const image of built)
      await runner.run({ file: docker.binary, args: ['image', 'rm', image], timeoutMs: 30_000 })
  })

  it('builds bot-bottle-bundle:<hash12> from the definition once, then finds it', async () => {
    let builds = 0
    const stop = runner.observe(({ spec }) => {
      if (spec.args[0] === 'build') builds++
    })
    try {
      // A registry-free base: the same Dockerfile, FROM the local test node image (part of the hash).
      const images = createBundleImage({
        docker: () => docker,
        setting: () => null,
        env: {},
        baseImage: TEST_IMAGES.node,
      })
      const [a, b] = await Promise.all([images.ensure(), images.ensure()])
      built.push(a.image)
      expect(a).toEqual(b)
      expect(a.image).toBe(`${BUNDLE_IMAGE_REPO}:${a.hash!.slice(0, 12)}`)
      expect(builds).toBe(a.source === 'built' ? 1 : 0)
      const labels = (await docker.imageInspect(a.image))!.labels
      expect(labels).toMatchObject({
        [BUNDLE_HASH_LABEL]: a.hash,
        [LABELS.managed]: '1',
        [LABELS.role]: 'bundle-image',
      })

      const again = await createBundleImage({
        docker: () => docker,
        setting: () => null,
        env: {},
        baseImage: TEST_IMAGES.node,
      }).ensure()
      expect(again).toEqual({ ...a, source: 'present' })
      expect(builds).toBe(a.source === 'built' ? 1 : 0)

      // The image it built runs the bundle: idle without daemons, clean exit on SIGTERM.
      const name = `bb-test-bundle-image-${process.pid}`
      const config = bundleContainerConfig({ image: a.image, daemons: [] })
      await docker.containerRun({
        name,
        image: config.image,
        network: 'none',
        ip: '',
        labels: { [LABELS.managed]: '1' },
        env: config.env,
        extraArgs: config.extraArgs,
      })
      try {
        for (let i = 0; i < 50 && !(await docker.logs(name)).includes('no daemons selected'); i++)
          await new Promise((r) => setTimeout(r, 100))
        expect(await docker.logs(name)).toContain('"msg":"no daemons selected"')
        await docker.containerStop(name, 10)
        expect(await docker.containerInspect(name)).toMatchObject({ state: 'exited', exitCode: 0 })
      } finally {
        await docker.containerRemove(name)
      }
    } finally {
      stop()
    }
  })
})

describe('bundle container config', () => {
  it('selects daemons and passes the canonical allowlist, with hardening flags', () => {
    const c = bundleContainerConfig({
      image: 'img:1',
      daemons: ['egress'],
      allowlist: ['API.Anthropic.com.', '*.sentry.io'],
      maxConnections: 64,
    })
    expect(c.image).toBe('img:1')
    expect(c.env).toEqual({
      BUNDLE_DAEMONS: 'egress',
      EGRESS_ALLOWLIST: '["api.anthropic.com","*.sentry.io"]',
      EGRESS_MAX_CONNECTIONS: '64',
    })
    expect(c.extraArgs).toEqual(
      expect.arrayContaining(['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges']),
    )
    expect(bundleContainerConfig({ image: 'img:1', daemons: [] }).env).toEqual({
      BUNDLE_DAEMONS: '',
    })
  })

  it('refuses invalid allowlists and daemons this build does not have', () => {
    expect(() =>
      bundleContainerConfig({
        image: 'i',
        daemons: ['egress'],
        allowlist: ['ok.example.com', 'https://x'],
      }),
    ).toThrow(/"https:\/\/x": write a host, not a URL/)
    expect(() => bundleContainerConfig({ image: 'i', daemons: ['egress'] })).toThrow(
      /allowlist: required/,
    )
    expect(() => bundleContainerConfig({ image: 'i', daemons: ['git-gate'] })).toThrow(
      /not in this build yet: git-gate/,
    )
  })
})
