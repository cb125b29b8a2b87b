import { describe, expect, it } from 'vitest'
import { AckBuffer } from './flow-ack'
import { FNV_OFFSET, fnv1a } from './checksum'

describe('AckBuffer', () => {
  it('acknowledges whole units, in one message per write, and holds back less than one', () => {
    const sent: number[] = []
    const ack = new AckBuffer((n) => sent.push(n), 5000)
    ack.written(4999)
    expect(sent).toEqual([])
    ack.written(1)
    expect(sent).toEqual([5000])
    ack.written(12_345)
    expect(sent).toEqual([5000, 10_000])
    ack.written(2654)
    expect(sent).toEqual([5000, 10_000])
    ack.written(1)
    expect(sent).toEqual([5000, 10_000, 5000])
    ack.reset()
    ack.written(4000)
    expect(sent).toHaveLength(3)
  })

  it('ignores output of an earlier stream written after a reset', () => {
    const sent: number[] = []
    const ack = new AckBuffer((n) => sent.push(n), 5000)
    const before = ack.stream
    ack.reset()
    ack.written(30_000, before)
    expect(sent).toEqual([])
    ack.written(5000, ack.stream)
    expect(sent).toEqual([5000])
  })
})

describe('fnv1a', () => {
  it('matches the reference values and resumes across chunks', () => {
    expect(fnv1a('')).toBe(FNV_OFFSET)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
    expect(fnv1a('bar', fnv1a('foo'))).toBe(fnv1a('foobar'))
  })
})
