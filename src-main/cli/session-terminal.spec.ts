import { describe, expect, it } from 'vitest'
import { AltScreenTracker, splitInput } from './session-terminal'

describe('splitInput', () => {
  it('keeps parts within the limit and the text whole', () => {
    expect(splitInput('')).toEqual([])
    expect(splitInput('abcdefg', 3)).toEqual(['abc', 'def', 'g'])
  })

  it('never cuts a surrogate pair in two', () => {
    const parts = splitInput('ab🍾cd', 3)
    expect(parts).toEqual(['ab', '🍾c', 'd'])
    expect(parts.join('')).toBe('ab🍾cd')
  })
})

describe('AltScreenTracker', () => {
  it('follows the last switch, also when a sequence is split across chunks', () => {
    const t = new AltScreenTracker()
    t.see('plain text')
    expect(t.active).toBe(false)
    t.see('\x1b[?104')
    t.see('9h full screen')
    expect(t.active).toBe(true)
    t.see('\x1b[?1049l\x1b[?47h')
    expect(t.active).toBe(true)
    t.see('x\x1b[?4')
    t.see('7l')
    expect(t.active).toBe(false)
  })
})
