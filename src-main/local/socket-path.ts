import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, chmodSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'

/**
 * A unix socket path must fit `sockaddr_un.sun_path` with its NUL: 104 bytes
 * on macOS, 108 on Linux. One limit for both keeps the rule predictable.
 */
export const SOCKET_PATH_MAX_BYTES = 103

/**
 * The backend binds `<socket><suffix>` and renames it into place, so the
 * temporary name must fit too: '.' and 6 hex digits.
 */
export const BIND_SUFFIX_BYTES = 7

/** Where a backend's local endpoint listens, and whether the data dir must say so. */
export interface EndpointLocation {
  /** The socket itself. */
  socket: string
  /** Private directories to create (0700) before listening, outermost first. */
  dirs: string[]
  /** Set when the socket is outside the data dir: a file there names it. */
  pointer: string | null
}

/** `<dataDir>/run`: the endpoint's directory, always private to the user. */
export function runDir(dataDir: string): string {
  return join(dataDir, 'run')
}

/** The socket's home when the path is short enough: `<dataDir>/run/rpc.sock`. */
export function preferredSocketPath(dataDir: string): string {
  return join(runDir(dataDir), 'rpc.sock')
}

/** The file that names the socket when it had to live elsewhere. */
export function pointerPath(dataDir: string): string {
  return join(runDir(dataDir), 'rpc.sock.path')
}

export function fitsSocketPath(path: string): boolean {
  return Buffer.byteLength(path) + BIND_SUFFIX_BYTES <= SOCKET_PATH_MAX_BYTES
}

/**
 * Where the backend of `dataDir` listens: in the data dir when the path fits,
 * else under `$XDG_RUNTIME_DIR/bot-bottle/` or `/tmp/bot-bottle-<uid>/`, named
 * by a hash of the data dir (the same one that labels its docker resources),
 * with the data dir recording where.
 */
export function endpointLocation(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? 0,
): EndpointLocation {
  const run = runDir(dataDir)
  const preferred = preferredSocketPath(dataDir)
  if (fitsSocketPath(preferred)) return { socket: preferred, dirs: [run], pointer: null }
  const name = `${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}.sock`
  const runtime = env.XDG_RUNTIME_DIR
  const bases = [
    ...(runtime && isAbsolute(runtime) ? [join(runtime, 'bot-bottle')] : []),
    `/tmp/bot-bottle-${uid}`,
  ]
  for (const base of bases) {
    const socket = join(base, name)
    if (fitsSocketPath(socket)) return { socket, dirs: [run, base], pointer: pointerPath(dataDir) }
  }
  throw new Error(`no socket path short enough for ${dataDir}`)
}

/**
 * Where a client finds the backend of `dataDir`: the preferred path, or the
 * one the data dir records. Null when nothing is recorded (no backend ran).
 */
export function clientSocketPath(dataDir: string): string | null {
  const preferred = preferredSocketPath(dataDir)
  if (fitsSocketPath(preferred)) return preferred
  try {
    const recorded = readFileSync(pointerPath(dataDir), 'utf8').trim()
    return isAbsolute(recorded) ? recorded : null
  } catch {
    return null
  }
}

/**
 * Creates `dir` (0700) or checks the one there: a real directory (not a
 * link) owned by this user, closed to others. A shared /tmp lets anyone
 * create `/tmp/bot-bottle-<uid>` first; such a directory is refused.
 */
export function ensurePrivateDir(dir: string, uid: number = process.getuid?.() ?? 0): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`)
  if (st.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${st.uid})`)
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700)
}
