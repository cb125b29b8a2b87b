import { domainToASCII } from 'node:url'
import { canonicalIp, classifyAddress } from './address'

/**
 * The egress allowlist's rule language (shared by the bundle daemon and the
 * app, which validates with this very code before sending rules):
 *
 * - `host`            exactly that host (`api.anthropic.com`)
 * - `*.suffix`        any subdomain of suffix, never suffix itself
 * - `a.b.c.d`, `::1`  an IP literal (IPv6 with a port: `[2001:db8::1]:443`)
 * - `…:port`          only that port. Without a port a rule allows 80 and 443
 *                     (HTTP and HTTPS): other services need an explicit port.
 *
 * Names are compared lowercased, without a trailing dot, and as punycode
 * (IDN via node:url domainToASCII), so `Bücher.de.` and `xn--bcher-kva.de`
 * are the same rule.
 */
export type RuleKind = 'host' | 'wildcard' | 'ip'

export interface Rule {
  /** Canonical text: what getRules returns and decisions name. */
  text: string
  kind: RuleKind
  /** The host, the wildcard's suffix (without `*.`), or the canonical IP. */
  host: string
  /** null: DEFAULT_PORTS. */
  port: number | null
}

export const DEFAULT_PORTS: readonly number[] = [80, 443]

export type RuleParse = { ok: true; rule: Rule } | { ok: false; reason: string }

export interface InvalidRule {
  rule: string
  reason: string
}

/** What a request asks for, normalized like the rules. */
export interface Target {
  kind: 'name' | 'ip'
  host: string
}

export function parseRule(input: string): RuleParse {
  const text = input.trim()
  if (text === '') return fail('empty rule')
  if (/\s/.test(text)) return fail('contains whitespace')
  if (text.includes('://')) return fail('write a host, not a URL: drop the scheme (https://) and any path')
  if (/^[\d.:a-f[\]]+\/\d+$/i.test(text)) return fail('CIDR ranges are not supported: name each address')
  if (/[/?#@\\]/.test(text)) return fail('a rule is a host with an optional :port (no path, query or user info)')

  const split = splitHostPort(text)
  if (!split) return fail('not of the form host, *.domain or IP, with an optional :port')
  let port: number | null = null
  if (split.port !== undefined) {
    port = parsePort(split.port)
    if (port === null) return fail(`port "${split.port}" must be a number from 1 to 65535`)
  }
  const host = split.host

  if (split.bracketed) {
    const ip = canonicalIp(host)
    if (!ip || !ip.includes(':')) return fail('brackets hold an IPv6 address')
    return ipRule(ip, port)
  }
  if (host === '*') return fail('a bare * would allow every host: list the hosts the agent needs')
  if (host.startsWith('*.')) {
    const suffix = host.slice(2)
    if (suffix.includes('*')) return fail('only one leading *. is allowed (as in *.example.com)')
    const name = normalizeName(suffix)
    if (!name.ok) return fail(name.reason)
    if (!name.host.includes('.')) {
      return fail(`*.${name.host} would allow a whole top-level domain: name a domain (as in *.example.com)`)
    }
    return { ok: true, rule: { text: `*.${name.host}${portSuffix(port)}`, kind: 'wildcard', host: name.host, port } }
  }
  if (host.includes('*')) return fail('only a leading *. wildcard is supported (as in *.example.com)')

  const ip = canonicalIp(host)
  if (ip) return ipRule(ip, port)
  if (host.includes(':')) return fail('not a valid IPv6 address')
  const name = normalizeName(host)
  if (!name.ok) return fail(name.reason)
  return { ok: true, rule: { text: `${name.host}${portSuffix(port)}`, kind: 'host', host: name.host, port } }
}

/** Parses a list: valid rules (deduplicated, in order) and the invalid ones with reasons. */
export function parseRules(inputs: readonly string[]): { rules: Rule[]; invalid: InvalidRule[] } {
  const rules: Rule[] = []
  const invalid: InvalidRule[] = []
  const seen = new Set<string>()
  for (const input of inputs) {
    const r = parseRule(input)
    if (!r.ok) invalid.push({ rule: input, reason: r.reason })
    else if (!seen.has(r.rule.text)) {
      seen.add(r.rule.text)
      rules.push(r.rule)
    }
  }
  return { rules, invalid }
}

/**
 * Normalizes the host a client asked for. Lenient where resolvers are
 * (the URL host parser turns `0x7f.1` into 127.0.0.1 exactly as getaddrinfo
 * would), so what is matched is what would be reached. Null: not a host.
 */
export function normalizeTarget(raw: string): Target | null {
  let host = raw
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (host.includes('%')) return null
  const ip = canonicalIp(host)
  if (ip) return { kind: 'ip', host: ip }
  if (host.includes(':')) return null
  const ascii = stripDot(domainToASCII(host))
  if (ascii === '') return null
  const numeric = canonicalIp(ascii)
  if (numeric) return { kind: 'ip', host: numeric }
  return checkLabels(ascii) === null ? { kind: 'name', host: ascii } : null
}

/** The rule that allows `target:port`, most specific first (exact, then wildcard); null when none does. */
export function findRule(rules: readonly Rule[], target: Target, port: number): Rule | null {
  let wildcard: Rule | null = null
  for (const rule of rules) {
    if (!coversPort(rule, port) || !matchesHost(rule, target)) continue
    if (rule.kind !== 'wildcard') return rule
    wildcard ??= rule
  }
  return wildcard
}

/** Whether some rule names this host, whatever its port: tells "wrong port" from "unknown host". */
export function hostHasRule(rules: readonly Rule[], target: Target): boolean {
  return rules.some((r) => matchesHost(r, target))
}

function matchesHost(rule: Rule, target: Target): boolean {
  if (target.kind === 'ip') return rule.kind === 'ip' && rule.host === target.host
  if (rule.kind === 'host') return rule.host === target.host
  // The dot boundary: *.example.com never matches evilexample.com nor example.com.
  return rule.kind === 'wildcard' && target.host.endsWith(`.${rule.host}`)
}

export function coversPort(rule: Rule, port: number): boolean {
  return rule.port === null ? DEFAULT_PORTS.includes(port) : rule.port === port
}

function fail(reason: string): RuleParse {
  return { ok: false, reason }
}

function ipRule(ip: string, port: number | null): RuleParse {
  const cls = classifyAddress(ip)
  if (cls.verdict === 'never') {
    return fail(`${cls.label} addresses are never reachable through the proxy (loopback is the bundle itself)`)
  }
  const text = ip.includes(':') && port !== null ? `[${ip}]:${port}` : `${ip}${portSuffix(port)}`
  return { ok: true, rule: { text, kind: 'ip', host: ip, port } }
}

function splitHostPort(text: string): { host: string; port?: string; bracketed: boolean } | null {
  if (text.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(text)
    return m ? { host: m[1]!, port: m[2], bracketed: true } : null
  }
  const colons = text.split(':').length - 1
  if (colons > 1) return { host: text, bracketed: false } // a bare IPv6 address: no port
  if (colons === 1) {
    const i = text.lastIndexOf(':')
    return { host: text.slice(0, i), port: text.slice(i + 1), bracketed: false }
  }
  return { host: text, bracketed: false }
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null
  const n = Number(text)
  return n >= 1 && n <= 65535 ? n : null
}

function portSuffix(port: number | null): string {
  return port === null ? '' : `:${port}`
}

function stripDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host
}

function normalizeName(host: string): { ok: true; host: string } | { ok: false; reason: string } {
  if (host === '') return { ok: false, reason: 'empty host' }
  const ascii = stripDot(domainToASCII(host))
  if (ascii === '') return { ok: false, reason: `"${host}" is not a valid host name` }
  if (canonicalIp(ascii)) return { ok: false, reason: 'write IPv4 addresses as four decimal numbers (a.b.c.d)' }
  const bad = checkLabels(ascii)
  if (bad) return { ok: false, reason: bad }
  if (ascii === 'localhost' || ascii.endsWith('.localhost')) {
    return { ok: false, reason: 'localhost is the bundle itself, never reachable through the proxy' }
  }
  return { ok: true, host: ascii }
}

/** DNS host name syntax (after punycode): the reason it is not one, or null. */
function checkLabels(ascii: string): string | null {
  if (ascii.length > 253) return 'host name longer than 253 characters'
  for (const label of ascii.split('.')) {
    if (label === '') return 'empty label (two dots in a row?)'
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is longer than 63 characters`
    if (!/^[a-z0-9-]+$/.test(label)) return `label "${label}" may hold only letters, digits and hyphens`
    if (label.startsWith('-') || label.endsWith('-')) return `label "${label}" starts or ends with a hyphen`
  }
  return null
}
