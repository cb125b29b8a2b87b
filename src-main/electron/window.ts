import { app, BrowserWindow, nativeTheme, type WebContents } from 'electron'
import { join } from 'node:path'
import type { Logger } from '../core/base/logger'
import { dashboardUrl, type DashboardRoute } from '../shell/dashboard-routes'
import { mainWindowOptions } from '../shell/window-options'

/**
 * The one dashboard window. Closing it hides it (the app lives in the tray);
 * it is destroyed only when the app quits. Showing it at a route changes the
 * hash of the loaded page, a same-document navigation the renderer follows.
 */
export class DashboardWindow {
  private win: BrowserWindow | null = null
  private closable = false

  constructor(
    private readonly o: {
      appUrl: string
      devTools: boolean
      /** Window icon on Linux. */
      icon?: string
      /** Called each time closing hides the window. */
      onHidden(): void
      log: Logger
    },
  ) {}

  show(route?: DashboardRoute): void {
    const url = route ? dashboardUrl(this.o.appUrl, route) : null
    const win = this.win
    if (!win || win.isDestroyed()) {
      this.create(url ?? this.o.appUrl) // shown on ready-to-show
    } else {
      if (url && win.webContents.getURL() !== url) {
        // A hash-only change is a same-document load; it may report ERR_ABORTED all the same.
        win.loadURL(url).catch((e: Error) => this.o.log.debug(`dashboard load: ${e.message}`))
      }
      if (win.isMinimized()) win.restore()
      win.show()
      win.focus()
    }
    // A menu-bar app is not the active app when its tray is used: take focus.
    if (process.platform === 'darwin') app.focus({ steal: true })
  }

  /** Lets the next close really close (quitting). */
  allowClose(): void {
    this.closable = true
  }

  isOwn(contents: WebContents): boolean {
    return !!this.win && !this.win.isDestroyed() && this.win.webContents.id === contents.id
  }

  url(): string | null {
    return this.win && !this.win.isDestroyed() ? this.win.webContents.getURL() || null : null
  }

  private create(url: string): BrowserWindow {
    const win = new BrowserWindow(
      mainWindowOptions({
        platform: process.platform,
        preloadPath: join(__dirname, '..', 'preload', 'index.js'),
        devTools: this.o.devTools,
        dark: nativeTheme.shouldUseDarkColors,
        icon: this.o.icon,
      }),
    )
    win.once('ready-to-show', () => win.show())
    win.on('close', (e) => {
      if (this.closable) return
      e.preventDefault()
      win.hide()
      this.o.onHidden()
    })
    win.on('closed', () => {
      if (this.win === win) this.win = null
    })
    win
      .loadURL(url)
      .catch((e: Error) => this.o.log.error(`could not load the dashboard: ${e.message}`))
    this.win = win
    return win
  }
}
