import { readFileSync } from 'node:fs'
import { hostname, uptime } from 'node:os'
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { RpcError } from '../../../src-shared/rpc/errors'

export interface Owner {
  pid: number
  host: string
  since: string
  /** The owner's boot (bootIdentity()); absent in locks written before it was recorded. */
  boot?: string
}

export interface FileLock {
  release(): Promise<void>
}

/** A lock file younger than this with unreadable content is being written, not abandoned. */
const TORN_GRACE_MS = 10_000
/** Older than any pack can take: the owner's pid was reused by another process. */
const MAX_AGE_MS = 2 * 60 * 60_000
/**
 * Where there is no boot id, two boots are told apart by their boot time,
 * which the kernel moves with every wall-clock step (boot time = now −
 * uptime): a difference this small is the same boot with its clock set. A
 * reboot moves it by the previous boot's whole uptime plus the restart.
 */
const BOOT_TIME_SLACK_S = 10

/**
 * A lock shared between processes: the file is created exclusively and holds
 * its owner's pid, host and boot. A lock whose owner on this host is no
 * longer alive — or that was taken before the host last booted, whatever
 * process has its pid now — is stale and taken over, so neither a crashed
 * launch nor a reboot blocks the next.
 */
export async function acquireFileLock(
  path: string,
  options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: Owner) => void } = {},
): Promise<FileLock> {
  await mkdir(dirname(path), { recursive: true })
  const me: Owner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    boot: bootIdentity(),
  }
  let told = false
  for (;;) {
    options.signal?.throwIfAborted()
    try {
      const fh = await open(path, 'wx', 0o600)
      try {
        await fh.writeFile(JSON.stringify(me))
      } finally {
        await fh.close()
      }
      return { release: () => releaseIfMine(path, me) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const owner = await readOwner(path)
    if (owner === 'gone') continue
    if (owner === 'stale') {
      await rm(path, { force: true })
      continue
    }
    if (!told && owner) {
      told = true
      options.onWait?.(owner)
    }
    await sleep(options.pollMs ?? 200, options.signal)
  }
}

/** Who holds the lock at `path` now: null when nobody does (no file, or a stale one). */
export async function lockOwner(path: string): Promise<Owner | null> {
  const owner = await readOwner(path)
  return owner === 'stale' || owner === 'gone' ? null : owner
}

/** The owner, 'stale' when it is dead (or the file is unreadable and old), 'gone' when the file vanished. */
async function readOwner(path: string): Promise<Owner | 'stale' | 'gone' | null> {
  let text: string
  let mtimeMs: number
  try {
    ;[text, mtimeMs] = await Promise.all([
      readFile(path, 'utf8'),
      stat(path).then((s) => s.mtimeMs),
    ])
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw e
  }
  let owner: Owner | null = null
  try {
    const v = JSON.parse(text) as Partial<Owner>
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      owner = { pid: v.pid, host: v.host, since: String(v.since) }
      if (typeof v.boot === 'string') owner.boot = v.boot
    }
  } catch {
    owner = null
  }
  if (!owner) return Date.now() - mtimeMs > TORN_GRACE_MS ? 'stale' : null
  if (owner.host === hostname()) {
    // After a reboot the pid may well be alive again: some other process's.
    if (owner.boot !== undefined && !sameBoot(owner.boot, bootIdentity())) return 'stale'
    if (!isAlive(owner.pid)) return 'stale'
  }
  if (Date.now() - mtimeMs > MAX_AGE_MS) return 'stale'
  return owner
}

async function releaseIfMine(path: string, me: Owner): Promise<void> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>
    if (v.pid === me.pid && v.since === me.since) await rm(path, { force: true })
  } catch {
    // already gone (or taken over): nothing of ours to remove
  }
}

let linuxBootId: string | null | undefined

/**
 * This boot of the host: Linux's boot id (`boot:<uuid>`), else the boot
 * time in seconds (`boottime:<s>`; macOS's `kern.boottime`, which node's
 * uptime is measured from).
 */
export function bootIdentity(): string {
  if (linuxBootId === undefined) {
    try {
      linuxBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
    } catch {
      linuxBootId = null
    }
  }
  if (linuxBootId) return `boot:${linuxBootId}`
  return `boottime:${Math.round(Date.now() / 1000 - uptime())}`
}

/**
 * Whether two boot identities may name the same boot: equal boot ids, boot
 * times within the clock-step slack, or identities of different kinds (which
 * cannot be compared: the pid alone decides then).
 */
export function sameBoot(a: string, b: string): boolean {
  const [ka, kb] = [a.slice(0, a.indexOf(':')), b.slice(0, b.indexOf(':'))]
  if (ka !== kb) return true
  if (ka === 'boottime')
    return Math.abs(Number(a.slice(9)) - Number(b.slice(9))) <= BOOT_TIME_SLACK_S
  return a === b
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal?.reason ?? new RpcError('CANCELLED', 'cancelled'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
