import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nullLogger } from '../core/base/logger'
import type { DashboardRoute } from '../shell/dashboard-routes'
import type { ShellNotification } from '../shell/notifications'
import { fake, Notification, resetFake } from './fake-electron'
import { Notifier } from './notifier'

vi.mock('electron', () => import('./fake-electron'))

const note: ShellNotification = {
  key: 'app-1:died',
  group: 'app-1',
  title: 'Bottle died unexpectedly',
  body: 'claude · ~/code/app · ran 3 min · the VM stopped without being asked to',
  urgency: 'critical',
  route: { view: 'bottle', id: 'app-1' },
}

beforeEach(() => resetFake())

describe('notifier', () => {
  it('shows a native notification whose click opens the dashboard at the bottle', () => {
    const routes: DashboardRoute[] = []
    const n = new Notifier({
      onClick: (r) => routes.push(r),
      icon: '/res/icons/256x256.png',
      log: nullLogger,
    })
    n.show(note)
    const shown = fake.notifications[0]!
    expect(shown.shown).toBe(true)
    expect(shown.options).toEqual({
      id: 'app-1:died',
      groupId: 'app-1',
      title: 'Bottle died unexpectedly',
      body: note.body,
      urgency: 'critical',
      icon: '/res/icons/256x256.png',
    })
    shown.fire('click')
    expect(routes).toEqual([{ view: 'bottle', id: 'app-1' }])
    expect(n.history()).toEqual([{ ...note, delivered: true }])
  })

  it('records but does not construct a notification where the OS has none', () => {
    Notification.supported = false
    const n = new Notifier({ onClick: () => {}, log: nullLogger })
    n.show(note)
    expect(fake.notifications).toEqual([])
    expect(n.history()).toEqual([{ ...note, delivered: false }])
  })
})
