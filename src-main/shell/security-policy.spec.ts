import { describe, expect, it } from 'vitest'
import {
  APP_ORIGIN,
  externalUrlToOpen,
  isAllowedNavigation,
  isTrustedSender,
  permissionAllowed,
} from './security-policy'

describe('navigation (checklist 13)', () => {
  it('stays inside the app origin', () => {
    expect(isAllowedNavigation('bot-bottle://app/index.html#x', APP_ORIGIN)).toBe(true)
    expect(isAllowedNavigation('https://example.com/', APP_ORIGIN)).toBe(false)
    expect(isAllowedNavigation('bot-bottle://evil/index.html', APP_ORIGIN)).toBe(false)
    expect(isAllowedNavigation('file:///etc/passwd', APP_ORIGIN)).toBe(false)
    expect(isAllowedNavigation('not a url', APP_ORIGIN)).toBe(false)
  })

  it('compares parsed origins, not prefixes', () => {
    expect(isAllowedNavigation('http://localhost:5173.evil.com/', 'http://localhost:5173')).toBe(
      false,
    )
    expect(isAllowedNavigation('http://localhost:5173/x', 'http://localhost:5173')).toBe(true)
  })
})

describe('external links (checklist 14/15)', () => {
  it('opens only https URLs without credentials', () => {
    expect(externalUrlToOpen('https://docs.anthropic.com/x')).toBe('https://docs.anthropic.com/x')
    expect(externalUrlToOpen('http://example.com')).toBeNull()
    expect(externalUrlToOpen('file:///etc/passwd')).toBeNull()
    expect(externalUrlToOpen('javascript:alert(1)')).toBeNull()
    expect(externalUrlToOpen('smb://share/x')).toBeNull()
    expect(externalUrlToOpen('https://user:pw@example.com')).toBeNull()
  })
})

describe('IPC sender (checklist 17)', () => {
  const good = { frameUrl: 'bot-bottle://app/index.html', isTopFrame: true, isOwnWindow: true }
  it('accepts the app window’s top frame only', () => {
    expect(isTrustedSender(good, APP_ORIGIN)).toBe(true)
    expect(isTrustedSender({ ...good, isTopFrame: false }, APP_ORIGIN)).toBe(false)
    expect(isTrustedSender({ ...good, isOwnWindow: false }, APP_ORIGIN)).toBe(false)
    expect(isTrustedSender({ ...good, frameUrl: 'https://evil.example/' }, APP_ORIGIN)).toBe(false)
    expect(isTrustedSender({ ...good, frameUrl: null }, APP_ORIGIN)).toBe(false)
  })
})

describe('permissions (checklist 5)', () => {
  it('denies everything but the clipboard, which only the app’s own page gets', () => {
    const page = `${APP_ORIGIN}/index.html#/bottles/b1/terminal`
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'midi']) {
      expect(permissionAllowed(p, page, APP_ORIGIN)).toBe(false)
    }
    for (const p of ['clipboard-read', 'clipboard-sanitized-write']) {
      expect(permissionAllowed(p, page, APP_ORIGIN)).toBe(true)
      expect(permissionAllowed(p, APP_ORIGIN, APP_ORIGIN)).toBe(true)
      for (const other of [
        'https://evil.example/',
        'bot-bottle://other/',
        `https://app.example.com.attacker.com/${APP_ORIGIN}`,
        'not a url',
        null,
        undefined,
      ]) {
        expect(permissionAllowed(p, other, APP_ORIGIN)).toBe(false)
      }
    }
  })
})
