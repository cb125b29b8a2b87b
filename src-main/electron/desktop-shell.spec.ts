import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nullLogger } from '../core/base/logger'
import { FakeShellBackend, makeBottle, makeTeardown } from '../shell/testing'
import { findActions } from '../shell/tray-menu'
import { DesktopShell } from './desktop-shell'
import { fake, resetFake, type MenuItem } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const APP_URL = 'bot-bottle://app/index.html'
let backend: FakeShellBackend
let shell: DesktopShell
let home: string
let exits: number

beforeEach(async () => {
  resetFake()
  home = mkdtempSync(join(tmpdir(), 'bb-shell-'))
  backend = new FakeShellBackend()
  backend.bottles = [makeBottle({ id: 'app-1', projectDir: join(home, 'code', 'app') })]
  exits = 0
  shell = new DesktopShell({
    client: backend.client,
    appUrl: APP_URL,
    resourcesDir: '/res',
    home,
    env: { HOME: home },
    log: nullLogger,
    exit: () => exits++,
  })
  shell.start(true)
  await vi.waitFor(() =>
    expect(shell.testHooks().trayMenu()[2]).toMatchObject({ label: '1 running' }),
  )
})

afterEach(() => {
  shell.dispose()
  backend.dispose()
  rmSync(home, { recursive: true, force: true })
})

const tray = () => fake.trays[0]!
/** Clicks the item with this label in the tray's current native menu (depth first). */
function click(label: string | RegExp, items: MenuItem[] = tray().menu!.template): boolean {
  for (const item of items) {
    if (
      item.label !== undefined &&
      (typeof label === 'string' ? item.label === label : label.test(item.label)) &&
      item.click
    ) {
      item.click()
      return true
    }
    if (item.submenu && click(label, item.submenu)) return true
  }
  return false
}

describe('desktop shell', () => {
  it('opens the dashboard and shows the backend state in the tray', () => {
    expect(fake.windows).toHaveLength(1)
    expect(fake.loads).toEqual([APP_URL])
    expect(tray().tooltip).toBe('Bot Bottle — 1 running')
    expect(tray().image.path).toBe('/res/tray/linux/bottle-running.png')
    expect(shell.testHooks().trayIcon()).toEqual({
      status: 'running',
      file: 'tray/linux/bottle-running.png',
      tooltip: 'Bot Bottle — 1 running',
    })
  })

  it('rebuilds the menu on every change', async () => {
    backend.emit({ kind: 'upsert', bottle: makeBottle({ id: 'app-2', state: 'launching' }) })
    await vi.waitFor(() => expect(tray().menu!.template[2]!.label).toBe('1 running · 1 launching'))
    expect(tray().image.path).toMatch(/bottle-busy-\d\.png$/)
    expect(findActions(shell.testHooks().trayMenu(), (a) => a.type === 'cancel')).toEqual([
      { label: 'Cancel Launch', action: { type: 'cancel', bottleId: 'app-2' } },
    ])
  })

  it('maps menu clicks to calls: stop, then open a terminal at the right route', async () => {
    expect(click('Stop')).toBe(true)
    await vi.waitFor(() => expect(backend.calls.map((c) => c.method)).toEqual(['bottles.stop']))
    expect(click('Open Dashboard')).toBe(true)
    expect(fake.windows[0]!.shown).toBeGreaterThan(0)
    backend.emit({ kind: 'upsert', bottle: makeBottle({ id: 'app-3' }) })
    const row = await vi.waitFor(() => {
      const r = tray().menu!.template.find((i) => i.label?.includes('/code/app-3'))
      expect(r).toBeDefined()
      return r!
    })
    row.submenu!.find((i) => i.label === 'Open Terminal')!.click!()
    expect(fake.loads.at(-1)).toBe(`${APP_URL}#/bottles/app-3/terminal`)
  })

  it('notifies a teardown with its summary; a click opens the dashboard on that bottle', async () => {
    backend.emit({
      kind: 'teardown',
      teardown: makeTeardown({
        id: 'app-1',
        reason: 'session-ended',
        exitCode: 0,
        projectDir: join(home, 'code', 'app'),
      }),
    })
    await vi.waitFor(() => expect(fake.notifications).toHaveLength(1))
    const n = fake.notifications[0]!
    expect(n.options).toMatchObject({
      title: 'Agent finished',
      body: 'claude · ~/code/app · ran 12 min · exit code 0',
    })
    n.fire('click')
    expect(fake.loads.at(-1)).toBe(`${APP_URL}#/bottles/app-1`)
    expect(
      shell
        .testHooks()
        .notifications()
        .map((x) => x.title),
    ).toEqual(['Agent finished'])
  })

  it('notifies nothing when notifications are turned off from the tray', async () => {
    expect(click('Notifications')).toBe(true)
    await vi.waitFor(() => expect(backend.settings.notifications).toBe(false))
    await vi.waitFor(() =>
      expect(tray().menu!.template.find((i) => i.label === 'Notifications')?.checked).toBe(false),
    )
    backend.emit({ kind: 'teardown', teardown: makeTeardown({ id: 'app-1', reason: 'vm-died' }) })
    await new Promise((r) => setTimeout(r, 50))
    expect(fake.notifications).toEqual([])
  })

  it('hides the window on close and says once where the app went', () => {
    const win = fake.windows[0]!
    win.visible = true
    win.close()
    win.close()
    expect(win.destroyed).toBe(false)
    expect(win.visible).toBe(false)
    expect(fake.notifications.map((n) => n.options.title)).toEqual(['Bot Bottle is still running'])
    shell.window.allowClose()
    win.close()
    expect(win.destroyed).toBe(true)
  })

  it('writes the autostart entry when start at login is turned on, and removes it when off', async () => {
    const file = join(home, '.config', 'autostart', 'bot-bottle.desktop')
    expect(existsSync(file)).toBe(false)
    await shell.testHooks().dispatch({ type: 'set-setting', key: 'startAtLogin', value: true })
    await vi.waitFor(() => expect(existsSync(file)).toBe(true))
    expect(readFileSync(file, 'utf8')).toMatch(/^Exec=.* \/repo --hidden$/m)
    await shell.testHooks().dispatch({ type: 'set-setting', key: 'startAtLogin', value: false })
    await vi.waitFor(() => expect(existsSync(file)).toBe(false))
  })

  it('quits after stopping every bottle, with progress and without per-bottle notifications', async () => {
    fake.buttonAnswers = ['Stop and Quit']
    const tooltips: string[] = []
    const t = tray()
    const setToolTip = t.setToolTip.bind(t)
    t.setToolTip = (s: string) => {
      tooltips.push(s)
      setToolTip(s)
    }
    expect(click('Quit Bot Bottle')).toBe(true)
    await vi.waitFor(() => expect(exits).toBe(1))
    expect(fake.messageBoxes).toEqual(['Stop the bottle before quitting?'])
    expect(backend.bottles.map((b) => b.state)).toEqual(['stopped'])
    expect(tooltips).toContain('Bot Bottle — Stopping bottles… 0 of 1 done')
    backend.emit({ kind: 'teardown', teardown: makeTeardown({ id: 'app-1', reason: 'stopped' }) })
    await new Promise((r) => setTimeout(r, 50))
    expect(fake.notifications).toEqual([])
    expect(shell.quitting).toBe(true)
  })

  it('keeps running when the quit question is cancelled', async () => {
    fake.buttonAnswers = ['Cancel']
    shell.requestQuit()
    await vi.waitFor(() => expect(fake.messageBoxes).toHaveLength(1))
    await new Promise((r) => setTimeout(r, 20))
    expect(exits).toBe(0)
    expect(backend.calls).toEqual([])
    expect(shell.quitting).toBe(false)
  })
})
