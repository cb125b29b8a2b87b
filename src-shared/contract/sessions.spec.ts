import { describe, expect, it } from 'vitest'
import { SESSION_INPUT_MAX_CHARS, sessionMethods, splitSessionInput } from './sessions'

describe('splitSessionInput', () => {
  it('keeps parts within the limit and the text whole', () => {
    expect(splitSessionInput('')).toEqual([])
    expect(splitSessionInput('abcdefg', 3)).toEqual(['abc', 'def', 'g'])
  })

  it('never cuts a surrogate pair in two', () => {
    const parts = splitSessionInput('ab🍾cd', 3)
    expect(parts).toEqual(['ab', '🍾c', 'd'])
    expect(parts.join('')).toBe('ab🍾cd')
  })

  it('makes a paste larger than one call allows into calls the contract accepts', () => {
    const paste = `${'x'.repeat(SESSION_INPUT_MAX_CHARS)}🍾`
    const parts = splitSessionInput(paste)
    expect(parts.join('')).toBe(paste)
    const input = sessionMethods['sessions.input'].input
    expect(input.safeParse({ sessionId: 's1', data: paste }).success).toBe(false)
    for (const data of parts) expect(input.safeParse({ sessionId: 's1', data }).success).toBe(true)
  })
})
