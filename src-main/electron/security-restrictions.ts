import { app, session, shell, type Session, type WebContents } from 'electron'
import type { Logger } from '../core/base/logger'
import { externalUrlToOpen, isAllowedNavigation, permissionAllowed } from '../shell/security-policy'

/**
 * Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security),
 * item by item, and where each is enforced:
 *
 *  1 secure content ........ only bot-bottle://app (app-protocol.ts) or the dev server; item 13
 *  2 no Node integration ... shell/window-options.ts (nodeIntegration*: false)
 *  3 context isolation ..... shell/window-options.ts
 *  4 sandbox ............... shell/window-options.ts, app.enableSandbox() in main.ts
 *  5 permissions ........... here: all denied but the clipboard, for the app's own top frame
 *  6 webSecurity on ........ shell/window-options.ts
 *  7 CSP ................... shell/csp.ts (meta in index.html, header in app-protocol.ts)
 *  8 no insecure content ... shell/window-options.ts (allowRunningInsecureContent: false)
 *  9 no experimental ....... shell/window-options.ts (experimentalFeatures: false)
 * 10 no Blink features ..... shell/window-options.ts (enableBlinkFeatures never set)
 * 11 webview options ....... here: every <webview> attach is prevented
 * 12 no webview ............ shell/window-options.ts (webviewTag: false); item 11
 * 13 navigation ............ here: will-navigate / will-redirect / will-frame-navigate
 * 14 new windows ........... here: setWindowOpenHandler always denies
 * 15 openExternal .......... here and main.ts: https URLs only (shell/security-policy.ts)
 * 16 current Electron ...... package.json (electron 45)
 * 17 IPC sender ............ ipc-transport.ts (shell/security-policy.ts isTrustedSender)
 * 18 custom protocol ....... app-protocol.ts (bot-bottle://app, never file://)
 * 19 fuses ................. electron-builder.yml electronFuses (shell/security-policy.ts)
 * 20 no Electron APIs ...... src-preload/index.ts exposes `send` and `onMessage` only
 *
 * One class installs the runtime items on every session and web contents,
 * Podman Desktop style (packages/main/src/security-restrictions.ts).
 */
export class SecurityRestrictions {
  constructor(
    private readonly appOrigin: () => string,
    private log: Logger,
  ) {}

  /** Must run before `ready`, so no web contents or session escapes it. */
  install(): void {
    app.on('session-created', (s) => this.guardSession(s))
    app.on('web-contents-created', (_event, contents) => this.guardContents(contents))
    void app.whenReady().then(() => this.guardSession(session.defaultSession))
  }

  /** Once the backend's log exists, warnings go there (and to the dashboard). */
  useLogger(log: Logger): void {
    this.log = log
  }

  /** Item 5: Electron grants every permission by default; the app's page gets the clipboard only. */
  private guardSession(s: Session): void {
    s.setPermissionRequestHandler((_contents, permission, callback, details) => {
      // Only the app's top frame: a subframe (there should be none) gets nothing.
      const url = details.isMainFrame ? details.requestingUrl : null
      const granted = permissionAllowed(permission, url, this.appOrigin())
      if (!granted) this.log.warn(`denied permission request: ${permission}`)
      callback(granted)
    })
    s.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
      permissionAllowed(
        permission,
        details.isMainFrame === false ? null : requestingOrigin,
        this.appOrigin(),
      ),
    )
    // No device (USB, HID, serial) for anyone.
    s.setDevicePermissionHandler(() => false)
  }

  private guardContents(contents: WebContents): void {
    // Item 13: stay inside the app's origin, for the page, redirects and frames.
    contents.on('will-navigate', (event) => this.denyForeign(event, event.url, 'navigation'))
    contents.on('will-redirect', (event) => this.denyForeign(event, event.url, 'redirect'))
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame) this.denyForeign(event, event.url, 'frame navigation')
    })
    // Items 14 and 15: no new windows; an https link opens in the browser.
    contents.setWindowOpenHandler(({ url }) => {
      const external = externalUrlToOpen(url)
      if (external) void shell.openExternal(external)
      else this.log.warn(`blocked window.open of ${url}`)
      return { action: 'deny' }
    })
    // Items 11 and 12: no <webview>, whatever options it asks for.
    contents.on('will-attach-webview', (event) => {
      event.preventDefault()
      this.log.warn('blocked a <webview>')
    })
  }

  private denyForeign(event: { preventDefault(): void }, url: string, what: string): void {
    if (isAllowedNavigation(url, this.appOrigin())) return
    event.preventDefault()
    this.log.warn(`blocked ${what} to ${url}`)
  }
}
