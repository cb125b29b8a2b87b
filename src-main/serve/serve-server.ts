import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { MAX_MESSAGE_CHARS } from '../../src-shared/rpc/protocol'
import type { Logger } from '../core/base/logger'
import type { RpcServer } from '../rpc/server'
import { HEADER_CSP } from '../shell/csp'
import {
  allowedHostsFor,
  checkAccess,
  isLoopback,
  tokenCookieName,
  type AccessPolicy,
} from './access'
import { readStatic, resolveStatic } from './static-files'
import { wsTransport } from './ws-transport'

export interface ServeOptions {
  rpc: RpcServer
  /** The built renderer (out/renderer). */
  staticDir: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** A fixed token (tests); otherwise 32 random bytes. */
  token?: string
  logger: Logger
}

export interface ServeHandle {
  url: string
  /** The address the socket is actually bound to (from the OS, not the option). */
  host: string
  port: number
  token: string
  close(): Promise<void>
}

/** The path the renderer opens its WebSocket on. */
export const RPC_PATH = '/rpc'

/**
 * Serve mode: the built renderer and the RPC over WebSocket, on loopback by
 * default, behind a token (query on first load, then an HttpOnly cookie) and
 * Host/Origin checks against DNS rebinding and cross-site pages.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  if (process.versions.electron) {
    throw new Error('serve mode never runs inside the Electron app')
  }
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(32).toString('base64url')
  if (!/^[A-Za-z0-9_-]{8,256}$/.test(token)) {
    throw new Error('token: 8 to 256 characters of A-Z, a-z, 0-9, _ or -')
  }
  const log = options.logger
  if (!isLoopback(host)) {
    log.warn(
      `serve is bound to ${host}: anyone who can reach it and has the token controls your bottles`,
    )
  }
  const policy: AccessPolicy = { token, allowedHosts: new Set(), cookieName: tokenCookieName(0) }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_CHARS * 4 })
  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch((e: unknown) => {
      log.error(`http ${req.url ?? ''}: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) res.writeHead(500).end('internal error')
    })
  })

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://x')
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed request target')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    // Liveness only, no data: lets scripts wait for the port.
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end('ok')
      return
    }
    const queryToken = url.searchParams.get('token')
    const verdict = checkAccess(policy, {
      host: req.headers.host,
      origin: req.headers.origin,
      queryToken,
      cookieHeader: req.headers.cookie,
    })
    if (!verdict.ok) {
      res
        .writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end(verdict.reason)
      return
    }
    const found = await resolveStatic(options.staticDir, url.pathname)
    if (!found) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    const headers: Record<string, string> = {
      'Content-Type': found.type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Content-Security-Policy': HEADER_CSP,
    }
    if (queryToken) {
      headers['Set-Cookie'] = `${policy.cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`
    }
    const body = await readStatic(found.file)
    res.writeHead(200, headers)
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  server.on('upgrade', (req, socket, head) => {
    // A peer that resets mid-handshake must not take the server down with it.
    socket.on('error', () => socket.destroy())
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://x')
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      log.warn('refused WebSocket: malformed request target')
      return
    }
    const verdict =
      url.pathname !== RPC_PATH
        ? ({ ok: false, status: 403, reason: 'not an RPC endpoint' } as const)
        : checkAccess(policy, {
            host: req.headers.host,
            origin: req.headers.origin,
            queryToken: url.searchParams.get('token'),
            cookieHeader: req.headers.cookie,
          })
    if (!verdict.ok) {
      const text = verdict.status === 401 ? 'Unauthorized' : 'Forbidden'
      socket.end(
        `HTTP/1.1 ${verdict.status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
      log.warn(`refused WebSocket: ${verdict.reason}`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      options.rpc.connect(wsTransport(ws))
    })
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  const bound = server.address() as AddressInfo
  const port = bound.port
  policy.allowedHosts = allowedHostsFor(host, port)
  policy.cookieName = tokenCookieName(port)
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const urlHost = shownHost.includes(':') ? `[${shownHost}]` : shownHost
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    host: bound.address,
    port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
      server.closeAllConnections()
    },
  }
}
