import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { LINUX_EXECUTABLE_NAME } from './app-identity'
import {
  autostartDesktopEntry,
  autostartPath,
  execArg,
  HIDDEN_ARG,
  loginLaunchCommand,
  startAtLoginPlan,
  startedHidden,
} from './autostart'

/** Undoes execArg as a desktop-entry reader would: string escapes, then quoting, then %%. */
function readExecArg(raw: string): string {
  const unescaped = raw.replace(/\\\\/g, '\\')
  const unquoted = unescaped.startsWith('"')
    ? unescaped.slice(1, -1).replace(/\\(["`$\\])/g, '$1')
    : unescaped
  return unquoted.replace(/%%/g, '%')
}

describe('start at login', () => {
  it('launches the packaged executable, the AppImage itself, or electron with the app in development', () => {
    expect(
      loginLaunchCommand({
        isPackaged: true,
        execPath: '/opt/Bot Bottle/bot-bottle',
        appPath: '/x',
      }),
    ).toEqual({
      file: '/opt/Bot Bottle/bot-bottle',
      args: [HIDDEN_ARG],
    })
    expect(
      loginLaunchCommand({
        isPackaged: true,
        execPath: '/tmp/.mount_x/bot-bottle',
        appPath: '/x',
        appImage: '/home/me/Apps/Bot.AppImage',
      }),
    ).toEqual({ file: '/home/me/Apps/Bot.AppImage', args: [HIDDEN_ARG] })
    expect(
      loginLaunchCommand({
        isPackaged: false,
        execPath: '/repo/node_modules/electron/dist/electron',
        appPath: '/repo',
      }),
    ).toEqual({
      file: '/repo/node_modules/electron/dist/electron',
      args: ['/repo', HIDDEN_ARG],
    })
  })

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(execArg('/usr/bin/bot-bottle')).toBe('/usr/bin/bot-bottle')
    expect(execArg('/opt/Bot Bottle/bot-bottle')).toBe('"/opt/Bot Bottle/bot-bottle"')
    expect(execArg('100%')).toBe('100%%')
    for (const nasty of [
      '/a b/"q"',
      '/x/$HOME/`cmd`',
      '/back\\slash dir',
      "/it's",
      '/semi;colon',
      '',
    ]) {
      expect(readExecArg(execArg(nasty))).toBe(nasty)
    }
    expect(() => execArg('/a\nb')).toThrow(/control character/)
  })

  it('writes an XDG autostart entry that starts hidden', () => {
    const entry = autostartDesktopEntry({ file: '/opt/Bot Bottle/bot-bottle', args: [HIDDEN_ARG] })
    expect(entry.split('\n')).toEqual([
      '[Desktop Entry]',
      'Type=Application',
      'Version=1.0',
      'Name=Bot Bottle',
      'Comment=Run Claude Code agents in sandboxed microVMs from your menu bar',
      'Exec="/opt/Bot Bottle/bot-bottle" --hidden',
      'Icon=bot-bottle-desktop',
      'Terminal=false',
      'X-GNOME-Autostart-enabled=true',
      '',
    ])
  })

  it('names the icon the deb installs: electron-builder names it after the executable', () => {
    const builder = parse(
      readFileSync(join(__dirname, '..', '..', 'electron-builder.yml'), 'utf8'),
    ) as { linux: { executableName: string } }
    expect(builder.linux.executableName).toBe(LINUX_EXECUTABLE_NAME)
    const entry = autostartDesktopEntry({ file: '/usr/bin/bot-bottle-desktop', args: [] })
    expect(entry).toContain(`\nIcon=${builder.linux.executableName}\n`)
  })

  it('puts the entry under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(autostartPath({ HOME: '/home/me' })).toBe(
      '/home/me/.config/autostart/bot-bottle.desktop',
    )
    expect(autostartPath({ HOME: '/home/me', XDG_CONFIG_HOME: '/cfg' })).toBe(
      '/cfg/autostart/bot-bottle.desktop',
    )
    expect(autostartPath({ HOME: '/home/me', XDG_CONFIG_HOME: 'relative' })).toBe(
      '/home/me/.config/autostart/bot-bottle.desktop',
    )
  })

  it('plans a login item on macOS and Windows, a file on Linux', () => {
    const command = { file: 'C:\\Program Files\\Bot Bottle\\Bot Bottle.exe', args: [HIDDEN_ARG] }
    const base = {
      isPackaged: true,
      command,
      autostartFile: '/home/me/.config/autostart/bot-bottle.desktop',
    }
    expect(startAtLoginPlan({ ...base, platform: 'darwin', enabled: true })).toEqual({
      kind: 'login-item',
      settings: { openAtLogin: true },
    })
    expect(
      startAtLoginPlan({ ...base, platform: 'darwin', enabled: true, isPackaged: false }).kind,
    ).toBe('unsupported')
    expect(startAtLoginPlan({ ...base, platform: 'win32', enabled: false })).toEqual({
      kind: 'login-item',
      settings: { openAtLogin: false, path: command.file, args: ['--hidden'] },
    })
    expect(
      startAtLoginPlan({
        ...base,
        platform: 'win32',
        enabled: true,
        isPackaged: false,
        command: { file: 'e.exe', args: ['C:\\my app', HIDDEN_ARG] },
      }),
    ).toMatchObject({ settings: { args: ['"C:\\my app"', '--hidden'] } })
    const on = startAtLoginPlan({ ...base, platform: 'linux', enabled: true })
    expect(on).toMatchObject({ kind: 'desktop-file', path: base.autostartFile })
    expect(on.kind === 'desktop-file' && on.content).toContain('Exec=')
    expect(startAtLoginPlan({ ...base, platform: 'linux', enabled: false })).toEqual({
      kind: 'desktop-file',
      path: base.autostartFile,
      content: null,
    })
    expect(startAtLoginPlan({ ...base, platform: 'freebsd', enabled: true }).kind).toBe(
      'unsupported',
    )
  })

  it('starts hidden when launched at login', () => {
    expect(startedHidden(['/opt/bb', '--hidden'], false)).toBe(true)
    expect(startedHidden(['/opt/bb'], true)).toBe(true)
    expect(startedHidden(['/opt/bb'], false)).toBe(false)
  })
})
