import { _electron as electron, expect, test } from '@playwright/test'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The Electron binary, if `install-electron` has fetched it (never on the build machines). */
function electronBinary(): string | null {
  try {
    const pkg = require.resolve('electron/package.json')
    const pathFile = join(dirname(pkg), 'path.txt')
    if (!existsSync(pathFile)) return null
    const bin = join(dirname(pkg), 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

const binary = electronBinary()

test.describe('desktop app (Electron)', () => {
  test.skip(
    !binary,
    'the Electron binary is not installed here (electron ≥42 downloads it lazily: run `npx install-electron`); serve-mode specs cover the same UI',
  )

  test('opens the dashboard window sandboxed, with the bridge and nothing else', async () => {
    const app = await electron.launch({ executablePath: binary!, args: [join(__dirname, '..')] })
    try {
      const win = await app.firstWindow()
      await expect(win.getByRole('status')).toHaveText('Connected')
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
