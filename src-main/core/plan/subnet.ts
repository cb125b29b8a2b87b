import { createHash } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import { RpcError } from '../../../src-shared/rpc/errors'

/** The pool per-bottle /28s come from unless BOT_BOTTLE_SUBNET_POOL says otherwise. */
export const DEFAULT_SUBNET_POOL = '10.213.0.0/16'
const BLOCK_PREFIX = 28
const BLOCK_SIZE = 2 ** (32 - BLOCK_PREFIX)

/** One bottle's docker network addresses. */
export interface SubnetChoice {
  subnet: string
  gateway: string
  /** The bundle container's pinned address. */
  bundleIp: string
  /** The lower half: docker allocates only here, the fake smolvm takes addresses from the top. */
  ipRange: string
}

interface Range {
  start: number
  end: number
}

/**
 * Hands out /28s from a pool: the first candidate is derived from the slug (so
 * a bottle's addresses are stable and spread), then the next ones in order,
 * skipping any that overlap an existing docker network or one reserved by a
 * launch still in progress in this process.
 */
export class SubnetAllocator {
  private readonly pool: Range
  private readonly count: number
  /** By slug: a bottle holds one reservation, from planning until its network is gone. */
  private readonly reserved = new Map<string, { subnet: string; range: Range }>()

  constructor(readonly poolCidr: string = DEFAULT_SUBNET_POOL) {
    const range = parseIPv4Cidr(poolCidr)
    const prefix = Number(poolCidr.split('/')[1])
    if (!range || prefix > BLOCK_PREFIX) {
      throw new RpcError(
        'INVALID_PARAMS',
        `subnet pool ${poolCidr}: expected an IPv4 CIDR of /${BLOCK_PREFIX} or larger, e.g. ${DEFAULT_SUBNET_POOL}`,
      )
    }
    this.pool = range
    this.count = (range.end - range.start + 1) / BLOCK_SIZE
  }

  /**
   * Reserves the slug's first free /28, replacing the slug's earlier one.
   * `taken` are the subnets docker already has; `skip` are ones that failed
   * for this bottle (docker's "Pool overlaps").
   */
  reserve(
    slug: string,
    taken: readonly string[],
    skip: ReadonlySet<string> = new Set(),
  ): SubnetChoice {
    this.reserved.delete(slug)
    const blocked = [
      ...taken.map(parseIPv4Cidr).filter((r): r is Range => r !== null),
      ...[...this.reserved.values()].map((r) => r.range),
    ]
    const first = createHash('sha256').update(slug).digest().readUInt32BE(0) % this.count
    for (let i = 0; i < this.count; i++) {
      const start = this.pool.start + ((first + i) % this.count) * BLOCK_SIZE
      const block = { start, end: start + BLOCK_SIZE - 1 }
      const subnet = `${toIp(start)}/${BLOCK_PREFIX}`
      if (skip.has(subnet) || blocked.some((b) => overlaps(b, block))) continue
      this.reserved.set(slug, { subnet, range: block })
      return {
        subnet,
        gateway: toIp(start + 1),
        bundleIp: toIp(start + 2),
        ipRange: `${toIp(start)}/${BLOCK_PREFIX + 1}`,
      }
    }
    throw new RpcError(
      'PRECONDITION',
      `no free /${BLOCK_PREFIX} left in the subnet pool ${this.poolCidr}: stop some bottles, remove unused docker networks, or set BOT_BOTTLE_SUBNET_POOL to a larger free range`,
    )
  }

  release(slug: string): void {
    this.reserved.delete(slug)
  }

  get reservedCount(): number {
    return this.reserved.size
  }
}

/** docker's answer when a subnet overlaps another network's. */
export function isPoolOverlap(e: unknown): boolean {
  const text =
    e instanceof Error
      ? `${e.message}\n${JSON.stringify((e as { details?: unknown }).details ?? '')}`
      : String(e)
  return /pool overlaps|overlaps with other one|failed to allocate gateway .*address already in use/i.test(
    text,
  )
}

function parseIPv4Cidr(cidr: string): Range | null {
  try {
    const [addr, prefix] = ipaddr.parseCIDR(cidr)
    if (addr.kind() !== 'ipv4') return null
    const base = addr.toByteArray().reduce((n, b) => n * 256 + b, 0)
    const size = 2 ** (32 - prefix)
    const start = base - (base % size)
    return { start, end: start + size - 1 }
  } catch {
    return null
  }
}

function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}
