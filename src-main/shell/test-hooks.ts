import type { ShellNotification } from './notifications'
import type { MenuEntry, TrayAction } from './tray-menu'
import type { TrayStatus } from './tray-status'

/**
 * End-to-end tests cannot click a tray icon or read a desktop notification,
 * so an unpackaged app started with BOT_BOTTLE_TEST_HOOKS=1 puts these on
 * the main process's globalThis; Playwright reads them with
 * `electronApp.evaluate(() => globalThis.__botBottleShell.trayMenu())`.
 */
export const TEST_HOOKS_ENV = 'BOT_BOTTLE_TEST_HOOKS'
export const TEST_HOOKS_GLOBAL = '__botBottleShell'

export function testHooksEnabled(env: NodeJS.ProcessEnv, isPackaged: boolean): boolean {
  return !isPackaged && env[TEST_HOOKS_ENV] === '1'
}

export interface RecordedNotification extends ShellNotification {
  /** False where the OS has no notification service (Notification.isSupported()). */
  delivered: boolean
}

export interface ShellTestHooks {
  /** The tray menu model as last rendered. */
  trayMenu(): MenuEntry[]
  trayIcon(): { status: TrayStatus; file: string; tooltip: string }
  /** Every notification the shell decided to show, oldest first. */
  notifications(): RecordedNotification[]
  /** Runs a tray action as if its menu item were clicked. */
  dispatch(action: TrayAction): Promise<void>
  /** The dashboard window's URL, or null while it has none. */
  dashboardUrl(): string | null
}
