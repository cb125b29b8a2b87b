// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { rememberSession, rememberedSession } from './session-memory'

afterEach(() => {
  vi.restoreAllMocks()
  window.sessionStorage.clear()
})

describe('session memory', () => {
  it('keeps one choice per bottle', () => {
    expect(rememberedSession('b1')).toBeNull()
    rememberSession('b1', 's2')
    rememberSession('b2', 's9')
    rememberSession('b1', 's3')
    expect(rememberedSession('b1')).toBe('s3')
    expect(rememberedSession('b2')).toBe('s9')
  })

  it('does without storage when the browser refuses it', () => {
    // Where storage is off, even reading window.sessionStorage throws.
    vi.spyOn(window, 'sessionStorage', 'get').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError')
    })
    expect(() => rememberSession('b1', 's1')).not.toThrow()
    expect(rememberedSession('b1')).toBeNull()
  })
})
