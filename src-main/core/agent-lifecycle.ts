import type { BottleService } from './bottles/bottle-service'
import { DisposableStore, type Disposable } from './base/lifecycle'
import type { Logger } from './base/logger'
import type { SessionService } from './sessions/session-service'

/** Size of an agent session before any terminal attaches (the first viewer resizes it). */
const AGENT_SESSION_SIZE = { cols: 120, rows: 32 }

/**
 * In the long-lived modes (app, serve) a bottle exists for its agent: the
 * agent session starts as soon as the bottle runs, and when it ends on its own
 * (the agent exited) the bottle is torn down with its exit code, as the
 * original system did. A session closed on request, or by a stop, does not.
 */
export function runAgentSessions(
  bottles: BottleService,
  sessions: SessionService,
  log: Logger,
): Disposable {
  const store = new DisposableStore()
  store.add(
    bottles.useHooks({
      onRunning: async (id) => {
        await sessions.open({ bottleId: id, kind: 'agent', ...AGENT_SESSION_SIZE })
      },
    }),
  )
  store.add(
    sessions.onDidEnd(({ session, requested }) => {
      if (session.kind !== 'agent' || requested) return
      const bottle = bottles.list().find((b) => b.id === session.bottleId)
      if (bottle?.state !== 'running') return
      const how =
        session.signal !== null ? `signal ${session.signal}` : `exit code ${session.exitCode}`
      bottles
        .stop(session.bottleId, 'session-ended', {
          detail: `the agent session ended (${how})`,
          exitCode: session.exitCode,
        })
        .catch((e: unknown) =>
          log.error(`stopping after the agent ended: ${(e as Error).message}`, session.bottleId),
        )
    }),
  )
  return store
}
