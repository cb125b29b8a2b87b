import { describe, expect, it } from 'vitest'
import { isPoolOverlap, SubnetAllocator } from './subnet'

describe('SubnetAllocator', () => {
  it('derives a stable /28 from the slug, with gateway .1, bundle .2 and the lower half for docker', () => {
    const a = new SubnetAllocator('10.213.0.0/16').reserve('claude-app-1a2b3c', [])
    const b = new SubnetAllocator('10.213.0.0/16').reserve('claude-app-1a2b3c', [])
    expect(a).toEqual(b)
    const base = a.subnet.replace(/\.\d+\/28$/, '')
    const last = Number(/\.(\d+)\/28$/.exec(a.subnet)?.[1])
    expect(last % 16).toBe(0)
    expect(a.gateway).toBe(`${base}.${last + 1}`)
    expect(a.bundleIp).toBe(`${base}.${last + 2}`)
    expect(a.ipRange).toBe(`${base}.${last}/29`)
  })

  it('skips subnets docker has, subnets reserved by launches in progress, and ones that failed', () => {
    const pool = new SubnetAllocator('10.213.1.0/26') // four /28s
    const first = pool.reserve('s1', ['10.213.1.0/28', '172.17.0.0/16', 'fd00::/64'])
    expect(first.subnet).not.toBe('10.213.1.0/28')
    const second = pool.reserve('s2', ['10.213.1.0/28'])
    expect(second.subnet).not.toBe(first.subnet)
    const free = ['10.213.1.16/28', '10.213.1.32/28', '10.213.1.48/28'].filter(
      (s) => s !== first.subnet && s !== second.subnet,
    )
    expect(free).toHaveLength(1)
    // The last free one failed for s3 (docker's "Pool overlaps"): nothing is left.
    expect(() => pool.reserve('s3', ['10.213.1.0/28'], new Set(free))).toThrow(/no free/)
    expect(pool.reserve('s3', ['10.213.1.0/28']).subnet).toBe(free[0])
  })

  it('says what to do when the pool is full', () => {
    const pool = new SubnetAllocator('10.213.2.0/28')
    pool.reserve('one', [])
    expect(() => pool.reserve('two', [])).toThrow(
      /no free \/28 left in the subnet pool 10\.213\.2\.0\/28.*BOT_BOTTLE_SUBNET_POOL/,
    )
    pool.release('one')
    expect(pool.reserve('two', []).subnet).toBe('10.213.2.0/28')
    // A docker network covering the whole pool blocks it too.
    expect(() => new SubnetAllocator('10.213.2.0/28').reserve('x', ['10.0.0.0/8'])).toThrow(
      /no free/,
    )
  })

  it('never hands one subnet to two slugs, and a slug holds one reservation', () => {
    const pool = new SubnetAllocator('10.213.3.0/24')
    const seen = new Set<string>()
    for (let i = 0; i < 16; i++) seen.add(pool.reserve(`slug-${i}`, []).subnet)
    expect(seen.size).toBe(16)
    expect(pool.reservedCount).toBe(16)
    pool.reserve('slug-0', [])
    expect(pool.reservedCount).toBe(16)
  })

  it('rejects a pool that is not an IPv4 range of /28 or larger', () => {
    expect(() => new SubnetAllocator('10.213.0.0/29')).toThrow(/\/28 or larger/)
    expect(() => new SubnetAllocator('nonsense')).toThrow(/\/28 or larger/)
    expect(() => new SubnetAllocator('fd00::/64')).toThrow(/\/28 or larger/)
  })

  it('recognizes docker’s overlap errors', () => {
    expect(
      isPoolOverlap(
        new Error('Error response from daemon: Pool overlaps with other one on this address space'),
      ),
    ).toBe(true)
    expect(
      isPoolOverlap(
        new Error(
          'Error response from daemon: failed to allocate gateway (10.213.64.225): Address already in use',
        ),
      ),
    ).toBe(true)
    expect(isPoolOverlap(new Error('network with name x already exists'))).toBe(false)
  })
})
