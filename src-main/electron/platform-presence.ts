import { app } from 'electron'
import { APP_ID } from '../shell/app-identity'

/**
 * What being a menu-bar app takes on each platform, once the app is ready:
 * no Dock icon on macOS (LSUIElement covers only the packaged app), and on
 * Windows the AppUserModelID its notifications are attributed to.
 */
export function presentAsMenuBarApp(platform: NodeJS.Platform): void {
  if (platform === 'darwin') app.dock?.hide()
  if (platform === 'win32') app.setAppUserModelId(APP_ID)
}

/** Started by a macOS login item (elsewhere the login entry passes --hidden instead). */
export function wasOpenedAtLogin(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin
}
