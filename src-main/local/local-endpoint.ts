import { randomBytes } from 'node:crypto'
import { chmodSync, lstatSync, readFileSync, renameSync, rmSync, type Stats } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { writeFileAtomic } from '../core/base/atomic-write'
import type { Disposable } from '../core/base/lifecycle'
import { nullLogger, type Logger } from '../core/base/logger'
import type { RpcServer } from '../rpc/server'
import { endpointLocation, ensurePrivateDir, pointerPath } from './socket-path'
import { socketTransport } from './socket-transport'

export interface LocalEndpointOptions {
  /** The backend's RPC server; every socket connection becomes one of its connections. */
  rpc: Pick<RpcServer, 'connect'>
  dataDir: string
  env?: NodeJS.ProcessEnv
  logger?: Logger
}

export interface LocalEndpoint extends Disposable {
  /** The socket clients connect to. */
  readonly path: string
}

/** How long the stale-socket probe waits for an answer. */
const PROBE_TIMEOUT_MS = 1000

/**
 * The backend's RPC on a unix socket in the data dir, for terminals on this
 * machine (`bot-bottle attach`). Only this user can connect: the socket is
 * 0600 in a 0700 directory. No token on top, unlike serve's WebSocket: a
 * process of this user can already read the data dir and run smolvm and
 * docker itself, so the socket gives it nothing new; other users never
 * reach it. A socket left by a backend that died is replaced; one that
 * answers belongs to a live backend and is left alone (start fails).
 */
export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const log = options.logger ?? nullLogger
  const where = endpointLocation(options.dataDir, options.env)
  for (const dir of where.dirs) ensurePrivateDir(dir)

  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    options.rpc.connect(
      socketTransport(socket, { onProblem: (why) => log.debug(`local connection: ${why}`) }),
    )
  })
  await bindInPlace(server, where.socket)
  // Accept failures (EMFILE, …) arrive here; unheard, they would crash the backend.
  server.on('error', (e) => log.warn(`local endpoint: ${e.message}`))
  const mine = lstatSync(where.socket)
  if (where.pointer) await writeFileAtomic(where.pointer, `${where.socket}\n`)
  else rmSync(pointerPath(options.dataDir), { force: true })

  let disposed = false
  return {
    path: where.socket,
    dispose() {
      if (disposed) return
      disposed = true
      // libuv unlinks the path it bound (the temporary name, renamed away).
      server.close()
      for (const s of sockets) s.destroy()
      // The socket goes only if it is still this one, not a newer backend's.
      removeIf(where.socket, (st) => st.ino === mine.ino && st.dev === mine.dev)
      if (where.pointer) {
        const pointer = where.pointer
        removeIf(pointer, () => readFileSync(pointer, 'utf8').trim() === where.socket)
      }
    },
  }
}

/**
 * startLocalEndpoint for the long-lived backends: without the endpoint the
 * backend still works (attach then starts its own agent process), so a
 * failure is a warning, not a reason to stop.
 */
export async function serveLocalEndpoint(options: LocalEndpointOptions): Promise<Disposable> {
  const log = options.logger ?? nullLogger
  try {
    const endpoint = await startLocalEndpoint(options)
    log.info(`terminals attach through ${endpoint.path}`)
    return endpoint
  } catch (e) {
    log.warn(
      `no local endpoint, so bot-bottle attach starts agents of its own: ${(e as Error).message}`,
    )
    return { dispose() {} }
  }
}

/**
 * Listens at `path`: binds a temporary name next to it, makes it 0600, then
 * renames it into place. So the socket is never reachable with looser
 * modes, a stale one is replaced in one step, and closing (which unlinks
 * the bound name) never removes a socket that is not this one.
 */
async function bindInPlace(server: Server, path: string): Promise<void> {
  const bound = `${path}.${randomBytes(3).toString('hex')}`
  await listen(server, bound)
  try {
    chmodSync(bound, 0o600)
    if (await answers(path)) throw new Error(`another Bot Bottle backend is listening on ${path}`)
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st && !st.isSocket()) throw new Error(`${path} exists and is not a socket`)
    renameSync(bound, path)
  } catch (e) {
    server.close()
    throw e
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e)
    server.once('error', onError)
    server.listen(path, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** Whether a process is listening on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path)
    const done = (alive: boolean): void => {
      clearTimeout(timer)
      probe.destroy()
      resolve(alive)
    }
    // Accepting is the kernel's job: a live listener answers at once, even if busy.
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS)
    probe.once('connect', () => done(true))
    probe.once('error', () => done(false))
  })
}

function removeIf(path: string, test: (st: Stats) => boolean): void {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st && test(st)) rmSync(path, { force: true })
  } catch {
    // gone already, or unreadable: nothing of ours to remove
  }
}
