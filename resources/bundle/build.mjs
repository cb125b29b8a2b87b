// Builds the bundle's daemon JS (src/ → one CommonJS file, dependencies
// included) and its docker build context. Used by the app at image-ensure
// time (src-main/core/bundle/bundle-image.ts), by scripts/build-test-images.mjs,
// and for packaging: `node resources/bundle/build.mjs --out <dir>` writes
// <dir>/bundle.js for apps that ship without esbuild.
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const bundleDir = dirname(fileURLToPath(import.meta.url))
const root = resolve(bundleDir, '..', '..')

/** The daemon JS as text. Deterministic: same sources and esbuild version, same bytes. */
export function buildBundleJs() {
  return bundleNodeScript(join(bundleDir, 'src', 'main.ts'))
}

/** One TypeScript entry and everything it imports as one CommonJS file for node (what images run). */
export async function bundleNodeScript(entry) {
  const { build } = await import('esbuild')
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  })
  return result.outputFiles[0].text
}

export async function readDockerfile() {
  return readFile(join(bundleDir, 'Dockerfile'), 'utf8')
}

/** Hash of the image definition: the Dockerfile, the daemon JS and the base image when not the default. */
export function definitionHash(dockerfile, code, base = '') {
  return createHash('sha256').update(dockerfile).update('\0').update(code).update('\0').update(base).digest('hex')
}

/** Writes a docker build context (Dockerfile, bundle.js, the state dir) into `dir`. */
export async function writeBuildContext(dir, dockerfile, code) {
  await mkdir(join(dir, 'state'), { recursive: true })
  await writeFile(join(dir, 'Dockerfile'), dockerfile)
  await writeFile(join(dir, 'bundle.js'), code)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out')
  const out = resolve(i > 0 && process.argv[i + 1] ? process.argv[i + 1] : join(bundleDir, 'dist'))
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'bundle.js'), await buildBundleJs())
  console.log(join(out, 'bundle.js'))
}
