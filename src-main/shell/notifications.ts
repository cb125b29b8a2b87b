import type { StepId, Teardown, TeardownReason } from '../../src-shared/contract'
import type { DashboardRoute } from './dashboard-routes'
import { formatDuration, shortenPath, truncateEnd } from './display-text'

/** A desktop notification as data; clicking it opens the dashboard at `route`. */
export interface ShellNotification {
  /** Same key, same notification: the OS replaces rather than stacks it (macOS, Windows). */
  key: string
  /** Groups a bottle's notifications together. */
  group: string
  title: string
  body: string
  urgency: 'normal' | 'critical'
  route: DashboardRoute
}

/** Teardowns of one bottle that mean the same thing inside this window are merged. */
export const MERGE_WINDOW_MS = 10_000

const STEP_LABEL: Record<StepId, string> = {
  pack: 'preparing the image',
  network: 'creating the network',
  bundle: 'starting the bundle',
  create: 'creating the VM',
  start: 'starting the VM',
  workspace: 'setting up the workspace',
  selftest: 'the self-test',
  session: 'starting the agent',
}

/** VM gone and bundle gone arrive together when a bottle dies: one event. */
function category(reason: TeardownReason): string {
  return reason === 'vm-died' || reason === 'bundle-died' ? 'died' : reason
}

function titleOf(t: Teardown): string {
  switch (t.reason) {
    case 'stopped':
      return 'Bottle stopped'
    case 'session-ended':
      return t.exitCode === null
        ? 'Agent session ended'
        : t.exitCode === 0
          ? 'Agent finished'
          : `Agent exited with code ${t.exitCode}`
    case 'vm-died':
    case 'bundle-died':
      return 'Bottle died unexpectedly'
    case 'launch-failed':
      return 'Launch failed'
    case 'cancelled':
      return 'Launch cancelled'
  }
}

function whyOf(t: Teardown): string {
  const detail = t.detail.replace(/\s+/g, ' ').trim()
  switch (t.reason) {
    case 'launch-failed': {
      const at = t.failedStep ? `failed while ${STEP_LABEL[t.failedStep]}` : 'failed'
      return detail ? `${at}: ${detail}` : at
    }
    case 'session-ended':
      return detail || (t.exitCode === null ? 'the session ended' : `exit code ${t.exitCode}`)
    case 'vm-died':
      return detail || 'the VM stopped without being asked to'
    case 'bundle-died':
      return detail || 'the bundle container exited without being asked to'
    case 'stopped':
      return detail || 'stopped by you'
    case 'cancelled':
      return detail || 'cancelled by you'
  }
}

/** "claude · ~/code/app · ran 12 min · stopped by you" */
function teardownSummary(t: Teardown, home: string): string {
  const parts = [truncateEnd(t.agent, 24), shortenPath(t.projectDir, home, 36)]
  if (t.ranForMs > 0) parts.push(`ran ${formatDuration(t.ranForMs)}`)
  parts.push(truncateEnd(whyOf(t), 140))
  return parts.join(' · ')
}

export interface NotificationContext {
  /** The `notifications` setting. */
  enabled: boolean
  /** While the quit flow stops every bottle, their stops are not news. */
  quitting: boolean
  home: string
  now: number
}

/**
 * Decides which teardowns become notifications. A user's own cancel is not
 * news (they are looking at it); everything else is, with a one-line summary.
 * Keeps the last time each (bottle, category) was shown to merge duplicates.
 */
export class NotificationDecider {
  private readonly lastShown = new Map<string, number>()

  decide(t: Teardown, ctx: NotificationContext): ShellNotification | null {
    if (!ctx.enabled || t.reason === 'cancelled') return null
    if (ctx.quitting && t.reason === 'stopped') return null
    const key = `${t.id}:${category(t.reason)}`
    const last = this.lastShown.get(key)
    if (last !== undefined && ctx.now - last < MERGE_WINDOW_MS) return null
    this.lastShown.set(key, ctx.now)
    for (const [k, at] of this.lastShown) {
      if (ctx.now - at >= MERGE_WINDOW_MS) this.lastShown.delete(k)
    }
    const bad = t.reason === 'vm-died' || t.reason === 'bundle-died' || t.reason === 'launch-failed'
    const failedSession = t.reason === 'session-ended' && t.exitCode !== null && t.exitCode !== 0
    return {
      key,
      group: t.id,
      title: titleOf(t),
      body: teardownSummary(t, ctx.home),
      urgency: bad || failedSession ? 'critical' : 'normal',
      route: { view: 'bottle', id: t.id },
    }
  }
}

/**
 * Shown once, the first time the dashboard is closed on Linux or Windows:
 * there the tray icon may be hidden (GNOME without an AppIndicator extension,
 * Windows' overflow area), so the app says where it went.
 */
export function stillRunningNotice(platform: NodeJS.Platform): ShellNotification | null {
  if (platform === 'darwin') return null
  return {
    key: 'still-running',
    group: 'app',
    title: 'Bot Bottle is still running',
    body: 'Bottles keep running in the background. Use the tray icon, or start Bot Bottle again, to open the dashboard; quit from the tray menu.',
    urgency: 'normal',
    route: { view: 'home' },
  }
}
