import type { Bottle } from '../../src-shared/contract'

/** What the tray icon shows (see trayStatus for the priority). */
export type TrayStatus = 'idle' | 'running' | 'busy' | 'error'

export interface BottleCounts {
  running: number
  launching: number
  stopping: number
  failed: number
  stopped: number
  total: number
}

export function countBottles(bottles: readonly Pick<Bottle, 'state'>[]): BottleCounts {
  const c: BottleCounts = { running: 0, launching: 0, stopping: 0, failed: 0, stopped: 0, total: 0 }
  for (const b of bottles) {
    c[b.state]++
    c.total++
  }
  return c
}

/**
 * The aggregate state. Work in progress (launching, stopping) animates and
 * wins, so a new launch is visible even while an old failure waits; then
 * errors (a failed bottle, failing preflight checks, no backend); then running.
 */
export function trayStatus(
  counts: BottleCounts,
  problems: { setup: number; backendDown: boolean },
): TrayStatus {
  if (counts.launching + counts.stopping > 0) return 'busy'
  if (counts.failed > 0 || problems.setup > 0 || problems.backendDown) return 'error'
  if (counts.running > 0) return 'running'
  return 'idle'
}

/** "2 running · 1 launching · 1 failed", or null when there is nothing to count. */
export function countsText(c: BottleCounts): string | null {
  const parts: string[] = []
  if (c.running) parts.push(`${c.running} running`)
  if (c.launching) parts.push(`${c.launching} launching`)
  if (c.stopping) parts.push(`${c.stopping} stopping`)
  if (c.failed) parts.push(`${c.failed} failed`)
  return parts.length ? parts.join(' · ') : null
}

export function trayTooltip(
  counts: BottleCounts,
  problems: { setup: number; backendDown: boolean },
  progress: string | null,
): string {
  if (progress) return `Bot Bottle — ${progress}`
  if (problems.backendDown) return 'Bot Bottle — backend unavailable'
  const text = countsText(counts)
  const setup = problems.setup
    ? ` · ${problems.setup} setup problem${problems.setup === 1 ? '' : 's'}`
    : ''
  return `Bot Bottle — ${text ?? 'no bottles running'}${setup}`
}

/** Animation of the busy icon: frames and their period. */
export const BUSY_FRAMES = 4
export const BUSY_FRAME_MS = 350

export type IconPlatform = 'darwin' | 'linux' | 'win32'

/**
 * The tray image under resources/ (its @2x sibling sits beside it). macOS
 * gets template images (black + alpha, tinted by the system); Linux panels
 * are usually dark, so a light glyph; Windows follows the system theme.
 */
export function trayIconFile(
  status: TrayStatus,
  frame: number,
  platform: IconPlatform,
  darkTheme: boolean,
): string {
  const name =
    status === 'busy' ? `busy-${((frame % BUSY_FRAMES) + BUSY_FRAMES) % BUSY_FRAMES}` : status
  if (platform === 'darwin') return `tray/mac/bottle-${name}Template.png`
  if (platform === 'linux') return `tray/linux/bottle-${name}.png`
  return `tray/${darkTheme ? 'win-dark' : 'win-light'}/bottle-${name}.png`
}

/** macOS shows a short title beside the icon: the number of running bottles. */
export function trayTitle(counts: BottleCounts): string {
  return counts.running > 0 ? String(counts.running) : ''
}
