import { create } from 'zustand'
import type { SessionInfo } from '../../../src-shared/contract'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { follow } from '../lib/backend'
import { applySessionEvent, type SessionsByBottle } from './session-events'

interface SessionsStore {
  byBottle: SessionsByBottle
  /** A snapshot has arrived: the lists are known (stale while a reconnect is under way). */
  loaded: boolean
  /** Why the feed is not live; cleared when a new subscription delivers its snapshot. */
  error: RpcErrorShape | null
}

export const useSessions = create<SessionsStore>(() => ({
  byBottle: {},
  loaded: false,
  error: null,
}))

const NONE: readonly SessionInfo[] = []

/** One bottle's sessions, oldest first (the same array until they change). */
export function useBottleSessions(bottleId: string): readonly SessionInfo[] {
  return useSessions((s) => s.byBottle[bottleId] ?? NONE)
}

/**
 * Feeds the store from sessions.events (a snapshot, then changes) across
 * reconnects. Only the list: terminal output goes straight from the RPC into
 * xterm (terminal/terminal-view.ts).
 */
export function startSessionsFeed(): () => void {
  return follow(
    'sessions.events',
    {},
    {
      onEvent: (event) =>
        useSessions.setState((s) => {
          const byBottle = applySessionEvent(s.byBottle, event)
          if (event.kind === 'snapshot') return { byBottle, loaded: true, error: null }
          return byBottle === s.byBottle ? s : { byBottle }
        }),
      onEnd: (error) =>
        useSessions.setState({
          error: error?.toShape() ?? {
            code: 'UNAVAILABLE',
            message: 'the backend ended the session feed',
          },
        }),
    },
  )
}
