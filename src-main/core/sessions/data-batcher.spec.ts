import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataBatcher } from './data-batcher'

describe('DataBatcher', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('coalesces chunks until the throttle fires', () => {
    vi.useFakeTimers()
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d), 5, 1000)
    b.push('a')
    b.push('b')
    b.push('')
    expect(out).toEqual([])
    expect(b.pendingChars).toBe(2)
    vi.advanceTimersByTime(5)
    expect(out).toEqual(['ab'])
    b.push('c')
    vi.advanceTimersByTime(5)
    expect(out).toEqual(['ab', 'c'])
  })

  it('flushes at once past the size cap, never cutting a chunk', () => {
    vi.useFakeTimers()
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d), 5, 10)
    b.push('12345')
    b.push('6789😀')
    expect(out).toEqual(['123456789😀'])
    b.push('x'.repeat(25))
    expect(out[1]).toBe('x'.repeat(25))
    expect(b.pendingChars).toBe(0)
    vi.advanceTimersByTime(10)
    expect(out).toHaveLength(2)
  })

  it('flush is explicit and dispose drops pending data', () => {
    vi.useFakeTimers()
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d))
    b.push('a')
    b.flush()
    b.flush()
    expect(out).toEqual(['a'])
    b.push('b')
    b.dispose()
    vi.advanceTimersByTime(100)
    expect(out).toEqual(['a'])
  })
})
