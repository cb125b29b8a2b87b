import { _electron as electron, expect, test } from '@playwright/test'
import { join } from 'node:path'
import { electronBinary, NO_ELECTRON } from './electron-binary'

const binary = electronBinary()

test.describe('desktop app (Electron)', () => {
  test.skip(!binary, NO_ELECTRON)

  test('opens the dashboard window sandboxed, with the bridge and nothing else', async () => {
    const app = await electron.launch({ executablePath: binary!, args: [join(__dirname, '..')] })
    try {
      const win = await app.firstWindow()
      await expect(win.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
      const globals = await win.evaluate(() => ({
        require: typeof (window as unknown as { require?: unknown }).require,
        bridgeKeys: Object.keys((window as unknown as { botBottle: object }).botBottle).sort(),
      }))
      expect(globals).toEqual({ require: 'undefined', bridgeKeys: ['onMessage', 'send'] })
    } finally {
      await app.close()
    }
  })
})
