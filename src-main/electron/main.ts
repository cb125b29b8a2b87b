// The Electron entry: owns the backend in-process and serves its RPC to the
// dashboard window over IPC. Every decision comes from src-main/shell.
import { app, dialog, shell, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import { createBackend, type Backend } from '../core/backend'
import { createHandlers } from '../rpc/handlers'
import { RpcServer } from '../rpc/server'
import { APP_ORIGIN, externalUrlToOpen, originOf } from '../shell/security-policy'
import { handleAppProtocol, registerAppScheme } from './app-protocol'
import { serveRpcOverIpc } from './ipc-transport'
import { applySecurityRestrictions } from './security'
import { createTray } from './tray'
import { createMainWindow } from './window'

const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const appUrl = devUrl ?? `${APP_ORIGIN}/index.html`
const appOrigin = (): string => originOf(appUrl) ?? APP_ORIGIN
const resourcesDir = app.isPackaged
  ? join(process.resourcesPath, 'resources')
  : join(__dirname, '..', '..', 'resources')

app.enableSandbox()
registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let win: BrowserWindow | null = null
  let backend: Backend | null = null
  let quitting = false

  const openDashboard = (): void => {
    if (!win || win.isDestroyed()) {
      win = createMainWindow(appUrl, !app.isPackaged)
      // Closing the dashboard hides it: the app lives in the menu bar.
      win.on('close', (e) => {
        if (!quitting) {
          e.preventDefault()
          win?.hide()
        }
      })
    } else {
      win.show()
      win.focus()
    }
  }

  app.on('second-instance', () => openDashboard())
  applySecurityRestrictions(appOrigin, {
    debug() {},
    info() {},
    warn: console.warn,
    error: console.error,
    child() {
      return this
    },
  })

  void app.whenReady().then(async () => {
    if (process.platform === 'darwin') app.dock?.hide()
    handleAppProtocol(join(__dirname, '..', 'renderer'))
    backend = await createBackend({ mode: 'electron', version: app.getVersion() })
    const rpc = new RpcServer({
      ...createHandlers(backend, {
        openExternal: async (url) => {
          const safe = externalUrlToOpen(url)
          if (!safe) return false
          await shell.openExternal(safe)
          return true
        },
        pickFolder: async (defaultPath) => {
          const result = await dialog.showOpenDialog({
            properties: ['openDirectory', 'createDirectory'],
            defaultPath,
          })
          return result.canceled ? null : (result.filePaths[0] ?? null)
        },
      }),
      logger: backend.logs.logger('rpc'),
    })
    serveRpcOverIpc({
      rpc,
      appOrigin,
      isOwnWindow: (contents) => !!win && !win.isDestroyed() && win.webContents.id === contents.id,
      logger: backend.logs.logger('ipc'),
    })
    createTray(resourcesDir, {
      openDashboard,
      quit: () => {
        quitting = true
        app.quit()
      },
    })
    openDashboard()
  })

  app.on('before-quit', () => {
    quitting = true
  })
  app.on('will-quit', () => backend?.dispose())
  // A menu-bar app keeps running with no window.
  app.on('window-all-closed', () => {})
}
