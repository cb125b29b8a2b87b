import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP } from './csp'
import { mainWindowOptions } from './window-options'

describe('main window options', () => {
  const opts = mainWindowOptions({
    platform: 'linux',
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
      mainWindowOptions({
        platform: 'linux',
        preloadPath: '/p.js',
        devTools: false,
        dark: false,
        icon: '/r/icon.png',
      }).icon,
    ).toBe('/r/icon.png')
  })

  it('keeps a hidden dashboard acknowledging terminal output (no background throttling)', () => {
    expect(opts.webPreferences.backgroundThrottling).toBe(false)
  })

  it('shows the window only when ready and uses the given preload', () => {
    expect(opts.show).toBe(false)
    expect(opts.webPreferences.preload).toBe('/app/out/preload/index.js')
  })

  const preloadOn = (platform: NodeJS.Platform, preloadPath: string): string =>
    mainWindowOptions({ platform, preloadPath, devTools: false, dark: true }).webPreferences.preload

  it('takes an absolute preload path on macOS and Linux, refuses a relative one', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      expect(preloadOn(platform, '/Applications/Bot Bottle.app/preload/index.js')).toBe(
        '/Applications/Bot Bottle.app/preload/index.js',
      )
      for (const relative of ['preload.js', './out/preload.js', 'C:\\app\\preload.js']) {
        expect(() => preloadOn(platform, relative)).toThrow(/absolute/)
      }
    }
  })

  it('takes Windows drive and UNC paths on Windows, refuses a relative one', () => {
    const win = 'C:\\Program Files\\Bot Bottle\\resources\\app.asar\\out\\preload\\index.js'
    expect(preloadOn('win32', win)).toBe(win)
    expect(preloadOn('win32', '\\\\server\\share\\preload.js')).toBe(
      '\\\\server\\share\\preload.js',
    )
    for (const relative of ['preload.js', 'out\\preload.js', 'C:preload.js']) {
      expect(() => preloadOn('win32', relative)).toThrow(/absolute/)
    }
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
