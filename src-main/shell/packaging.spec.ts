import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { APP_ID } from './app-identity'
import { ELECTRON_FUSES } from './security-policy'

const ROOT = join(__dirname, '..', '..')
/** The parts of the configuration these tests read. */
interface BuilderConfig {
  appId: string
  files: string[]
  asarUnpack: string[]
  npmRebuild: boolean
  electronFuses: Record<string, boolean>
  mac: { target: unknown; icon: string; extendInfo: Record<string, unknown> }
  linux: { target: unknown; icon: string }
}
const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string | undefined>
  dependencies: Record<string, string>
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own configuration schema', async () => {
    const require = createRequire(__filename)
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>
    }
    await expect(
      validateConfiguration(config, { isEnabled: false, add() {} }),
    ).resolves.toBeUndefined()
    // …and that check can fail:
    await expect(
      validateConfiguration(
        { ...config, mac: { ...config.mac, dockIcon: false } },
        { isEnabled: false, add() {} },
      ),
    ).rejects.toThrow(/configuration/)
  })

  it('builds a dmg for Apple Silicon, an AppImage and a deb', () => {
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: 'arm64' }])
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.appId).toBe(APP_ID)
  })

  it('is a menu-bar app on macOS (no Dock icon)', () => {
    expect(config.mac.extendInfo.LSUIElement).toBe(true)
  })

  it('ships the build output and resources, keeps node-pty and resources real files, never rebuilds', () => {
    expect(config.files).toEqual(
      expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']),
    )
    expect(config.files).not.toContain('out/**')
    expect(config.files).toContain('resources/**')
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['node_modules/node-pty/**', 'resources/**']),
    )
    expect(config.npmRebuild).toBe(false)
    expect(pkg.scripts.postinstall ?? '').not.toContain('install-app-deps')
    expect(pkg.dependencies['node-pty']).toBeDefined()
    expect(pkg.scripts.dist).toBe(
      'electron-vite build && node resources/bundle/build.mjs --out resources/bundle/dist && electron-builder --config electron-builder.yml',
    )
  })

  it('flips the fuses the security policy asks for (checklist 19)', () => {
    expect(config.electronFuses).toEqual(ELECTRON_FUSES)
    expect(ELECTRON_FUSES).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    })
  })

  it('names icons that exist: an .icns for macOS, a folder of sized PNGs for Linux', () => {
    const icns = join(ROOT, config.mac.icon)
    expect(readFileSync(icns).subarray(0, 4).toString('ascii')).toBe('icns')
    const dir = join(ROOT, config.linux.icon)
    expect(statSync(dir).isDirectory()).toBe(true)
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(existsSync(join(dir, `${size}x${size}.png`)), `${size}x${size}.png`).toBe(true)
    }
  })
})
