// The Electron entry: owns the backend in-process, serves its RPC to the
// dashboard over IPC, and runs the menu-bar shell on an in-process RPC client
// of the same server. Every decision comes from src-main/shell.
import { app, dialog, shell } from 'electron'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BackendLogLine } from '../../src-shared/contract'
import { RpcClient } from '../../src-shared/rpc/client'
import { createMemoryTransportPair } from '../../src-shared/rpc/memory-transport'
import { LogHub } from '../core/base/logger'
import { DisposableStore } from '../core/base/lifecycle'
import { createBackend, type Backend } from '../core/backend'
import { serveLocalEndpoint } from '../local/local-endpoint'
import { createHandlers } from '../rpc/handlers'
import { RpcServer } from '../rpc/server'
import { resourcesDir } from '../shell/app-identity'
import { startedHidden } from '../shell/autostart'
import { decideOsQuit } from '../shell/os-quit'
import { APP_ORIGIN, externalUrlToOpen, originOf } from '../shell/security-policy'
import { TEST_HOOKS_GLOBAL, testHooksEnabled } from '../shell/test-hooks'
import { handleAppProtocol, registerAppScheme } from './app-protocol'
import { DesktopShell } from './desktop-shell'
import { pickFolder } from './native-dialogs'
import { serveRpcOverIpc } from './ipc-transport'
import { presentAsMenuBarApp, wasOpenedAtLogin } from './platform-presence'
import { SecurityRestrictions } from './security-restrictions'

const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const appUrl = devUrl ?? `${APP_ORIGIN}/index.html`
const appOrigin = (): string => originOf(appUrl) ?? APP_ORIGIN

const toStderr = (l: BackendLogLine): void => {
  process.stderr.write(`${l.time} ${l.level.padEnd(5)} ${l.scope}: ${l.message}\n`)
}
/** Logs until the backend's own log exists (security events can come first). */
const earlyLogs = new LogHub({ sink: toStderr })

// Before ready: the sandbox for every renderer, the app:// scheme, and the
// security handlers, so that nothing is created without them.
app.enableSandbox()
registerAppScheme()
const security = new SecurityRestrictions(appOrigin, earlyLogs.logger('security'))
security.install()

if (!app.requestSingleInstanceLock()) {
  // The running instance shows its dashboard (second-instance below).
  app.quit()
} else {
  // Everything started below, released in reverse order when the app quits.
  const lifetime = new DisposableStore()
  let desktop: DesktopShell | null = null
  let backendRef: Backend | null = null
  let exitApproved = false
  let finishingWork = false

  // Started again, from a launcher or the CLI: show the running one.
  app.on('second-instance', () => desktop?.window.show())
  // macOS: opened again from Finder or Spotlight while running.
  app.on('activate', () => desktop?.window.show())
  // A menu-bar app keeps running with no window.
  app.on('window-all-closed', () => {})

  app.on('before-quit', (event) => {
    const decision = decideOsQuit({
      approved: exitApproved,
      trayQuitting: desktop?.quitting ?? false,
      workInProgress: backendRef?.bottles.hasWorkInProgress() ?? false,
      finishing: finishingWork,
    })
    if (decision === 'wait') {
      event.preventDefault()
      return
    }
    if (decision === 'finish-work' && backendRef) {
      event.preventDefault()
      finishingWork = true
      void backendRef.bottles.shutdown().finally(() => {
        exitApproved = true
        desktop?.window.allowClose()
        app.quit()
      })
      return
    }
    exitApproved = true
    desktop?.window.allowClose()
  })

  app.on('will-quit', () => lifetime.dispose())

  const start = async (): Promise<void> => {
    await app.whenReady()
    presentAsMenuBarApp(process.platform)
    handleAppProtocol(join(__dirname, '..', 'renderer'))

    const resources = resourcesDir({ isPackaged: app.isPackaged, appPath: app.getAppPath() })
    const backend = lifetime.add(
      await createBackend({
        mode: 'electron',
        version: app.getVersion(),
        logSink: toStderr,
        // Packaged: the bundle is made from the shipped resources, never from the asar.
        resourcesDir: app.isPackaged ? resources : undefined,
      }),
    )
    backendRef = backend
    security.useLogger(backend.logs.logger('security'))
    const rpc = lifetime.add(
      new RpcServer({
        ...createHandlers(backend, {
          openExternal: async (url) => {
            const safe = externalUrlToOpen(url)
            if (!safe) return false
            await shell.openExternal(safe)
            return true
          },
          pickFolder,
        }),
        logger: backend.logs.logger('rpc'),
      }),
    )

    // The shell is one more client of the same server, in-process.
    const [serverSide, shellSide] = createMemoryTransportPair()
    lifetime.add(rpc.connect(serverSide))
    const client = lifetime.add(new RpcClient(shellSide))
    const shellDesktop = new DesktopShell({
      client,
      appUrl,
      resourcesDir: resources,
      home: process.env.HOME || homedir(),
      env: process.env,
      log: backend.logs.logger('shell'),
      exit: () => {
        exitApproved = true
        shellDesktop.window.allowClose()
        app.quit()
      },
    })
    desktop = lifetime.add(shellDesktop)

    lifetime.add(
      serveRpcOverIpc({
        rpc,
        appOrigin,
        isOwnWindow: (contents) => shellDesktop.window.isOwn(contents),
        logger: backend.logs.logger('ipc'),
      }),
    )
    // `bot-bottle attach` in a terminal joins the agent sessions shown here.
    lifetime.add(
      await serveLocalEndpoint({
        rpc,
        dataDir: backend.paths.dataDir,
        logger: backend.logs.logger('local'),
      }),
    )
    if (testHooksEnabled(process.env, app.isPackaged)) {
      Object.assign(globalThis, { [TEST_HOOKS_GLOBAL]: shellDesktop.testHooks() })
    }
    shellDesktop.start(!startedHidden(process.argv, wasOpenedAtLogin(process.platform)))
  }

  start().catch((e: Error) => {
    earlyLogs.logger('main').error(`could not start: ${e.stack ?? e.message}`)
    dialog.showErrorBox('Bot Bottle could not start', e.message)
    app.exit(1)
  })
}
