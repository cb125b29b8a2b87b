import { app, session, shell, type Session, type WebContents } from 'electron'
import type { Logger } from '../core/base/logger'
import { externalUrlToOpen, isAllowedNavigation, permissionAllowed } from '../shell/security-policy'

/**
 * Applies the shell's security decisions to every web contents and session
 * (Electron security checklist items 5, 11–15), Podman Desktop style: one place.
 */
export function applySecurityRestrictions(appOrigin: () => string, logger: Logger): void {
  const guardSession = (s: Session): void => {
    s.setPermissionRequestHandler((_wc, permission, callback) =>
      callback(permissionAllowed(permission)),
    )
    s.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission))
  }
  app.on('session-created', guardSession)
  void app.whenReady().then(() => guardSession(session.defaultSession))

  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url, appOrigin())) {
        event.preventDefault()
        logger.warn(`blocked navigation to ${url}`)
      }
    })
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url, appOrigin())) event.preventDefault()
    })
    contents.setWindowOpenHandler(({ url }) => {
      const external = externalUrlToOpen(url)
      if (external) void shell.openExternal(external)
      return { action: 'deny' }
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
