import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ImageReference } from '../../../src-shared/contract'
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
  /** The docker CLI at each use (a changed Settings path applies to the next launch). */
  docker: () => Docker
  /** The `bundleImage` setting, read at every ensure (a change applies to the next launch). */
  setting: () => string | null
  env: NodeJS.ProcessEnv
  logger?: Logger
  /**
   * A packaged app's resources/bundle (unpacked from the asar). The daemon JS
   * is then its prebuilt dist/bundle.js: a packaged app has no esbuild. Absent
   * (a checkout: dev, CLI, tests), resources/bundle is found from this module
   * or the working directory and the daemon JS is built from its src/.
   */
  packagedBundleDir?: string
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
 * daemon JS is bundled from src/ with esbuild at ensure time in a checkout,
 * or read from dist/bundle.js in a packaged app or where esbuild is not
 * installed). Concurrent ensures share one build.
 */
export function createBundleImage(options: BundleImageOptions): BundleImage {
  const logger = options.logger ?? nullLogger
  let inflight: Promise<EnsuredBundleImage> | null = null

  async function ensureBuilt(signal?: AbortSignal): Promise<EnsuredBundleImage> {
    const packaged = options.packagedBundleDir
    const bundleDir = packaged ?? findBundleDir()
    // A real file in a packaged app too (resources/** is unpacked from the asar).
    const build = (await import(
      /* @vite-ignore */ pathToFileURL(join(bundleDir, 'build.mjs')).href
    )) as BuildModule
    const dockerfile = await readFile(join(bundleDir, 'Dockerfile'), 'utf8')
    const code = packaged ? await prebuiltJs(bundleDir) : await daemonJs(build, bundleDir)
    const hash = build.definitionHash(dockerfile, code, options.baseImage)
    const image = `${BUNDLE_IMAGE_REPO}:${hash.slice(0, 12)}`
    const docker = options.docker()
    const existing = await docker.imageInspect(image)
    if (existing?.labels[BUNDLE_HASH_LABEL] === hash) return { image, source: 'present', hash }

    logger.info(`building ${image} (the bundle definition changed or was never built)`)
    const contextDir = await mkdtemp(join(tmpdir(), 'bot-bottle-bundle-'))
    try {
      await build.writeBuildContext(contextDir, dockerfile, code)
      await docker.build({
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
      if (fromEnv) {
        const checked = ImageReference.safeParse(fromEnv)
        if (!checked.success) {
          throw new RpcError(
            'INVALID_PARAMS',
            `BOT_BOTTLE_BUNDLE_IMAGE: ${checked.error.issues[0]?.message ?? 'not an image reference'}`,
          )
        }
        return { image: fromEnv, source: 'env', hash: null }
      }
      inflight ??= ensureBuilt(opts?.signal).finally(() => {
        inflight = null
      })
      return inflight
    },
  }
}

/** The daemon JS in a checkout: built from src/ when esbuild is installed, else the prebuilt dist/bundle.js. */
async function daemonJs(build: BuildModule, bundleDir: string): Promise<string> {
  try {
    return await build.buildBundleJs()
  } catch (e) {
    // Only a missing esbuild falls back: a build error in src/ must be seen, not papered over.
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e
    return prebuiltJs(bundleDir, 'esbuild is not installed and ')
  }
}

/** dist/bundle.js, written by `npm run dist` (packaging) or `node resources/bundle/build.mjs`. */
async function prebuiltJs(bundleDir: string, why = ''): Promise<string> {
  const prebuilt = join(bundleDir, 'dist', 'bundle.js')
  try {
    return await readFile(prebuilt, 'utf8')
  } catch {
    throw new RpcError(
      'UNAVAILABLE',
      `the bundle daemon is not built: ${why}${prebuilt} is missing ` +
        '(`npm run dist` builds it for a packaged app; in a checkout run `node resources/bundle/build.mjs` or `npm install`)',
    )
  }
}

/**
 * resources/bundle in a checkout (dev, the CLI, tests): searched upwards from
 * this module (src-main/core/bundle or out/main) and from the working directory.
 */
export function findBundleDir(): string {
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
