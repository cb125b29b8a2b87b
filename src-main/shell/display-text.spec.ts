import { describe, expect, it } from 'vitest'
import {
  elapsedSince,
  formatDuration,
  middleEllipsis,
  shortenPath,
  tildify,
  truncateEnd,
} from './display-text'

describe('display text', () => {
  it('puts ~ for the home folder, only at a folder boundary', () => {
    expect(tildify('/home/me/code/app', '/home/me')).toBe('~/code/app')
    expect(tildify('/home/me', '/home/me/')).toBe('~')
    expect(tildify('/home/meadow/x', '/home/me')).toBe('/home/meadow/x')
    expect(tildify('/srv/x', '')).toBe('/srv/x')
  })

  it('keeps short paths whole', () => {
    expect(shortenPath('/home/me/code/app', '/home/me', 40)).toBe('~/code/app')
  })

  it('keeps the first segment and as many trailing folders as fit', () => {
    const p = '/home/me/work/clients/acme/platform/services/billing-api'
    const s = shortenPath(p, '/home/me', 33)
    expect(s).toBe('~/…/platform/services/billing-api')
    expect(shortenPath(p, '/home/me', 32)).toBe('~/…/services/billing-api')
    expect(shortenPath('/srv/data/projects/very/deep/tree/app', '/home/me', 20)).toBe(
      '/…/deep/tree/app',
    )
  })

  it('middle-ellipsizes a last folder too long to keep whole', () => {
    const s = shortenPath(`/home/me/${'a'.repeat(30)}-${'z'.repeat(30)}`, '/home/me', 24)
    expect(Array.from(s).length).toBe(24)
    expect(s.startsWith('~/aaa')).toBe(true)
    expect(s.endsWith('zzz')).toBe(true)
    expect(s).toContain('…')
  })

  it('never cuts a character in half', () => {
    const emoji = '🍾'.repeat(30)
    const m = middleEllipsis(emoji, 9)
    expect(Array.from(m)).toHaveLength(9)
    expect(m).toBe('🍾🍾🍾🍾…🍾🍾🍾🍾')
    expect(truncateEnd('🍾🍾🍾', 2)).toBe('🍾…')
    expect(truncateEnd('short', 10)).toBe('short')
  })

  it('formats durations coarsely', () => {
    expect(formatDuration(0)).toBe('0 s')
    expect(formatDuration(45_400)).toBe('45 s')
    expect(formatDuration(12 * 60_000 + 5_000)).toBe('12 min')
    expect(formatDuration(65 * 60_000)).toBe('1 h 05 min')
    expect(formatDuration((3 * 24 + 4) * 3_600_000 + 1)).toBe('3 d 4 h')
    expect(formatDuration(-5)).toBe('0 s')
  })

  it('measures elapsed time from ISO strings, never negative', () => {
    const now = Date.parse('2025-01-01T10:10:00Z')
    expect(elapsedSince('2025-01-01T10:00:00Z', now)).toBe(600_000)
    expect(elapsedSince('2025-01-01T11:00:00Z', now)).toBe(0)
    expect(elapsedSince('garbage', now)).toBeNull()
    expect(elapsedSince(null, now)).toBeNull()
  })
})
