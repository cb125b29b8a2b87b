import { hostname } from 'node:os'
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { RpcError } from '../../../src-shared/rpc/errors'

interface Owner {
  pid: number
  host: string
  since: string
}

export interface FileLock {
  release(): Promise<void>
}

/** A lock file younger than this with unreadable content is being written, not abandoned. */
const TORN_GRACE_MS = 10_000
/** Older than any pack can take: the owner's pid was reused by another process. */
const MAX_AGE_MS = 2 * 60 * 60_000

/**
 * A lock shared between processes: the file is created exclusively and holds
 * its owner's pid and host. A lock whose owner on this host is no longer
 * alive is stale and taken over, so a crashed launch never blocks the next.
 */
export async function acquireFileLock(
  path: string,
  options: { signal?: AbortSignal; pollMs?: number; onWait?: (owner: Owner) => void } = {},
): Promise<FileLock> {
  await mkdir(dirname(path), { recursive: true })
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
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
    if (typeof v.pid === 'number' && typeof v.host === 'string')
      owner = { pid: v.pid, host: v.host, since: String(v.since) }
  } catch {
    owner = null
  }
  if (!owner) return Date.now() - mtimeMs > TORN_GRACE_MS ? 'stale' : null
  if (owner.host === hostname() && !isAlive(owner.pid)) return 'stale'
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
