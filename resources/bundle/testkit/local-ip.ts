import { networkInterfaces } from 'node:os'

/**
 * A non-loopback IPv4 address of this machine. The proxy never connects to
 * loopback, so in-process tests and benchmarks put their upstream here (and
 * allow it with an IP rule). Null when the machine has none.
 */
export function localNonLoopbackIPv4(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return null
}
