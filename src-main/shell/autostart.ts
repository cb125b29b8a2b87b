import { join } from 'node:path'
import { LINUX_EXECUTABLE_NAME } from './app-identity'

/**
 * "Start at login": a login item on macOS and Windows, an XDG autostart
 * .desktop file on Linux (Electron has no login items there). The app then
 * starts with HIDDEN_ARG and stays in the tray instead of opening its window.
 */
export const HIDDEN_ARG = '--hidden'

export interface LaunchCommand {
  file: string
  args: string[]
}

/**
 * What starts the app: the executable of a packaged app (for an AppImage the
 * image itself, as its mounted execPath changes every run); in development
 * the Electron binary with the app folder.
 */
export function loginLaunchCommand(o: {
  isPackaged: boolean
  execPath: string
  appPath: string
  appImage?: string
}): LaunchCommand {
  if (o.isPackaged) return { file: o.appImage || o.execPath, args: [HIDDEN_ARG] }
  return { file: o.execPath, args: [o.appPath, HIDDEN_ARG] }
}

// Desktop Entry spec, "The Exec key": these characters force quoting.
const RESERVED = /[\s"'\\<>~|&;$*?#()`]/

/**
 * One argument of an Exec line: quoted when needed (inside quotes ", `, $
 * and \ take a backslash), % doubled (field codes), then every backslash
 * doubled again for the string-value escaping applied before unquoting.
 */
export function execArg(arg: string): string {
  if (/[\n\r\t\0]/.test(arg))
    throw new Error(`cannot put a control character in an Exec line: ${JSON.stringify(arg)}`)
  const quoted = arg === '' || RESERVED.test(arg) ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg
  return quoted.replace(/%/g, '%%').replace(/\\/g, '\\\\')
}

export function autostartDesktopEntry(cmd: LaunchCommand): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Bot Bottle',
    'Comment=Run Claude Code agents in sandboxed microVMs from your menu bar',
    `Exec=${[cmd.file, ...cmd.args].map(execArg).join(' ')}`,
    // The icon the package installed (a theme icon name, not a path).
    `Icon=${LINUX_EXECUTABLE_NAME}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/** $XDG_CONFIG_HOME/autostart/bot-bottle.desktop (XDG Autostart spec). */
export function autostartPath(env: { HOME?: string; XDG_CONFIG_HOME?: string }): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/')
    ? env.XDG_CONFIG_HOME
    : join(env.HOME ?? '/', '.config')
  return join(config, 'autostart', 'bot-bottle.desktop')
}

export type StartAtLoginPlan =
  | { kind: 'login-item'; settings: { openAtLogin: boolean; path?: string; args?: string[] } }
  /** content null: remove the file. */
  | { kind: 'desktop-file'; path: string; content: string | null }
  | { kind: 'unsupported'; reason: string }

export function startAtLoginPlan(o: {
  platform: NodeJS.Platform
  isPackaged: boolean
  enabled: boolean
  command: LaunchCommand
  autostartFile: string
}): StartAtLoginPlan {
  switch (o.platform) {
    case 'darwin':
      // A development build would register Electron.app itself, without the app.
      if (!o.isPackaged)
        return { kind: 'unsupported', reason: 'only the packaged app can be a login item on macOS' }
      return { kind: 'login-item', settings: { openAtLogin: o.enabled } }
    case 'win32':
      return {
        kind: 'login-item',
        settings: {
          openAtLogin: o.enabled,
          path: o.command.file,
          // Electron passes these through a command line: quote paths with spaces.
          args: o.command.args.map((a) => (/\s/.test(a) ? `"${a}"` : a)),
        },
      }
    case 'linux':
      return {
        kind: 'desktop-file',
        path: o.autostartFile,
        content: o.enabled ? autostartDesktopEntry(o.command) : null,
      }
    default:
      return { kind: 'unsupported', reason: `no login items on ${o.platform}` }
  }
}

/** Started at login: stay in the tray, the dashboard opens from it. */
export function startedHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_ARG)
}
