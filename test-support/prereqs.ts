import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** CI=true turns a missing prerequisite into a failure instead of a skip. */
export const isCI = process.env.CI === 'true' || process.env.CI === '1'

const cache = new Map<string, boolean>()

function probe(key: string, fn: () => boolean): boolean {
  let v = cache.get(key)
  if (v === undefined) {
    try {
      v = fn()
    } catch {
      v = false
    }
    cache.set(key, v)
  }
  return v
}

export function dockerAvailable(): boolean {
  return probe('docker', () => {
    execFileSync(
      process.env.BOT_BOTTLE_DOCKER || 'docker',
      ['info', '--format', '{{.ServerVersion}}'],
      {
        stdio: 'ignore',
        timeout: 15_000,
      },
    )
    return true
  })
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** The flags every Chromium the tests and benches launch gets (no sandbox as root, no GPU, no phoning home). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function chromiumAvailable(): boolean {
  return probe('chromium', () => existsSync(CHROMIUM_PATH))
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** Root plus `ip netns` and iptables: what the fake smolvm needs to enforce --allow-cidr. */
export function netnsAvailable(): boolean {
  return probe('netns', () => {
    if (!isRoot()) return false
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore', timeout: 5000 })
    execFileSync('iptables', ['--version'], { stdio: 'ignore', timeout: 5000 })
    return true
  })
}

const HINTS: Record<string, string> = {
  docker:
    'install a Docker engine and start it (Debian: apt-get install -y docker.io && dockerd &)',
  chromium: 'install Chromium (Debian: apt-get install -y chromium) or set CHROMIUM_PATH',
  netns: 'run as root with iproute2 and iptables installed (apt-get install -y iproute2 iptables)',
}

/**
 * Returns true when the prerequisite is there. When it is not: in CI, throws
 * (a failure); elsewhere prints what to install and returns false (a skip).
 */
export function need(what: 'docker' | 'chromium' | 'netns'): boolean {
  const ok =
    what === 'docker'
      ? dockerAvailable()
      : what === 'chromium'
        ? chromiumAvailable()
        : netnsAvailable()
  if (ok) return true
  const msg = `${what} is not available: ${HINTS[what]}`
  if (isCI) throw new Error(`CI=true and a test prerequisite is missing. ${msg}`)
  console.warn(`[skip] ${msg}`)
  return false
}
