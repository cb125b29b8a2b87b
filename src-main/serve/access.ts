import { timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/**
 * Pure access decisions for serve mode: token, Host (DNS rebinding) and Origin
 * (cross-site pages talking to a localhost server).
 */
export interface AccessPolicy {
  token: string
  /** host:port pairs the server answers to, e.g. `127.0.0.1:4599`, `localhost:4599`. */
  allowedHosts: ReadonlySet<string>
  /** The cookie that carries the token for the page's assets: see `tokenCookieName`. */
  cookieName: string
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string }

export function allowedHostsFor(host: string, port: number): Set<string> {
  const hosts = new Set<string>()
  const add = (h: string): void => {
    hosts.add(`${h}:${port}`)
  }
  if (isLoopback(host) || host === '0.0.0.0' || host === '::') {
    add('127.0.0.1')
    add('localhost')
    add('[::1]')
  }
  if (host !== '0.0.0.0' && host !== '::') add(isIP(host) === 6 ? `[${host}]` : host)
  return hosts
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const raw = part.slice(i + 1).trim()
    // Anyone can send any bytes: a malformed escape is a value that matches nothing, not a crash.
    let value: string
    try {
      value = decodeURIComponent(raw)
    } catch {
      value = raw
    }
    out.set(part.slice(0, i).trim(), value)
  }
  return out
}

/**
 * Cookies ignore ports: a name per port keeps two serve instances on one host
 * from overwriting each other's token.
 */
export function tokenCookieName(port: number): string {
  return `bot_bottle_token_${port}`
}

export interface RequestFacts {
  host: string | undefined
  origin: string | undefined
  queryToken: string | null
  cookieHeader: string | undefined
}

/** Decides one HTTP request or WebSocket upgrade. */
export function checkAccess(policy: AccessPolicy, req: RequestFacts): Verdict {
  const host = (req.host ?? '').toLowerCase()
  if (!policy.allowedHosts.has(host)) {
    return {
      ok: false,
      status: 403,
      reason: `host ${JSON.stringify(req.host ?? '')} is not served here`,
    }
  }
  // Browsers send Origin on WebSocket upgrades and cross-origin requests. It
  // must be this server; tools without an Origin still need the token.
  if (req.origin !== undefined && req.origin !== 'null') {
    let originHost: string
    try {
      const u = new URL(req.origin)
      if (u.protocol !== 'http:') throw new Error('scheme')
      originHost = u.host.toLowerCase()
    } catch {
      return { ok: false, status: 403, reason: 'malformed Origin' }
    }
    if (!policy.allowedHosts.has(originHost) || originHost !== host) {
      return { ok: false, status: 403, reason: `origin ${req.origin} is not allowed` }
    }
  } else if (req.origin === 'null') {
    return { ok: false, status: 403, reason: 'opaque origin is not allowed' }
  }
  const cookieToken = parseCookies(req.cookieHeader).get(policy.cookieName)
  if (!tokenMatches(policy.token, req.queryToken) && !tokenMatches(policy.token, cookieToken)) {
    return {
      ok: false,
      status: 401,
      reason: req.queryToken || cookieToken ? 'wrong token' : 'token required',
    }
  }
  return { ok: true }
}
