import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RpcError } from '../../../src-shared/rpc/errors'
import { nullLogger, type Logger } from '../base/logger'
import { LABELS, type Docker } from '../docker/types'

export const BUNDLE_IMAGE_REPO = 'bot-bottle-bundle'
/** The full definition hash on every image the app builds. */
export const BUNDLE_HASH_LABEL = 'dev.botbottle.bundle.hash'

export interface EnsuredBundleImage {
  image: string
  /** `setting` / `env`: a user-chosen image; `present`: already built; `built`: built now. */
  source: 'setting' | 'env' | 'present' | 'built'
  /** The definition hash (null for user-chosen images). */
  hash: string | null
}

export interface BundleImage {
  /** The image to run bundles from, building it first when the definition changed. */
  ensure(options?: { signal?: AbortSignal }): Promise<EnsuredBundleImage>
}

export interface BundleImageOptions {
  docker: Docker
  /** The `bundleImage` setting, read at every ensure (a change applies to the next launch). */
  setting: () => string | null
  env: NodeJS.ProcessEnv
  logger?: Logger
  /** resources/bundle (default: found from this module's location or the working directory). */
  bundleDir?: string
  /** Builds FROM this image instead of the Dockerfile's node base (tests: a registry-free local image). */
  baseImage?: string
}

interface BuildModule {
  buildBundleJs(): Promise<string>
  definitionHash(dockerfile: string, code: string, base?: string): string
  writeBuildContext(dir: string, dockerfile: string, code: string): Promise<void>
}

/**
 * The bundle image: the `bundleImage` setting, else BOT_BOTTLE_BUNDLE_IMAGE,
 * else `bot-bottle-bundle:<hash12>` built locally from resources/bundle (the
 * daemon JS is bundled from src/ with esbuild at ensure time, or read from
 * dist/bundle.js where esbuild is not installed, as in a packaged app).
 * Concurrent ensures share one build.
 */
export function createBundleImage(options: BundleImageOptions): BundleImage {
  const logger = options.logger ?? nullLogger
  let inflight: Promise<EnsuredBundleImage> | null = null

  async function ensureBuilt(signal?: AbortSignal): Promise<EnsuredBundleImage> {
    const bundleDir = options.bundleDir ?? findBundleDir()
    const build = (await import(
      /* @vite-ignore */ pathToFileURL(join(bundleDir, 'build.mjs')).href
    )) as BuildModule
    const dockerfile = await readFile(join(bundleDir, 'Dockerfile'), 'utf8')
    const code = await daemonJs(build, bundleDir)
    const hash = build.definitionHash(dockerfile, code, options.baseImage)
    const image = `${BUNDLE_IMAGE_REPO}:${hash.slice(0, 12)}`
    const existing = await options.docker.imageInspect(image)
    if (existing?.labels[BUNDLE_HASH_LABEL] === hash) return { image, source: 'present', hash }

    logger.info(`building ${image} (the bundle definition changed or was never built)`)
    const contextDir = await mkdtemp(join(tmpdir(), 'bot-bottle-bundle-'))
    try {
      await build.writeBuildContext(contextDir, dockerfile, code)
      await options.docker.build({
        contextDir,
        tag: image,
        labels: { [LABELS.managed]: '1', [LABELS.role]: 'bundle-image', [BUNDLE_HASH_LABEL]: hash },
        buildArgs: options.baseImage ? { BASE: options.baseImage } : undefined,
        signal,
      })
    } catch (e) {
      if (!(e instanceof RpcError) || e.code === 'CANCELLED') throw e
      throw new RpcError(
        e.code,
        `building the bundle image failed: ${e.message}. The first build pulls the node base image from ` +
          'Docker Hub; offline hosts can set Settings → Bundle image (or BOT_BOTTLE_BUNDLE_IMAGE) to a prebuilt image.',
        e.details,
      )
    } finally {
      await rm(contextDir, { recursive: true, force: true })
    }
    logger.info(`built ${image}`)
    return { image, source: 'built', hash }
  }

  return {
    async ensure(opts) {
      const fromSetting = options.setting()
      if (fromSetting) return { image: fromSetting, source: 'setting', hash: null }
      const fromEnv = options.env.BOT_BOTTLE_BUNDLE_IMAGE
      if (fromEnv) return { image: fromEnv, source: 'env', hash: null }
      inflight ??= ensureBuilt(opts?.signal).finally(() => {
        inflight = null
      })
      return inflight
    },
  }
}

/** The daemon JS: built from src/ when esbuild is installed, else the prebuilt dist/bundle.js. */
async function daemonJs(build: BuildModule, bundleDir: string): Promise<string> {
  try {
    return await build.buildBundleJs()
  } catch (e) {
    // Only a missing esbuild falls back: a build error in src/ must be seen, not papered over.
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e
    const prebuilt = join(bundleDir, 'dist', 'bundle.js')
    try {
      return await readFile(prebuilt, 'utf8')
    } catch {
      throw new RpcError(
        'UNAVAILABLE',
        `the bundle daemon is not built: esbuild is not installed and ${prebuilt} is missing ` +
          '(run `node resources/bundle/build.mjs` in the checkout, or `npm install`)',
      )
    }
  }
}

/**
 * resources/bundle: in a packaged app `<resourcesPath>/bundle` (electron-builder
 * extraResources), else searched upwards from this module (src-main/core/bundle
 * or out/main) and from the working directory.
 */
export function findBundleDir(): string {
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  if (packaged && existsSync(join(packaged, 'bundle', 'Dockerfile')))
    return join(packaged, 'bundle')
  const starts = [typeof __dirname === 'string' ? __dirname : null, process.cwd()].filter(
    (d): d is string => !!d,
  )
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'resources', 'bundle')
      if (existsSync(join(candidate, 'Dockerfile'))) return candidate
      if (dirname(dir) === dir) break
    }
  }
  throw new RpcError('UNAVAILABLE', `resources/bundle not found above ${starts.join(' or ')}`)
}
