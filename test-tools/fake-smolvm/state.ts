import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { isAlive } from './probe'

/**
 * Where the fake keeps state, where smolvm keeps it (reference §2.1): the
 * machine registry under the data dir (a JSON file instead of SQLite, guarded
 * by a lock file so concurrent invocations are safe) and one data dir per
 * machine under the cache dir, named by the first 16 hex of sha256(name).
 */

/** `dirs` semantics: XDG on Linux (absolute values only), Library on macOS. */
function xdg(variable: string, fallback: string[]): string {
  const value = process.env[variable]
  if (process.platform !== 'darwin' && value && isAbsolute(value)) return value
  return join(homedir(), ...fallback)
}

export function dataRoot(): string {
  return process.platform === 'darwin'
    ? join(homedir(), 'Library', 'Application Support')
    : xdg('XDG_DATA_HOME', ['.local', 'share'])
}

export function cacheRoot(): string {
  return process.platform === 'darwin'
    ? join(homedir(), 'Library', 'Caches')
    : xdg('XDG_CACHE_HOME', ['.cache'])
}

export function dbPath(): string {
  return join(dataRoot(), 'smolvm', 'server', 'smolvm.db.json')
}

export function vmDataDir(name: string): string {
  return join(
    cacheRoot(),
    'smolvm',
    'vms',
    createHash('sha256').update(name).digest('hex').slice(0, 16),
  )
}

export interface NetnsInfo {
  name: string
  /** The host end of the veth pair, when the namespace is joined to a bridge. */
  veth: string | null
  /** The address taken on the bridge (`a.b.c.d/prefix`). */
  address: string | null
}

export interface VmRecord {
  name: string
  state: 'created' | 'running' | 'stopped' | 'failed'
  cpus: number
  mem: number
  storageGb: number | null
  overlayGb: number | null
  mounts: [string, string, boolean][]
  ports: [number, number][]
  network: boolean
  allowedCidrs: string[] | null
  env: [string, string][]
  workdir: string | null
  image: string | null
  entrypoint: string[]
  cmd: string[]
  netBackend: string | null
  createdAt: number
  pid: number | null
  pidStartTime: string | null
  sourceSmolmachine: string | null
  initCompleted: boolean
  netns: NetnsInfo | null
}

export interface Db {
  vms: Record<string, VmRecord>
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}

/** The registry lock: an O_EXCL file holding the owner's pid; a dead owner's lock is taken over. */
function acquire(lockPath: string): void {
  const deadline = Date.now() + 15_000 // smolvm's SQLite busy timeout
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    let owner = 0
    try {
      owner = Number(readFileSync(lockPath, 'utf8'))
    } catch {
      continue
    }
    if (owner && !isAlive(owner)) {
      try {
        unlinkSync(lockPath)
      } catch {
        // another waiter took it over first
      }
      continue
    }
    if (Date.now() > deadline)
      throw new Error(`database not available: ${lockPath} is held by pid ${owner}`)
    sleepMs(5)
  }
}

function readDb(path: string): Db {
  if (!existsSync(path)) return { vms: {} }
  return JSON.parse(readFileSync(path, 'utf8')) as Db
}

function writeDb(path: string, db: Db): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(db, null, 2))
  renameSync(tmp, path)
}

/** Runs `fn` holding `<path>.lock`. */
export function withLock<T>(path: string, fn: () => T): T {
  mkdirSync(dirname(path), { recursive: true })
  const lock = `${path}.lock`
  acquire(lock)
  try {
    return fn()
  } finally {
    unlinkSync(lock)
  }
}

/** Runs `fn` on the registry under its lock and saves what it leaves in `db` (nothing if it throws). */
export function withDb<T>(fn: (db: Db) => T): T {
  const path = dbPath()
  return withLock(path, () => {
    const db = readDb(path)
    const before = JSON.stringify(db)
    const result = fn(db)
    if (JSON.stringify(db) !== before) writeDb(path, db)
    return result
  })
}

/** A read without the lock: writes are atomic renames, so a reader sees one version or the other. */
export function readRegistry(): Db {
  return readDb(dbPath())
}
