import http, { STATUS_CODES } from 'node:http'
import net from 'node:net'
import type { BundleLog } from '../log'
import { decide, stillAllowed, type Allowed, type Denied, type Lookup } from './policy'
import type { Rule, Target } from './rules'

export interface EgressProxyOptions {
  rules: readonly Rule[]
  /** Client connections held at once; more get a 503. */
  maxConnections: number
  lookup: Lookup
  log: BundleLog
  connectTimeoutMs?: number
}

export interface EgressProxy {
  listen(port: number, host: string): Promise<net.AddressInfo>
  readonly rules: readonly Rule[]
  /** Swaps the allowlist; open connections it no longer allows are closed. Returns how many. */
  setRules(rules: readonly Rule[]): number
  readonly connectionCount: number
  close(): Promise<void>
}

/** One allowed connection (a CONNECT tunnel or a forwarded request), open until both ends close. */
interface Flow {
  target: Target
  port: number
  address: string
  close(reason: string): void
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy. */
const HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * The egress HTTP forward proxy: CONNECT tunnels (no TLS interception) and
 * absolute-form plain-HTTP requests, each decided by the policy, connected to
 * the address the policy checked, and logged as one decision line.
 *
 * The mechanics are node:http and node:net rather than a proxy library
 * because none checked fits the policy: `http-proxy` has had no release since
 * 2020 and no CONNECT; `proxy` (proxy-agents) and `proxy-chain` take a yes/no
 * per request but then resolve and connect by name themselves, so the address
 * they reach is not the one the DNS-rebinding guard checked; none can close
 * open tunnels when the allowlist shrinks or report bytes per flow. What is
 * left (a CONNECT handshake, hop-by-hop headers, piping) is small and tested.
 */
export function createEgressProxy(options: EgressProxyOptions): EgressProxy {
  const { log, lookup, maxConnections } = options
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  let rules: readonly Rule[] = options.rules
  const clients = new Set<net.Socket>()
  const flows = new Set<Flow>()
  let rejected = 0
  let rejectLogged = 0

  const server = http.createServer({ requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 5_000 })
  const failed = (what: string, socket: net.Socket) => (e: unknown) => {
    log.error(`${what} failed`, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) })
    socket.destroy()
  }
  server.on('request', (req, res) => forward(req, res).catch(failed('request', req.socket)))
  server.on('connect', (req, socket: net.Socket, head: Buffer) => tunnel(req, socket, head).catch(failed('CONNECT', socket)))
  server.on('upgrade', (req, socket: net.Socket) => {
    const reason = 'protocol upgrades over plain-HTTP proxying are not supported; use https/wss (CONNECT)'
    respondRaw(socket, 501, reason)
    logDeny(req.url ?? '', 0, req.method ?? 'GET', null, reason, new Date(), performance.now())
  })

  // A front listener counts connections, so the cap answers with a clear 503 instead of a silent drop.
  const front = net.createServer((socket) => {
    if (clients.size >= maxConnections) {
      rejected++
      respondRaw(socket, 503, `egress proxy: too many concurrent connections (limit ${maxConnections}); retry later`)
      if (performance.now() - rejectLogged > 1000) {
        rejectLogged = performance.now()
        log.warn('connection cap reached', { limit: maxConnections, rejectedSoFar: rejected })
      }
      return
    }
    clients.add(socket)
    socket.once('close', () => clients.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.setNoDelay(true)
    server.emit('connection', socket)
  })

  function logDeny(host: string, port: number, method: string, rule: string | null, reason: string, at: Date, t0: number): void {
    log.decision(
      { host, port, method, decision: 'deny', rule, reason, bytesIn: 0, bytesOut: 0, durationMs: performance.now() - t0 },
      at,
    )
  }

  function denyText(d: Denied, host: string, port: number): string {
    return `Bot Bottle egress proxy refused ${host}:${port}: ${d.reason}.${d.hint ? `\n${d.hint}` : ''}\n`
  }

  /** Registers an open flow: logged once when it ends, closed early if the allowlist stops allowing it. */
  function track(
    d: Allowed,
    port: number,
    method: string,
    upstream: net.Socket,
    at: Date,
    t0: number,
    closeAll: () => void,
  ): void {
    let endReason = ''
    const flow: Flow = {
      target: d.target,
      port,
      address: upstream.remoteAddress ?? d.addresses[0]!,
      close(reason) {
        endReason = reason
        closeAll()
      },
    }
    flows.add(flow)
    upstream.once('close', () => {
      flows.delete(flow)
      log.decision(
        {
          host: d.target.host,
          port,
          method,
          decision: 'allow',
          rule: d.rule.text,
          reason: endReason ? `${d.reason}; ${endReason}` : d.reason,
          bytesIn: upstream.bytesRead,
          bytesOut: upstream.bytesWritten,
          durationMs: performance.now() - t0,
        },
        at,
      )
    })
  }

  async function tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    const at = new Date()
    const t0 = performance.now()
    const authority = parseAuthority(req.url ?? '')
    if (!authority) {
      const reason = 'CONNECT needs host:port'
      respondRaw(client, 400, reason)
      return logDeny(req.url ?? '', 0, 'CONNECT', null, reason, at, t0)
    }
    const d = await decide(rules, authority.host, authority.port, lookup)
    if (!d.allow) {
      respondRaw(client, d.status, denyText(d, authority.host, authority.port))
      return logDeny(d.target?.host ?? authority.host, authority.port, 'CONNECT', d.rule?.text ?? null, d.reason, at, t0)
    }
    let upstream: net.Socket
    try {
      upstream = await connectFirst(d.addresses, authority.port, connectTimeoutMs)
    } catch (e) {
      const reason = `${d.reason}; upstream unreachable (${errorCode(e)})`
      respondRaw(client, 502, `Bot Bottle egress proxy: ${authority.host}:${authority.port} is allowed but unreachable (${errorCode(e)})\n`)
      return log.decision(
        { host: d.target.host, port: authority.port, method: 'CONNECT', decision: 'allow', rule: d.rule.text, reason, bytesIn: 0, bytesOut: 0, durationMs: performance.now() - t0 },
        at,
      )
    }
    const closeAll = (): void => {
      upstream.destroy()
      client.destroy()
    }
    track(d, authority.port, 'CONNECT', upstream, at, t0, closeAll)
    if (client.destroyed) return closeAll()
    upstream.on('error', closeAll)
    client.on('error', closeAll)
    upstream.on('close', () => client.destroy())
    client.on('close', () => upstream.destroy())
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length) upstream.write(head)
    upstream.pipe(client)
    client.pipe(upstream)
  }

  async function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = new Date()
    const t0 = performance.now()
    const method = req.method ?? 'GET'
    const url = parseAbsoluteUrl(req.url ?? '')
    if (!url || url.protocol !== 'http:') {
      const reason =
        url?.protocol === 'https:'
          ? 'https URLs go through CONNECT (set HTTPS_PROXY), not as plain requests'
          : 'not an absolute http:// URL: this is an HTTP forward proxy (set HTTP_PROXY / HTTPS_PROXY)'
      sendText(res, 400, `Bot Bottle egress proxy: ${reason}\n`)
      return logDeny(url?.hostname ?? req.url ?? '', 0, method, null, reason, at, t0)
    }
    const port = url.port ? Number(url.port) : 80
    const d = await decide(rules, url.hostname, port, lookup)
    if (!d.allow) {
      sendText(res, d.status, denyText(d, url.hostname, port))
      return logDeny(d.target?.host ?? url.hostname, port, method, d.rule?.text ?? null, d.reason, at, t0)
    }
    let upstream: net.Socket
    try {
      upstream = await connectFirst(d.addresses, port, connectTimeoutMs)
    } catch (e) {
      sendText(res, 502, `Bot Bottle egress proxy: ${url.host} is allowed but unreachable (${errorCode(e)})\n`)
      return log.decision(
        { host: d.target.host, port, method, decision: 'allow', rule: d.rule.text, reason: `${d.reason}; upstream unreachable (${errorCode(e)})`, bytesIn: 0, bytesOut: 0, durationMs: performance.now() - t0 },
        at,
      )
    }
    const upReq = http.request({
      createConnection: () => upstream,
      method,
      path: url.pathname + url.search,
      // The URL's authority, never the client's Host header: no fronting another site through an allowed one.
      headers: [...forwardHeaders(req.rawHeaders), 'Host', url.host],
    })
    const closeAll = (): void => {
      upReq.destroy()
      upstream.destroy()
      res.destroy()
    }
    track(d, port, method, upstream, at, t0, closeAll)
    upReq.on('error', (e) => {
      if (!res.headersSent) sendText(res, 502, `Bot Bottle egress proxy: ${url.host} failed (${errorCode(e)})\n`)
      else res.destroy()
      upstream.destroy()
    })
    upReq.on('response', (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.rawHeaders))
      upRes.pipe(res)
      upRes.on('error', () => res.destroy())
    })
    res.on('close', () => {
      if (!res.writableFinished) closeAll()
    })
    req.pipe(upReq)
  }

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        front.once('error', reject)
        front.listen({ port, host }, () => {
          front.off('error', reject)
          resolve(front.address() as net.AddressInfo)
        })
      })
    },
    get rules() {
      return rules
    },
    setRules(next) {
      rules = next
      let closed = 0
      for (const flow of [...flows]) {
        if (!stillAllowed(rules, flow.target, flow.port, flow.address)) {
          flow.close('closed: the allowlist no longer allows it')
          closed++
        }
      }
      return closed
    },
    get connectionCount() {
      return clients.size
    },
    close() {
      return new Promise((resolve) => {
        front.close(() => resolve())
        for (const s of clients) s.destroy()
        server.closeAllConnections()
      })
    },
  }
}

/** Connects to the checked addresses in order (with an IP, net.connect never looks the name up again). */
function connectFirst(addresses: readonly string[], port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let i = 0
    const next = (lastError?: unknown): void => {
      const address = addresses[i++]
      if (address === undefined) return reject(lastError ?? new Error('no address'))
      const socket = net.connect({ host: address, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 })
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs)
      const onError = (e: Error): void => {
        clearTimeout(timer)
        next(e)
      }
      socket.once('error', onError)
      socket.once('connect', () => {
        clearTimeout(timer)
        // Callers attach their own handlers; until then an error must not crash the daemon.
        socket.off('error', onError).on('error', () => {})
        resolve(socket)
      })
    }
    next()
  })
}

function parseAuthority(text: string): { host: string; port: number } | null {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text)
  return m ? { host: m[1]!, port: Number(m[2]) } : null
}

function parseAbsoluteUrl(text: string): URL | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return null
  try {
    return new URL(text)
  } catch {
    return null
  }
}

/** rawHeaders minus hop-by-hop ones (and those the Connection header lists), and minus Host. */
function forwardHeaders(raw: readonly string[]): string[] {
  const listed = new Set<string>()
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const t of raw[i + 1]!.split(',')) listed.add(t.trim().toLowerCase())
  }
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (HOP.has(name) || listed.has(name) || name === 'host') continue
    out.push(raw[i]!, raw[i + 1]!)
  }
  return out
}

function respondRaw(socket: net.Socket, status: number, body: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy()
    return
  }
  const bytes = Buffer.from(body)
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n${body}`,
  )
  socket.setTimeout(5000, () => socket.destroy())
}

function sendText(res: http.ServerResponse, status: number, body: string): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' })
  res.end(body)
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))
}
