import { describe, expect, it } from 'vitest'
import { chunkInput } from './input-chunks'

describe('chunkInput', () => {
  it('keeps short input whole', () => {
    expect(chunkInput('ls -la\r')).toEqual(['ls -la\r'])
    expect(chunkInput('')).toEqual([])
  })

  it('splits long input into bounded chunks that join back', () => {
    const text = 'abcdefghij'.repeat(30)
    const chunks = chunkInput(text, 64)
    expect(chunks.join('')).toBe(text)
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64)
  })

  it('never splits a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(100)
    const chunks = chunkInput(text, 8)
    expect(chunks.join('')).toBe(text)
    for (const c of chunks)
      expect(c).toBe(String.fromCodePoint(...[...c].map((ch) => ch.codePointAt(0)!)))
    for (const c of chunks) expect(/[\ud800-\udbff]$/.test(c)).toBe(false)
  })

  it('cuts before an escape sequence rather than through it', () => {
    const text = 'x'.repeat(10) + '\x1b[200~pasted\x1b[201~'
    const chunks = chunkInput(text, 16)
    expect(chunks.join('')).toBe(text)
    expect(chunks[0]).toBe('x'.repeat(10))
    expect(chunks[1]!.startsWith('\x1b[200~')).toBe(true)
  })
})
