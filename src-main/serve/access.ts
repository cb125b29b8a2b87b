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
    out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()))
  }
  return out
}

export const TOKEN_COOKIE = 'bot_bottle_token'

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
  const cookieToken = parseCookies(req.cookieHeader).get(TOKEN_COOKIE)
  if (!tokenMatches(policy.token, req.queryToken) && !tokenMatches(policy.token, cookieToken)) {
    return {
      ok: false,
      status: 401,
      reason: req.queryToken || cookieToken ? 'wrong token' : 'token required',
    }
  }
  return { ok: true }
}
