import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { lookup as dnsLookup } from 'node:dns/promises'
import type net from 'node:net'
import type { BundleLog } from '../log'
import { createAdminServer } from './admin'
import type { Lookup } from './policy'
import { createEgressProxy, type EgressProxy } from './proxy'
import { parseRules, type Rule } from './rules'

/** Fixed by the bundle's contract (src-main/core/bundle/types.ts BUNDLE_PORTS). */
export const EGRESS_PORT = 8888
export const ADMIN_PORT = 9099

export interface EgressConfig {
  rules: Rule[]
  maxConnections: number
  /** Where allowlist changes persist across a container restart; null: nowhere. */
  rulesFile: string | null
  port: number
  /** 0.0.0.0 in the bundle: the guest reaches it on the bundle's pinned IP. */
  host: string
  adminPort: number
  /** Always loopback: the guest must never reach the admin API. */
  adminHost: string
}

export interface RunningEgress {
  proxy: EgressProxy
  proxyAddress: net.AddressInfo
  adminAddress: net.AddressInfo
  stop(): Promise<void>
}

export const DEFAULT_RULES_FILE = '/var/lib/bot-bottle/egress-rules.json'

/**
 * Reads the daemon's settings: EGRESS_ALLOWLIST (JSON array of rules),
 * EGRESS_MAX_CONNECTIONS (default 256), EGRESS_RULES_FILE. Rules saved by an
 * earlier run of this container (allowlist changes) win over the env.
 */
export function egressConfigFromEnv(env: NodeJS.ProcessEnv, log: BundleLog): EgressConfig {
  const maxText = env.EGRESS_MAX_CONNECTIONS ?? '256'
  const maxConnections = Number(maxText)
  if (!/^\d+$/.test(maxText) || maxConnections < 1 || maxConnections > 65535) {
    throw new Error(`EGRESS_MAX_CONNECTIONS: expected a number from 1 to 65535, got "${maxText}"`)
  }
  const rulesFile = env.EGRESS_RULES_FILE === '' ? null : (env.EGRESS_RULES_FILE ?? DEFAULT_RULES_FILE)
  const saved = rulesFile ? readSavedRules(rulesFile, log) : null
  let list: unknown = saved ?? []
  if (!saved && env.EGRESS_ALLOWLIST) {
    try {
      list = JSON.parse(env.EGRESS_ALLOWLIST)
    } catch {
      throw new Error('EGRESS_ALLOWLIST: not JSON (expected an array of rules, e.g. ["api.anthropic.com"])')
    }
  }
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) {
    throw new Error('EGRESS_ALLOWLIST: expected a JSON array of strings')
  }
  const { rules, invalid } = parseRules(list)
  if (invalid.length) {
    throw new Error(`EGRESS_ALLOWLIST: invalid rules: ${invalid.map((i) => `"${i.rule}" (${i.reason})`).join('; ')}`)
  }
  if (rules.length === 0) log.warn('the allowlist is empty: every destination is denied')
  return { rules, maxConnections, rulesFile, port: EGRESS_PORT, host: '0.0.0.0', adminPort: ADMIN_PORT, adminHost: '127.0.0.1' }
}

function readSavedRules(file: string, log: BundleLog): string[] | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  try {
    const saved = (JSON.parse(text) as { rules?: unknown }).rules
    if (Array.isArray(saved) && saved.every((r) => typeof r === 'string')) {
      log.info('restored the allowlist saved by an earlier run', { file, rules: saved.length })
      return saved
    }
  } catch {
    // fall through
  }
  log.warn('ignoring an unreadable saved allowlist', { file })
  return null
}

/** Starts the proxy and its loopback admin API. */
export async function startEgress(config: EgressConfig, log: BundleLog, lookup: Lookup = systemLookup): Promise<RunningEgress> {
  const proxy = createEgressProxy({ rules: config.rules, maxConnections: config.maxConnections, lookup, log })
  const admin = createAdminServer({
    getRules: () => proxy.rules,
    setRules(rules) {
      const closed = proxy.setRules(rules)
      if (config.rulesFile) persist(config.rulesFile, rules, log)
      log.info('allowlist changed', { rules: rules.map((r) => r.text), closedConnections: closed })
      return { closed }
    },
    health: () => ({ connections: proxy.connectionCount, rules: proxy.rules.length }),
  })
  const proxyAddress = await proxy.listen(config.port, config.host)
  let adminAddress: net.AddressInfo
  try {
    adminAddress = await admin.listen(config.adminPort, config.adminHost)
  } catch (e) {
    await proxy.close()
    throw e
  }
  log.info('egress proxy listening', {
    proxy: `${proxyAddress.address}:${proxyAddress.port}`,
    admin: `${adminAddress.address}:${adminAddress.port}`,
    rules: config.rules.map((r) => r.text),
    maxConnections: config.maxConnections,
  })
  return {
    proxy,
    proxyAddress,
    adminAddress,
    async stop() {
      await Promise.all([proxy.close(), admin.close()])
    },
  }
}

/** getaddrinfo (so /etc/hosts counts), every address, in the resolver's order. */
const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true })

function persist(file: string, rules: Rule[], log: BundleLog): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify({ rules: rules.map((r) => r.text) }) + '\n', { mode: 0o600 })
    renameSync(tmp, file)
  } catch (e) {
    // The change is live either way; only a container restart would forget it.
    log.warn('could not save the allowlist', { file, error: e instanceof Error ? e.message : String(e) })
  }
}
