import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP } from './csp'
import { mainWindowOptions } from './window-options'

describe('main window options', () => {
  const opts = mainWindowOptions({
    preloadPath: '/app/out/preload/index.js',
    devTools: false,
    dark: false,
  })

  it('isolates and sandboxes the renderer', () => {
    expect(opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    })
  })

  it('enables no Blink features (checklist 10)', () => {
    expect(opts.webPreferences).not.toHaveProperty('enableBlinkFeatures')
  })

  it('sets a window icon only where given (Linux)', () => {
    expect(opts).not.toHaveProperty('icon')
    expect(
      mainWindowOptions({ preloadPath: '/p.js', devTools: false, dark: false, icon: '/r/icon.png' })
        .icon,
    ).toBe('/r/icon.png')
  })

  it('keeps a hidden dashboard acknowledging terminal output (no background throttling)', () => {
    expect(opts.webPreferences.backgroundThrottling).toBe(false)
  })

  it('shows the window only when ready and uses the given preload', () => {
    expect(opts.show).toBe(false)
    expect(opts.webPreferences.preload).toBe('/app/out/preload/index.js')
  })

  it('refuses a relative preload path', () => {
    expect(() =>
      mainWindowOptions({ preloadPath: 'preload.js', devTools: false, dark: true }),
    ).toThrow(/absolute/)
  })
})

describe('renderer CSP', () => {
  it('is the policy index.html carries', () => {
    const html = readFileSync(join(__dirname, '..', '..', 'src-renderer', 'index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBe(RENDERER_CSP)
  })

  it('allows no inline or remote script, and inline styles only (xterm)', () => {
    expect(RENDERER_CSP).toContain("script-src 'self';")
    expect(RENDERER_CSP).not.toMatch(/script-src[^;]*unsafe/)
    expect(RENDERER_CSP).toContain("style-src 'self' 'unsafe-inline'")
    expect(RENDERER_CSP).toContain("object-src 'none'")
  })
})
