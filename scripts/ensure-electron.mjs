// `npm start` runs this first. From electron 42 the Electron binary is no
// longer downloaded at install; electron-vite's dev/preview then stop with
// "Electron uninstall". Fetch it with electron's own installer when missing.
// Nothing in install, build or test needs it.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const electronDir = dirname(require.resolve('electron/package.json'))
if (existsSync(join(electronDir, 'path.txt'))) process.exit(0)

console.log('Bot Bottle: fetching the Electron binary (first start only)…')
const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' })
if (result.status !== 0) {
  console.error(
    'Could not download Electron. Check your network (or set ELECTRON_MIRROR), then run `npx install-electron`.\n' +
      'Without Electron you can still use the dashboard in a browser: `npm run serve`.',
  )
  process.exit(result.status ?? 1)
}
