import { classifyAddress } from './address'
import { findRule, hostHasRule, normalizeTarget, type Rule, type Target } from './rules'

/** Resolves a name to every address it has (the daemon uses dns.lookup, so /etc/hosts counts). */
export type Lookup = (host: string) => Promise<{ address: string }[]>

export interface Allowed {
  allow: true
  target: Target
  rule: Rule
  reason: string
  /** Checked addresses, to connect to in order: the proxy never resolves again. */
  addresses: string[]
}

export interface Denied {
  allow: false
  target: Target | null
  rule: Rule | null
  reason: string
  /** What the client (the agent) should do about it. */
  hint: string
  status: 403 | 502
}

export type Decision = Allowed | Denied

const ASK = 'Ask the user to add a rule to this bottle’s egress allowlist in Bot Bottle'

/**
 * The sandbox's decision for one connection: a rule must name the host (and
 * port), and every address the connection may go to must be public, unless
 * an IP-literal rule names that exact address. Loopback never passes.
 */
export async function decide(rules: readonly Rule[], rawHost: string, port: number, lookup: Lookup): Promise<Decision> {
  const target = normalizeTarget(rawHost)
  if (!target) return deny(null, null, `"${rawHost}" is not a valid host`, 'Use a host name or an IP address.')
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return deny(target, null, `port ${port} is not valid`, 'Use a port from 1 to 65535.')
  }
  const rule = findRule(rules, target, port)
  if (!rule) {
    if (hostHasRule(rules, target)) {
      return deny(
        target,
        null,
        `a rule names ${target.host} but not port ${port} (rules without a port allow 80 and 443)`,
        `${ASK}: ${ruleText(target, port)}.`,
      )
    }
    return deny(target, null, `no rule allows ${target.host}:${port}`, `${ASK}: ${ruleText(target, port, true)}.`)
  }

  if (target.kind === 'ip') {
    const cls = classifyAddress(target.host)
    if (cls.verdict === 'never') return deny(target, rule, `${target.host} is ${cls.label}: never reachable through the proxy`, '')
    return { allow: true, target, rule, reason: `rule ${rule.text}`, addresses: [target.host] }
  }

  let resolved: { address: string }[]
  try {
    resolved = await lookup(target.host)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))
    return deny(target, rule, `rule ${rule.text} allows it, but ${target.host} does not resolve (${code})`, '', 502)
  }
  const addresses: string[] = []
  const refused: string[] = []
  let firstRefused: Target | null = null
  for (const { address } of resolved) {
    const cls = classifyAddress(address)
    if (addressAllowed(rules, address, port)) addresses.push(cls.address)
    else {
      refused.push(`${cls.address} (${cls.label})`)
      if (cls.verdict === 'guarded') firstRefused ??= { kind: 'ip', host: cls.address }
    }
  }
  if (addresses.length === 0) {
    return deny(
      target,
      rule,
      refused.length
        ? `${target.host} resolves to ${refused.join(', ')}: a name may not lead to a non-public address (DNS-rebinding guard)`
        : `${target.host} resolves to no address`,
      firstRefused ? `If this host is meant to be reached, ask the user to add a rule naming the address: ${ruleText(firstRefused, port)}.` : '',
    )
  }
  return {
    allow: true,
    target,
    rule,
    reason: refused.length ? `rule ${rule.text}; skipped ${refused.join(', ')}` : `rule ${rule.text}`,
    addresses,
  }
}

/**
 * Re-checks an open connection after the allowlist changed: the rule that
 * allows it now, or null when it must be closed.
 */
export function stillAllowed(rules: readonly Rule[], target: Target, port: number, address: string): Rule | null {
  const rule = findRule(rules, target, port)
  if (!rule) return null
  return target.kind === 'ip' || addressAllowed(rules, address, port) ? rule : null
}

function addressAllowed(rules: readonly Rule[], address: string, port: number): boolean {
  const cls = classifyAddress(address)
  if (cls.verdict === 'public') return true
  if (cls.verdict === 'never') return false
  return findRule(rules, { kind: 'ip', host: cls.address }, port) !== null
}

function deny(target: Target | null, rule: Rule | null, reason: string, hint: string, status: 403 | 502 = 403): Denied {
  return { allow: false, target, rule, reason, hint, status }
}

/** The rule to suggest; `withDomain` also offers the wildcard for names under a domain. */
function ruleText(target: Target, port: number, withDomain = false): string {
  const portPart = port === 80 || port === 443 ? '' : `:${port}`
  const exact = target.host.includes(':') && portPart ? `[${target.host}]${portPart}` : `${target.host}${portPart}`
  const labels = target.host.split('.')
  if (!withDomain || target.kind === 'ip' || labels.length < 3) return exact
  return `${exact} (or *.${labels.slice(1).join('.')}${portPart} for every host under it)`
}
