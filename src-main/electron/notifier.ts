import { Notification } from 'electron'
import type { Logger } from '../core/base/logger'
import type { DashboardRoute } from '../shell/dashboard-routes'
import type { ShellNotification } from '../shell/notifications'
import type { RecordedNotification } from '../shell/test-hooks'

const RECORDED = 100
/** Expired notifications do not always emit close (Linux): keep the newest this many. */
const LIVE = 50

/**
 * Shows the shell's notifications as native ones. A notification is kept
 * referenced until it closes: one collected early loses its click handler.
 */
export class Notifier {
  private readonly live = new Set<Notification>()
  private readonly recorded: RecordedNotification[] = []

  constructor(
    private readonly o: {
      onClick(route: DashboardRoute): void
      /** Linux shows this beside the text; macOS and Windows use the app's icon. */
      icon?: string
      log: Logger
    },
  ) {}

  show(n: ShellNotification): void {
    const delivered = Notification.isSupported()
    this.recorded.push({ ...n, delivered })
    if (this.recorded.length > RECORDED) this.recorded.shift()
    if (!delivered) {
      this.o.log.info(`notifications unsupported here; not shown: ${n.title} — ${n.body}`)
      return
    }
    const note = new Notification({
      id: n.key,
      groupId: n.group,
      title: n.title,
      body: n.body,
      urgency: n.urgency,
      ...(this.o.icon ? { icon: this.o.icon } : {}),
    })
    note.on('click', () => this.o.onClick(n.route))
    note.on('close', () => this.live.delete(note))
    note.on('failed', (_e, error) => {
      this.live.delete(note)
      this.o.log.warn(`notification failed: ${error}`)
    })
    this.live.add(note)
    for (const old of this.live) {
      if (this.live.size <= LIVE) break
      this.live.delete(old)
    }
    note.show()
  }

  /** What was shown, oldest first (test hook). */
  history(): RecordedNotification[] {
    return [...this.recorded]
  }
}
