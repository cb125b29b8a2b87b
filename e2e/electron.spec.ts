import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PreloadBridge } from '../src-shared/rpc/transport'
import { electronBinary, NO_ELECTRON } from './electron-binary'

const ROOT = join(__dirname, '..')
const binary = electronBinary()

test.describe('desktop app (Electron)', () => {
  test.skip(!binary, NO_ELECTRON)

  let home: string
  let app: ElectronApplication | undefined

  // Never the user's own data, settings, bottles or smolvm: a throw-away home
  // for the app, for Electron's userData (XDG_CONFIG_HOME) and for the fake smolvm.
  test.beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bb-electron-window-'))
    const fakeHome = join(home, 'fake-home')
    const env = {
      ...process.env,
      HOME: fakeHome,
      XDG_CONFIG_HOME: join(fakeHome, 'config'),
      XDG_DATA_HOME: join(fakeHome, 'data'),
      XDG_CACHE_HOME: join(fakeHome, 'cache'),
      BOT_BOTTLE_HOME: home,
      BOT_BOTTLE_SMOLVM: join(ROOT, 'out', 'test-tools', 'fake-smolvm'),
    }
    app = await electron.launch({
      executablePath: binary!,
      args: [ROOT],
      env: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    })
  })

  test.afterAll(async () => {
    await app?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  test('opens the dashboard window sandboxed, with the bridge and nothing else', async () => {
    const win = await app!.firstWindow()
    await expect(win.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
    const globals = await win.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      bridgeKeys: Object.keys((window as unknown as { botBottle: object }).botBottle).sort(),
    }))
    expect(globals).toEqual({ require: 'undefined', bridgeKeys: ['onMessage', 'send'] })
    // The backend runs on the isolated home, not the user's (asked through the bridge itself).
    const info = await win.evaluate(
      () =>
        new Promise<{ dataDir: string }>((resolve) => {
          const bridge = (window as unknown as { botBottle: PreloadBridge }).botBottle
          const off = bridge.onMessage((text) => {
            const m = JSON.parse(text) as { t: string; id: number; result: { dataDir: string } }
            if (m.t === 'result' && m.id === 1e9) resolve(m.result)
            if (m.id === 1e9) off()
          })
          bridge.send(JSON.stringify({ t: 'call', id: 1e9, method: 'app.info', params: {} }))
        }),
    )
    expect(info.dataDir.startsWith(home)).toBe(true)
    // Electron's own profile (userData) follows XDG_CONFIG_HOME on Linux.
    if (process.platform === 'linux') {
      const userData = await app!.evaluate(({ app: a }) => a.getPath('userData'))
      expect(userData.startsWith(home)).toBe(true)
    }
  })
})
