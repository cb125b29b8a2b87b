import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { IPC_CHANNEL } from '../../src-shared/rpc/transport'
import { TEST_HOOKS_GLOBAL, type ShellTestHooks } from '../shell/test-hooks'
import type { MenuEntry } from '../shell/tray-menu'
import { APP_ID } from '../shell/app-identity'
import { app, fake, ipcMain, session } from './fake-electron'
import type * as PlatformPresence from './platform-presence'
import { presentAsMenuBarApp, wasOpenedAtLogin } from './platform-presence'

vi.mock('electron', () => import('./fake-electron'))
/** The platform main passes to the per-platform setup (the real one runs too). */
const presented = vi.hoisted(() => [] as string[])
vi.mock('./platform-presence', async (importOriginal) => {
  const real = await importOriginal<typeof PlatformPresence>()
  return {
    ...real,
    presentAsMenuBarApp: (platform: NodeJS.Platform) => {
      presented.push(platform)
      real.presentAsMenuBarApp(platform)
    },
  }
})

// The whole entry on a fake Electron and the real backend (fake smolvm, a
// temp BOT_BOTTLE_HOME): what is installed before ready, what ready builds,
// and that quitting releases it.
const ROOT = join(__dirname, '..', '..')
let home: string
const hooks = (): ShellTestHooks | undefined =>
  (globalThis as Record<string, unknown>)[TEST_HOOKS_GLOBAL] as ShellTestHooks | undefined
const labels = (entries: MenuEntry[]): string[] =>
  entries.flatMap((e) =>
    e.kind === 'separator' ? [] : [e.label, ...(e.kind === 'submenu' ? labels(e.entries) : [])],
  )

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'bb-main-'))
  vi.stubEnv('BOT_BOTTLE_HOME', home)
  vi.stubEnv('BOT_BOTTLE_SMOLVM', join(ROOT, 'out', 'test-tools', 'fake-smolvm'))
  vi.stubEnv('XDG_DATA_HOME', join(home, 'xdg-data'))
  vi.stubEnv('XDG_CACHE_HOME', join(home, 'xdg-cache'))
  vi.stubEnv('BOT_BOTTLE_TEST_HOOKS', '1')
})

afterAll(() => {
  vi.unstubAllEnvs()
  delete (globalThis as Record<string, unknown>)[TEST_HOOKS_GLOBAL]
  rmSync(home, { recursive: true, force: true })
})

describe('electron main', () => {
  it('installs sandbox, scheme, single-instance lock and security before ready, then the shell', async () => {
    await import('./main')
    expect(fake.calls.slice(0, 2)).toEqual(['enableSandbox', 'requestSingleInstanceLock'])
    expect(fake.schemes).toEqual([
      { scheme: 'bot-bottle', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ])
    expect(app.listenerCount('web-contents-created')).toBe(1)
    expect(app.listenerCount('session-created')).toBe(1)

    const shell = await vi.waitFor(() => {
      expect(hooks()).toBeDefined()
      return hooks()!
    })
    // The tray reflects the real backend, reached through the contract in-process.
    await vi.waitFor(
      () => {
        expect(labels(shell.trayMenu())).toEqual(
          expect.arrayContaining(['No bottles running', 'New Bottle', 'claude']),
        )
      },
      { timeout: 20_000 },
    )
    expect(session.defaultSession.permissionRequest).toBeTypeOf('function')
    expect(fake.calls).toContain('protocol.handle bot-bottle')
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(1)
    expect(fake.loads).toEqual(['bot-bottle://app/index.html'])
    expect(fake.trays).toHaveLength(1)
    // This host's platform (Linux here): no Dock to hide, no AppUserModelID.
    expect(presented).toEqual([process.platform])
    if (process.platform === 'linux') {
      expect(fake.calls.filter((c) => /dock|AppUserModelId/.test(c))).toEqual([])
    }
  })

  it('shows the running dashboard when started again', () => {
    const win = fake.windows[0]!
    const before = win.shown
    app.fire('second-instance', {}, [], '/')
    expect(win.shown).toBe(before + 1)
  })

  it('leaves bottles running on a quit it did not start, and releases everything', () => {
    const e = { defaultPrevented: false, preventDefault: () => (e.defaultPrevented = true) }
    app.fire('before-quit', e)
    expect(e.defaultPrevented).toBe(false)
    app.fire('will-quit')
    expect(fake.trays[0]!.destroyed).toBe(true)
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0)
    // The window may now close for real.
    fake.windows[0]!.close()
    expect(fake.windows[0]!.destroyed).toBe(true)
  })

  it('hides the Dock icon on macOS and sets the AppUserModelID on Windows, nothing on Linux', () => {
    const platformCalls = (platform: NodeJS.Platform): string[] => {
      fake.calls = []
      presentAsMenuBarApp(platform)
      return fake.calls
    }
    expect(platformCalls('darwin')).toEqual(['dock.hide'])
    expect(platformCalls('win32')).toEqual([`setAppUserModelId ${APP_ID}`])
    expect(platformCalls('linux')).toEqual([])
  })

  it('asks macOS only whether it was opened at login', () => {
    const settings = vi
      .spyOn(app, 'getLoginItemSettings')
      .mockReturnValue({ openAtLogin: true, wasOpenedAtLogin: true })
    expect(wasOpenedAtLogin('darwin')).toBe(true)
    expect(wasOpenedAtLogin('linux')).toBe(false)
    expect(wasOpenedAtLogin('win32')).toBe(false)
    expect(settings).toHaveBeenCalledOnce()
    settings.mockRestore()
  })
})
