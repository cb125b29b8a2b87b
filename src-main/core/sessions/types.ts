import type { SessionKind, SessionOutputEvent } from '../../../src-shared/contract'
import type { PtyCommand } from '../smolvm/types'

/**
 * What to run for a new session of a bottle: the launch code provides
 * `smolvm machine exec --name N -i -t -e TERM=xterm-256color -e LANG=C.UTF-8 -w <workdir> -- <cmd>`
 * (a login shell for `shell`). Throws an RpcError (e.g. PRECONDITION when the
 * bottle is not running) to refuse.
 */
export type SessionCommandProvider = (bottleId: string, kind: SessionKind) => Promise<PtyCommand>

/**
 * One consumer of a session's output (a `sessions.output` subscription).
 * Receives a `snapshot` first, then `data`, then `exit` once the process ends.
 */
export interface SessionViewer {
  emit(event: SessionOutputEvent): void
  /**
   * No more output for this viewer: the session is gone (dismissed, or the
   * service shut down), or `stalled` — it held the pty paused without
   * acknowledging for ShutdownConstants.StalledViewerMs and was detached (it
   * may attach again and start from the snapshot).
   */
  end(reason?: 'stalled'): void
}

/** Counters for tests and benchmarks: what the flow control did, what is held in memory. */
export interface SessionStats {
  pauses: number
  resumes: number
  paused: boolean
  viewers: number
  /**
   * Characters held by the session outside the mirror's screen: the batch
   * waiting to be sent, output not yet applied to the mirror, and output
   * queued for viewers still receiving their snapshot.
   */
  retainedChars: number
  /** Characters read from the pty since the session started. */
  outputChars: number
  /** Viewers detached for not acknowledging while they held the pty paused. */
  stalledViewers: number
}
