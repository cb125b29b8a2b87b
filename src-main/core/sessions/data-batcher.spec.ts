import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DataBatcher } from './data-batcher'

describe('DataBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends output after a quiet spell at once, and coalesces what follows', () => {
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d), 5, 1000)
    b.push('echo')
    expect(out).toEqual(['echo'])
    b.push('a')
    b.push('b')
    b.push('')
    expect(out).toEqual(['echo'])
    expect(b.pendingChars).toBe(2)
    vi.advanceTimersByTime(5)
    expect(out).toEqual(['echo', 'ab'])
    vi.advanceTimersByTime(50)
    b.push('c')
    expect(out).toEqual(['echo', 'ab', 'c'])
  })

  it('flushes at once past the size cap, never cutting a chunk', () => {
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d), 5, 10)
    b.push('first')
    b.push('12345')
    b.push('6789😀')
    expect(out).toEqual(['first', '123456789😀'])
    b.push('x'.repeat(25))
    expect(out[2]).toBe('x'.repeat(25))
    expect(b.pendingChars).toBe(0)
    vi.advanceTimersByTime(10)
    expect(out).toHaveLength(3)
  })

  it('flush is explicit and dispose drops pending data', () => {
    const out: string[] = []
    const b = new DataBatcher((d) => out.push(d))
    b.push('a')
    b.push('b')
    b.flush()
    b.flush()
    expect(out).toEqual(['a', 'b'])
    b.push('c')
    b.dispose()
    vi.advanceTimersByTime(100)
    expect(out).toEqual(['a', 'b'])
  })
})
