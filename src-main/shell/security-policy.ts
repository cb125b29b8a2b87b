/**
 * Pure security decisions applied by the Electron adapters (Electron's
 * security checklist; items cited). URLs are parsed, never prefix-matched
 * (item 13: `https://app.example.com.attacker.com`).
 */

/** The app's own scheme: the renderer is served from bot-bottle://app/. */
export const APP_SCHEME = 'bot-bottle'
export const APP_ORIGIN = `${APP_SCHEME}://app`

export function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    // Custom standard schemes give "null" origins in WHATWG URL; rebuild it.
    if (u.protocol === `${APP_SCHEME}:`) return `${APP_SCHEME}://${u.host}`
    return u.origin === 'null' ? null : u.origin
  } catch {
    return null
  }
}

/** Item 13: the window may only navigate within the app itself. */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin
}

/** Items 14/15: new windows are always denied; https links go to the system browser. */
export function externalUrlToOpen(url: string): string | null {
  try {
    const u = new URL(url)
    if (u.protocol !== 'https:' || !u.hostname) return null
    if (u.username || u.password) return null
    return u.toString()
  } catch {
    return null
  }
}

/** Item 17: IPC is accepted only from the app's own top-level frame. */
export function isTrustedSender(
  sender: { frameUrl: string | null; isTopFrame: boolean; isOwnWindow: boolean },
  appOrigin: string,
): boolean {
  return (
    sender.isOwnWindow &&
    sender.isTopFrame &&
    sender.frameUrl !== null &&
    originOf(sender.frameUrl) === appOrigin
  )
}

/**
 * Permissions the app's own page needs: the terminal's copy and paste
 * (Ctrl/Cmd+Shift+C/V and its context menu use the async clipboard API).
 */
const APP_PERMISSIONS: ReadonlySet<string> = new Set([
  'clipboard-read',
  'clipboard-sanitized-write',
])

/**
 * Item 5: every permission request and check is denied, except the
 * clipboard for the app's own page (its origin, parsed): nothing else a page
 * could load gets it, and the app needs nothing else.
 */
export function permissionAllowed(
  permission: string,
  requestingUrl: string | null | undefined,
  appOrigin: string,
): boolean {
  if (!APP_PERMISSIONS.has(permission) || !requestingUrl) return false
  return originOf(requestingUrl) === appOrigin
}

/**
 * Item 19: the fuses flipped in the packaged binary (electron-builder.yml
 * `electronFuses` must say exactly this; a test compares them). No
 * ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect to turn the app into a
 * Node shell, cookies encrypted, and code only from the integrity-checked asar.
 */
export const ELECTRON_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const
