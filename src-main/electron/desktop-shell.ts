import { app } from 'electron'
import { join } from 'node:path'
import type { RpcClient } from '../../src-shared/rpc/client'
import { DisposableStore, toDisposable, type Disposable } from '../core/base/lifecycle'
import type { Logger } from '../core/base/logger'
import { autostartPath, loginLaunchCommand, startAtLoginPlan } from '../shell/autostart'
import type { DashboardRoute } from '../shell/dashboard-routes'
import { NotificationDecider, stillRunningNotice } from '../shell/notifications'
import { QuitController } from '../shell/quit-controller'
import { ShellStore } from '../shell/shell-store'
import type { ShellTestHooks } from '../shell/test-hooks'
import { runTrayAction, type ShellHost } from '../shell/tray-actions'
import { buildTrayMenu, type TrayAction } from '../shell/tray-menu'
import { countBottles, trayStatus, trayTitle, trayTooltip } from '../shell/tray-status'
import { ask, pickFolder, showError } from './native-dialogs'
import { applyStartAtLogin } from './start-at-login'
import { Notifier } from './notifier'
import { TrayController, type TrayView } from './tray'
import { DashboardWindow } from './window'

/** Uptimes in the menu are in minutes: refresh the labels this often while bottles run. */
const UPTIME_REFRESH_MS = 30_000

/**
 * The menu-bar shell: the tray, notifications, the dashboard window, the
 * quit flow and start-at-login, all fed by a ShellStore over the contract.
 * Decisions come from src-main/shell; this class only connects them to Electron.
 */
export class DesktopShell implements Disposable {
  readonly window: DashboardWindow
  private readonly disposables = new DisposableStore()
  private readonly store: ShellStore
  private readonly tray: TrayController
  private readonly notifier: Notifier
  private readonly decider = new NotificationDecider()
  private readonly quitFlow: QuitController
  private readonly host: ShellHost
  private progress: string | null = null
  private lastView: TrayView | null = null
  private hiddenNoticeShown = false
  private appliedStartAtLogin: boolean | null = null

  constructor(
    private readonly o: {
      client: RpcClient
      appUrl: string
      resourcesDir: string
      home: string
      /** HOME, XDG_CONFIG_HOME (autostart file), APPIMAGE (what starts at login). */
      env: NodeJS.ProcessEnv
      log: Logger
      /** Quit for real (the quit flow has settled every bottle). */
      exit(): void
    },
  ) {
    const linuxIcon =
      process.platform === 'linux' ? join(o.resourcesDir, 'icons', '256x256.png') : undefined
    this.window = new DashboardWindow({
      appUrl: o.appUrl,
      devTools: !app.isPackaged,
      icon: linuxIcon,
      log: o.log.child('window'),
      onHidden: () => this.onWindowHidden(),
    })
    this.store = this.disposables.add(new ShellStore(o.client, o.log.child('store')))
    this.notifier = new Notifier({
      onClick: (route) => this.window.show(route),
      icon: linuxIcon,
      log: o.log.child('notify'),
    })
    this.host = {
      openDashboard: (route: DashboardRoute) => this.window.show(route),
      pickFolder,
      ask,
      showError,
      quit: () => this.quitFlow.request(),
    }
    this.quitFlow = new QuitController({
      client: o.client,
      store: this.store,
      home: o.home,
      log: o.log.child('quit'),
      host: {
        ask,
        progress: (text) => {
          this.progress = text
          this.render()
        },
        exit: o.exit,
      },
    })
    this.tray = this.disposables.add(
      new TrayController({
        resourcesDir: o.resourcesDir,
        onAction: (a) => void this.dispatch(a),
        onMenuWillShow: () => this.refreshOnMenuOpen(),
        // Windows opens the dashboard on click; macOS and Linux show the menu.
        onClick: () => {
          if (process.platform === 'win32') this.window.show()
        },
      }),
    )
  }

  start(showWindow: boolean): void {
    this.disposables.add(this.store.onDidChange(() => this.onStateChange()))
    this.disposables.add(
      this.store.onTeardown((t) => {
        const n = this.decider.decide(t, {
          enabled: this.store.state.settings?.notifications ?? true,
          quitting: this.quitFlow.quitting,
          home: this.o.home,
          now: Date.now(),
        })
        if (n) this.notifier.show(n)
      }),
    )
    const timer = setInterval(() => {
      if (countBottles(this.store.state.bottles).running > 0) this.render()
    }, UPTIME_REFRESH_MS)
    this.disposables.add(toDisposable(() => clearInterval(timer)))
    this.store.start()
    this.render()
    if (showWindow) this.window.show()
  }

  /** True while the quit flow is committed (stopping bottles or exiting). */
  get quitting(): boolean {
    return this.quitFlow.quitting
  }

  requestQuit(): void {
    this.quitFlow.request()
  }

  testHooks(): ShellTestHooks {
    return {
      trayMenu: () => this.lastView?.menu ?? [],
      trayIcon: () => ({
        status: this.lastView?.status ?? 'idle',
        file: this.tray.iconFile(),
        tooltip: this.lastView?.tooltip ?? '',
      }),
      notifications: () => this.notifier.history(),
      dispatch: (a) => this.dispatch(a),
      dashboardUrl: () => this.window.url(),
    }
  }

  dispose(): void {
    this.disposables.dispose()
  }

  private dispatch(action: TrayAction): Promise<void> {
    return runTrayAction(action, {
      client: this.o.client,
      state: () => this.store.state,
      host: this.host,
      home: this.o.home,
    }).catch((e: Error) => this.o.log.error(`tray action ${action.type}: ${e.message}`))
  }

  private onStateChange(): void {
    this.render()
    const settings = this.store.state.settings
    if (settings && settings.startAtLogin !== this.appliedStartAtLogin) {
      this.appliedStartAtLogin = settings.startAtLogin
      const plan = startAtLoginPlan({
        platform: process.platform,
        isPackaged: app.isPackaged,
        enabled: settings.startAtLogin,
        command: loginLaunchCommand({
          isPackaged: app.isPackaged,
          execPath: process.execPath,
          appPath: app.getAppPath(),
          appImage: this.o.env.APPIMAGE,
        }),
        autostartFile: autostartPath(this.o.env),
      })
      applyStartAtLogin(plan, this.o.log.child('login')).catch((e: Error) =>
        this.o.log.error(`could not change start at login: ${e.message}`),
      )
    }
  }

  private render(): void {
    const s = this.store.state
    const counts = countBottles(s.bottles)
    const problems = { setup: s.setupProblems.length, backendDown: !s.connected }
    const view: TrayView = {
      menu: buildTrayMenu({
        platform: process.platform,
        home: this.o.home,
        now: Date.now(),
        connected: s.connected,
        bottles: s.bottles,
        sessions: s.sessions,
        manifest: s.manifest,
        settings: s.settings,
        setupProblems: s.setupProblems.length,
        quitProgress: this.progress,
      }),
      status: this.progress ? 'busy' : trayStatus(counts, problems),
      tooltip: trayTooltip(counts, problems, this.progress),
      title: trayTitle(counts),
    }
    this.lastView = view
    this.tray.render(view)
  }

  /** The menu shows what was known when it opened; make the next opening current. */
  private refreshOnMenuOpen(): void {
    void this.store.refreshManifest()
    if (this.store.state.setupProblems.length > 0) void this.store.refreshPreflight()
  }

  private onWindowHidden(): void {
    // The user may have edited the manifest or fixed a setup problem there.
    void this.store.refreshManifest()
    void this.store.refreshPreflight()
    if (this.hiddenNoticeShown || this.store.state.settings?.notifications === false) return
    this.hiddenNoticeShown = true
    const notice = stillRunningNotice(process.platform)
    if (notice) this.notifier.show(notice)
  }
}
