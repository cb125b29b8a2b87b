import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MenuEntry, TrayAction } from '../shell/tray-menu'
import { BUSY_FRAME_MS } from '../shell/tray-status'
import { fake, nativeTheme, resetFake, type MenuItem } from './fake-electron'
import { toMenuTemplate, TrayController, type TrayView } from './tray'

vi.mock('electron', () => import('./fake-electron'))

const menu: MenuEntry[] = [
  { kind: 'label', label: '1 running' },
  {
    kind: 'submenu',
    label: '● claude · ~/app · running · 3 min',
    entries: [{ kind: 'action', label: 'Stop', action: { type: 'stop', bottleId: 'a' } }],
  },
  { kind: 'separator' },
  {
    kind: 'checkbox',
    label: 'Notifications',
    checked: true,
    action: { type: 'set-setting', key: 'notifications', value: false },
  },
  { kind: 'action', label: 'Quit Bot Bottle', action: { type: 'quit' } },
]
const view = (p: Partial<TrayView> = {}): TrayView => ({
  menu,
  status: 'running',
  tooltip: 'Bot Bottle — 1 running',
  title: '1',
  ...p,
})

function withPlatform(platform: NodeJS.Platform, fn: () => void): void {
  const original = process.platform
  Object.defineProperty(process, 'platform', { value: platform })
  try {
    fn()
  } finally {
    Object.defineProperty(process, 'platform', { value: original })
  }
}

beforeEach(() => resetFake())
afterEach(() => vi.useRealTimers())

describe('tray menu template', () => {
  it('maps every entry kind, and a click to its action', () => {
    const clicked: TrayAction[] = []
    const t = toMenuTemplate(menu, (a) => clicked.push(a))
    expect(t.map(({ click: _c, submenu: _s, ...rest }) => rest)).toEqual([
      { label: '1 running', enabled: false },
      { label: '● claude · ~/app · running · 3 min' },
      { type: 'separator' },
      { type: 'checkbox', label: 'Notifications', checked: true },
      { label: 'Quit Bot Bottle' },
    ])
    ;(t[1]!.submenu as MenuItem[])[0]!.click!()
    ;(t[3] as MenuItem).click!()
    ;(t[4] as MenuItem).click!()
    expect(clicked).toEqual([
      { type: 'stop', bottleId: 'a' },
      { type: 'set-setting', key: 'notifications', value: false },
      { type: 'quit' },
    ])
  })
})

describe('tray controller', () => {
  const make = (onAction: (a: TrayAction) => void = () => {}, onMenuWillShow = () => {}) =>
    new TrayController({ resourcesDir: '/res', onAction, onMenuWillShow, onClick: () => {} })

  it('always sets a context menu, tooltip and state icon', () => {
    const actions: TrayAction[] = []
    const opened = vi.fn()
    make((a) => actions.push(a), opened).render(view())
    const tray = fake.trays[0]!
    expect(tray.menu).not.toBeNull()
    expect(tray.tooltip).toBe('Bot Bottle — 1 running')
    expect(tray.image.path).toBe('/res/tray/linux/bottle-running.png')
    tray.menu!.template.at(-1)!.click!()
    expect(actions).toEqual([{ type: 'quit' }])
    tray.menu!.fire('menu-will-show')
    expect(opened).toHaveBeenCalledOnce()
  })

  it('rebuilds the menu only when the model changed', () => {
    const c = make()
    c.render(view())
    c.render(view({ tooltip: 'other' }))
    expect(fake.menusBuilt).toBe(1)
    c.render(view({ menu: menu.slice(1) }))
    expect(fake.menusBuilt).toBe(2)
  })

  it('animates the busy icon and stops when work is done', () => {
    vi.useFakeTimers()
    const c = make()
    c.render(view({ status: 'busy' }))
    vi.advanceTimersByTime(BUSY_FRAME_MS * 4)
    const tray = fake.trays[0]!
    expect(tray.images).toEqual([
      '/res/tray/linux/bottle-busy-0.png',
      '/res/tray/linux/bottle-busy-1.png',
      '/res/tray/linux/bottle-busy-2.png',
      '/res/tray/linux/bottle-busy-3.png',
      '/res/tray/linux/bottle-busy-0.png',
    ])
    c.render(view({ status: 'error' }))
    vi.advanceTimersByTime(BUSY_FRAME_MS * 4)
    expect(tray.images.at(-1)).toBe('/res/tray/linux/bottle-error.png')
    expect(tray.images).toHaveLength(6)
    c.dispose()
    expect(tray.destroyed).toBe(true)
  })

  it('uses template images and the title on macOS', () => {
    withPlatform('darwin', () => make().render(view()))
    const tray = fake.trays[0]!
    expect(tray.image).toMatchObject({
      path: '/res/tray/mac/bottle-runningTemplate.png',
      template: true,
    })
    expect(tray.title).toBe('1')
  })

  it('follows the Windows theme', () => {
    withPlatform('win32', () => {
      make().render(view({ status: 'idle' }))
      nativeTheme.shouldUseDarkColors = true
      nativeTheme.fire('updated')
    })
    expect(fake.trays[0]!.image.path).toBe('/res/tray/win-dark/bottle-idle.png')
  })
})
