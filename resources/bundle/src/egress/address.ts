import ipaddr from 'ipaddr.js'

/**
 * How the proxy treats a destination address:
 * - `public`: globally routable; any matching name rule may reach it.
 * - `guarded`: private, link-local, cloud metadata, CGNAT, ULA, reserved…;
 *   reachable only when an IP-literal rule names this very address (the
 *   DNS-rebinding guard: a name must never lead into the host's networks).
 * - `never`: loopback, unspecified, multicast, broadcast. Loopback inside the
 *   bundle is the bundle itself (its admin port), so no rule can open it.
 */
export type AddressVerdict = 'public' | 'guarded' | 'never'

export interface AddressClass {
  verdict: AddressVerdict
  /** A word for humans: `private`, `loopback`, `cloud metadata`, … */
  label: string
  /** The canonical text of the address (IPv4-mapped IPv6 as IPv4). */
  address: string
}

/** Instance-metadata endpoints (AWS, GCP, Azure, OCI, Alibaba), named so the log says what was refused. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200'])

const WELL_KNOWN_NAT64 = ipaddr.IPv6.parse('64:ff9b::')

const NEVER = new Set(['loopback', 'unspecified', 'multicast', 'broadcast'])

const LABELS: Record<string, string> = {
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique local (ULA)',
  reserved: 'reserved',
  deprecatedSiteLocal: 'site-local',
  loopback: 'loopback',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
}

/** Canonical text of an IP literal, or null when `text` is not one (strict forms only). */
export function canonicalIp(text: string): string | null {
  if (!ipaddr.isValid(text)) return null
  // isValid also accepts legacy forms (0x7f.1, 2130706433); rules and checks use strict ones.
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return null
  return ipaddr.process(text).toString()
}

export function classifyAddress(text: string): AddressClass {
  const addr = ipaddr.process(text)
  const address = addr.toString()
  if (METADATA.has(address)) return { verdict: 'guarded', label: 'cloud metadata', address }
  const range = addr.range()
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).match(WELL_KNOWN_NAT64, 96)) {
    // NAT64 (64:ff9b::/96): the embedded IPv4 address is where the packets go.
    const b = (addr as ipaddr.IPv6).toByteArray().slice(12)
    const inner = classifyAddress(b.join('.'))
    return { ...inner, address, label: `NAT64 of ${inner.address} (${inner.label})` }
  }
  if (range === 'unicast') return { verdict: 'public', label: 'public', address }
  return { verdict: NEVER.has(range) ? 'never' : 'guarded', label: LABELS[range] ?? range, address }
}
