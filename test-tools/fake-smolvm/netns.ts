import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { vmmAlive } from './probe'
import { withLock, type NetnsInfo, type VmRecord } from './state'

/**
 * What makes `--allow-cidr` real in the fake: a VM whose effective policy has
 * CIDRs runs its execs in a network namespace joined to the bridge that routes
 * to the first allowed IP, with an iptables default-deny except the allowed
 * CIDRs. A VM with networking but no policy uses the host's namespace (TSI
 * without a policy reaches everything the host does, 127.0.0.1 included); a
 * VM without networking gets a namespace with only loopback.
 */

export type NetPlan =
  { kind: 'host' } | { kind: 'isolated' } | { kind: 'policy'; cidrs: string[]; bridge: Bridge }

/**
 * The network a starting VM gets. What the fake cannot build (not root, or an
 * allowed IP that is not on a local bridge) is an error under
 * SMOLVM_FAKE_STRICT=1; otherwise the VM gets the closest thing it can — the
 * host network without root, no network for an unroutable policy — and
 * `warning` says so for agent-console.log.
 */
export function planNetwork(record: VmRecord): { plan: NetPlan; warning?: string } {
  const cidrs = record.allowedCidrs ?? []
  const wanted =
    cidrs.length > 0 ? 'policy' : record.network || record.ports.length > 0 ? 'host' : 'isolated'
  if (wanted === 'host') return { plan: { kind: 'host' } }
  const strict = process.env.SMOLVM_FAKE_STRICT === '1'
  const why = enforcementUnavailable()
  if (why) {
    if (strict) throw new Error(`cannot isolate the VM's network: ${why} (SMOLVM_FAKE_STRICT=1)`)
    return {
      plan: { kind: 'host' },
      warning: `network isolation NOT enforced (${why}); the VM uses the host network`,
    }
  }
  if (wanted === 'isolated') return { plan: { kind: 'isolated' } }
  const first = cidrs.find((c) => !c.includes(':'))
  try {
    if (!first) throw new Error('the policy has no IPv4 CIDR to route by')
    return { plan: { kind: 'policy', cidrs, bridge: bridgeFor(first.split('/')[0] as string) } }
  } catch (e) {
    if (strict)
      throw new Error(`cannot enforce --allow-cidr: ${(e as Error).message} (SMOLVM_FAKE_STRICT=1)`)
    return {
      plan: { kind: 'isolated' },
      warning: `cannot route the policy (${(e as Error).message}); the VM has no network`,
    }
  }
}

/** Owner files of the namespaces, for sweeping the ones whose VMM died. */
const REGISTRY = '/run/smolvm-fake-netns'
/** Held while choosing an address, building or sweeping namespaces: VMs of every HOME may share a bridge. */
const ALLOC_LOCK = join(REGISTRY, '.alloc')

function which(name: string): string | null {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/sbin',
    '/usr/bin',
    '/bin',
  ]
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name)
  return null
}

/** Why this process cannot enforce a policy, or null when it can. */
export function enforcementUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root'
  for (const tool of ['ip', 'iptables-restore']) if (!which(tool)) return `${tool} is not installed`
  return null
}

function run(file: string, args: string[], env?: Record<string, string>): string {
  return execFileSync(which(file) ?? file, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  })
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

/** smolvm adds the host's resolver to a policy (ensure_dns_in_cidrs): first non-loopback nameserver, else 1.1.1.1. */
function hostResolver(): string {
  try {
    for (const line of readFileSync('/etc/resolv.conf', 'utf8').split('\n')) {
      const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line)
      if (m && !(m[1] as string).startsWith('127.')) return m[1] as string
    }
  } catch {
    // no resolv.conf: smolvm's fallback
  }
  return '1.1.1.1'
}

interface Bridge {
  dev: string
  gateway: string
  prefix: number
}

/** The bridge a policy's first IPv4 address is directly reachable on. */
function bridgeFor(ip: string): Bridge {
  const route = JSON.parse(run('ip', ['-j', 'route', 'get', ip])) as {
    dev?: string
    gateway?: string
  }[]
  const dev = route[0]?.dev
  if (!dev || route[0]?.gateway || !existsSync(`/sys/class/net/${dev}/bridge`)) {
    throw new Error(`${ip} is not on a local bridge (route: ${JSON.stringify(route[0] ?? null)})`)
  }
  const addrs = JSON.parse(run('ip', ['-j', '-4', 'addr', 'show', 'dev', dev])) as {
    addr_info?: { local: string; prefixlen: number }[]
  }[]
  const inet = addrs[0]?.addr_info?.find((a) => {
    const mask = 2 ** (32 - a.prefixlen)
    return Math.floor(ipv4ToInt(a.local) / mask) === Math.floor(ipv4ToInt(ip) / mask)
  })
  if (!inet) throw new Error(`bridge ${dev} has no IPv4 address on ${ip}'s subnet`)
  return { dev, gateway: inet.local, prefix: inet.prefixlen }
}

/** A free address from the top of the bridge's subnet (docker allocates from the bottom). */
function freeAddress(bridge: Bridge, avoid: Set<string>): string {
  const neigh = JSON.parse(run('ip', ['-j', 'neigh', 'show', 'dev', bridge.dev])) as {
    dst: string
  }[]
  for (const n of neigh) avoid.add(n.dst)
  avoid.add(bridge.gateway)
  const size = 2 ** (32 - bridge.prefix)
  const network = Math.floor(ipv4ToInt(bridge.gateway) / size) * size
  for (let n = network + size - 2; n > network; n--) {
    const candidate = intToIpv4(n)
    if (!avoid.has(candidate)) return candidate
  }
  throw new Error(`no free address left on ${bridge.dev}`)
}

function rules(allowed: string[]): string {
  return [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT DROP [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT',
    '-A OUTPUT -o lo -j ACCEPT',
    '-A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT',
    ...allowed.map((c) => `-A OUTPUT -d ${c} -j ACCEPT`),
    '-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset',
    '-A OUTPUT -j REJECT --reject-with icmp-port-unreachable',
    'COMMIT',
    '',
  ].join('\n')
}

const SETUP_POLICY = `set -e
ip netns add "$NS"
ip link add "$VETH" type veth peer name eth0 netns "$NS"
ip link set "$VETH" master "$BR"
ip link set "$VETH" up
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$ADDR" dev eth0
ip -n "$NS" link set eth0 up
ip -n "$NS" route add default via "$GW"
printf '%s' "$RULES" | ip netns exec "$NS" iptables-restore
ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null || true
`

const SETUP_ISOLATED = `set -e
ip netns add "$NS"
ip -n "$NS" link set lo up
`

const TEARDOWN = `for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
ip netns del "$NS" 2>/dev/null || true
[ -z "$VETH" ] || ip link del "$VETH" 2>/dev/null || true
`

/** Namespace and veth names: unique per machine data dir, so equal machine names under different HOMEs never meet. */
function namesFor(vmDir: string): { ns: string; veth: string } {
  const h = createHash('sha256').update(vmDir).digest('hex').slice(0, 10)
  return { ns: `smolvm-fake-${h}`, veth: `vsf${h}` }
}

export function netnsNameFor(vmDir: string): string {
  return namesFor(vmDir).ns
}

interface Owner extends NetnsInfo {
  pid: number
  start: string | null
}

function owners(): Owner[] {
  let entries: string[]
  try {
    entries = readdirSync(REGISTRY).filter((e) => !e.startsWith('.'))
  } catch {
    return []
  }
  const found: Owner[] = []
  for (const ns of entries) {
    try {
      found.push(JSON.parse(readFileSync(join(REGISTRY, ns), 'utf8')) as Owner)
    } catch {
      // being written or removed right now
    }
  }
  return found
}

/**
 * Builds the namespace for a starting VM (the VMM is already running, so a
 * failure here leaves nothing behind once the caller kills it). Address
 * choice and registration happen under one host-wide lock: VMs of every
 * HOME may share a bridge.
 */
export function setupNetns(
  plan: Exclude<NetPlan, { kind: 'host' }>,
  vmDir: string,
  vmm: { pid: number; start: string | null },
): NetnsInfo {
  const { ns, veth } = namesFor(vmDir)
  mkdirSync(REGISTRY, { recursive: true })
  return withLock(ALLOC_LOCK, () => {
    teardownNetns({ name: ns, veth, address: null })
    let info: NetnsInfo
    try {
      if (plan.kind === 'isolated') {
        run('sh', ['-c', SETUP_ISOLATED], { NS: ns })
        info = { name: ns, veth: null, address: null }
      } else {
        const taken = owners().map((o) => o.address?.split('/')[0] ?? '')
        const avoid = new Set([...taken, ...plan.cidrs.map((c) => c.split('/')[0] as string)])
        const address = `${freeAddress(plan.bridge, avoid)}/${plan.bridge.prefix}`
        const allowed = [...plan.cidrs.filter((c) => !c.includes(':')), `${hostResolver()}/32`]
        run('sh', ['-c', SETUP_POLICY], {
          NS: ns,
          VETH: veth,
          BR: plan.bridge.dev,
          ADDR: address,
          GW: plan.bridge.gateway,
          RULES: rules(allowed),
        })
        info = { name: ns, veth, address }
      }
    } catch (e) {
      teardownNetns({ name: ns, veth, address: null })
      const err = e as Error & { stderr?: string }
      throw new Error(`${err.message}${err.stderr ? `: ${err.stderr.trim()}` : ''}`)
    }
    const owner: Owner = { ...info, pid: vmm.pid, start: vmm.start }
    writeFileSync(join(REGISTRY, ns), JSON.stringify(owner))
    return info
  })
}

export function teardownNetns(info: NetnsInfo): void {
  run('sh', ['-c', TEARDOWN], { NS: info.name, VETH: info.veth ?? '' })
  rmSync(join(REGISTRY, info.name), { force: true })
}

/**
 * Removes namespaces whose VMM is gone (killed, crashed, or its HOME deleted),
 * under the allocation lock so a namespace being rebuilt for a restart is never taken for stale.
 */
export function sweepStaleNetns(): void {
  if (!owners().some((o) => !vmmAlive(o.pid, o.start))) return
  withLock(ALLOC_LOCK, () => {
    for (const owner of owners()) if (!vmmAlive(owner.pid, owner.start)) teardownNetns(owner)
  })
}

/** How to run a command inside the VM's network. */
export function wrapCommand(info: NetnsInfo | null, argv: string[]): string[] {
  return info ? [which('ip') ?? 'ip', 'netns', 'exec', info.name, ...argv] : argv
}
