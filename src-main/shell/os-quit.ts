/**
 * A quit the tray did not start (logout, Cmd+Q, a signal). Running bottles
 * stay up (they are adopted at the next start), but nothing is left half
 * done: a stop the tray's quit flow started is finished by that flow, and a
 * launch or stop in progress is cancelled/finished before the app exits.
 */
export type OsQuitDecision =
  /** Let the app exit now. */
  | 'quit'
  /** Hold the exit; someone (the tray's quit flow, or an earlier finish) will quit when done. */
  | 'wait'
  /** Hold the exit, cancel launches and wait for teardowns, then quit. */
  | 'finish-work'

export function decideOsQuit(s: {
  /** The exit was already approved (by the tray flow or a finished wait). */
  approved: boolean
  /** The tray's quit flow is stopping bottles. */
  trayQuitting: boolean
  /** A launch or stop runs in this process. */
  workInProgress: boolean
  /** finish-work is already under way. */
  finishing: boolean
}): OsQuitDecision {
  if (s.approved) return 'quit'
  if (s.trayQuitting || s.finishing) return 'wait'
  return s.workInProgress ? 'finish-work' : 'quit'
}
