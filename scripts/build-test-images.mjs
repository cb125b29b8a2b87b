// `npm run build:test-images`: the docker images tests run, built without any
// registry. bot-bottle-node:test is a rootfs assembled from this host's node
// binary and the libraries ldd lists, loaded with `docker import`; the bundle
// test image is the real resources/bundle/Dockerfile built FROM it with the
// same daemon JS the app ships; the testkit image adds the test helper
// (upstream server, guest stand-in probes). Each image carries a hash of its
// inputs, so a second run is a few `docker image inspect`s.
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  buildBundleJs,
  bundleNodeScript,
  readDockerfile,
  writeBuildContext,
} from '../resources/bundle/build.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const run = promisify(execFile)
const docker = process.env.BOT_BOTTLE_DOCKER || 'docker'

export const TEST_IMAGES = {
  node: 'bot-bottle-node:test',
  bundle: 'bot-bottle-bundle:test',
  testkit: 'bot-bottle-testkit:test',
}
const HASH_LABEL = 'dev.botbottle.test-image.hash'
/** Bump when the rootfs recipe changes. */
const ROOTFS_RECIPE = 2

/** Builds whatever is out of date; returns the image names. Safe to call from parallel test files. */
export async function buildTestImages({ log = () => {} } = {}) {
  return withLock(async () => {
    const nodeId = await ensureNodeImage(log)
    const dockerfile = await readDockerfile()
    const bundleJs = await buildBundleJs()
    await ensureBuilt(
      TEST_IMAGES.bundle,
      hashOf(nodeId, dockerfile, bundleJs),
      log,
      (dir) => writeBuildContext(dir, dockerfile, bundleJs),
      { BASE: TEST_IMAGES.node },
    )
    const testkitJs = await bundleNodeScript(
      join(root, 'resources', 'bundle', 'testkit', 'testkit.ts'),
    )
    const testkitDockerfile = `FROM ${TEST_IMAGES.node}\nCOPY testkit.js /opt/testkit.js\nUSER node\nENTRYPOINT ["node", "/opt/testkit.js"]\n`
    await ensureBuilt(
      TEST_IMAGES.testkit,
      hashOf(nodeId, testkitDockerfile, testkitJs),
      log,
      async (dir) => {
        await writeFile(join(dir, 'Dockerfile'), testkitDockerfile)
        await writeFile(join(dir, 'testkit.js'), testkitJs)
      },
    )
    return TEST_IMAGES
  })
}

function hashOf(...parts) {
  const h = createHash('sha256')
  for (const p of parts) h.update(String(p)).update('\0')
  return h.digest('hex')
}

async function imageLabel(ref) {
  try {
    const { stdout } = await run(
      docker,
      ['image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${HASH_LABEL}"}}`, ref],
      { timeout: 30_000 },
    )
    const [id, hash] = stdout.trim().split(' ')
    return { id, hash }
  } catch {
    return null
  }
}

/** docker import of a minimal rootfs: node, its libraries, a `node` user (uid 1000, like the official image). */
async function ensureNodeImage(log) {
  if (process.platform !== 'linux') {
    throw new Error(
      'test images are assembled from the host node binary: run the docker tests on Linux (or in a Linux VM)',
    )
  }
  const node = process.execPath
  const { stdout: lddOut } = await run('ldd', [node], { timeout: 10_000 })
  const libs = [...lddOut.matchAll(/(\/\S+)/g)].map((m) => m[1])
  const facts = [ROOTFS_RECIPE, process.version, node]
  for (const f of [node, ...libs]) {
    const s = await stat(f)
    facts.push(f, s.size, s.mtimeMs)
  }
  const hash = hashOf(...facts)
  const current = await imageLabel(TEST_IMAGES.node)
  if (current?.hash === hash) return current.id

  log(`assembling ${TEST_IMAGES.node} from ${node}`)
  const rootfs = await mkdtemp(join(tmpdir(), 'bb-rootfs-'))
  try {
    await mkdir(join(rootfs, 'usr', 'local', 'bin'), { recursive: true })
    await copyFile(node, join(rootfs, 'usr', 'local', 'bin', 'node'))
    for (const lib of libs) {
      await mkdir(join(rootfs, dirname(lib)), { recursive: true })
      await copyFile(lib, join(rootfs, lib)) // copyFile follows symlinks: the real file lands at the path ldd names
    }
    await mkdir(join(rootfs, 'etc'), { recursive: true })
    await writeFile(
      join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n',
    )
    await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\nnode:x:1000:\n')
    await writeFile(join(rootfs, 'etc', 'nsswitch.conf'), 'hosts: files dns\n')
    await mkdir(join(rootfs, 'tmp'))
    await chmod(join(rootfs, 'tmp'), 0o1777)
    await mkdir(join(rootfs, 'home', 'node'), { recursive: true })
    await pipeTarToImport(rootfs, [
      '--change',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '--change',
      `LABEL ${HASH_LABEL}=${hash}`,
      '--change',
      'LABEL dev.botbottle.test-image=1',
    ])
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
  const built = await imageLabel(TEST_IMAGES.node)
  if (built?.hash !== hash)
    throw new Error(`${TEST_IMAGES.node}: import did not produce the expected image`)
  return built.id
}

function pipeTarToImport(rootfs, changes) {
  return new Promise((resolvePromise, reject) => {
    // `/bin/sh -c`-free: tar's stdout straight into docker import's stdin.
    const tar = spawn(
      'tar',
      ['--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', '-', '.'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const imp = spawn(docker, ['import', ...changes, '-', TEST_IMAGES.node], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    imp.stderr.on('data', (c) => (stderr += c))
    tar.stdout.pipe(imp.stdin)
    const timer = setTimeout(() => (tar.kill(), imp.kill()), 5 * 60_000)
    tar.on('error', reject)
    imp.on('error', reject)
    imp.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise()
      else reject(new Error(`docker import ${TEST_IMAGES.node} failed (${code}): ${stderr.trim()}`))
    })
  })
}

async function ensureBuilt(tag, hash, log, writeContext, buildArgs = {}) {
  if ((await imageLabel(tag))?.hash === hash) return
  log(`building ${tag}`)
  const dir = await mkdtemp(join(tmpdir(), 'bb-image-'))
  try {
    await writeContext(dir)
    const args = [
      'build',
      '--tag',
      tag,
      '--label',
      `${HASH_LABEL}=${hash}`,
      '--label',
      'dev.botbottle.test-image=1',
    ]
    for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`)
    await run(docker, [...args, dir], { timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 }).catch(
      (e) => {
        throw new Error(`docker build ${tag} failed: ${e.stderr || e.message}`)
      },
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Parallel test files (and parallel runs) build once: a mkdir lock with a stale timeout. */
async function withLock(fn) {
  const lock = join(tmpdir(), 'bot-bottle-test-images.lock')
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      await mkdir(lock)
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if (age > 10 * 60_000) await rmdir(lock).catch(() => {})
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    return await fn()
  } finally {
    await rmdir(lock).catch(() => {})
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const images = await buildTestImages({ log: (m) => console.log(m) })
  for (const name of Object.values(images)) console.log(name)
}
