import type { BottleService } from './bottles/bottle-service'
import { DisposableStore, type Disposable } from './base/lifecycle'
import type { Logger } from './base/logger'
import type { SessionService } from './sessions/session-service'

/** Size of an agent session before any terminal attaches (the first viewer resizes it). */
const AGENT_SESSION_SIZE = { cols: 120, rows: 32 }

/** The agent sessions of the long-lived modes; `resume` is fed the bottles reconcile finds up. */
export interface AgentSessions extends Disposable {
  /** Opens the agent of running bottles this process has not run one for (adopted at start). */
  resume(ids: readonly string[]): void
}

/**
 * In the long-lived modes (app, serve) a bottle exists for its agent: the
 * agent session starts as soon as the bottle runs — or, for a running bottle
 * this process adopts (the app restarted), as soon as reconcile finds it up —
 * and when it ends on its own (the agent exited) the bottle is torn down with
 * its exit code, as the original system did. A session closed on request, or
 * by a stop, does not; nor is a closed agent opened again.
 */
export function runAgentSessions(
  bottles: BottleService,
  sessions: SessionService,
  log: Logger,
): AgentSessions {
  const store = new DisposableStore()
  /** Bottles whose agent this process has started (or is starting). */
  const started = new Set<string>()
  const open = async (id: string): Promise<void> => {
    started.add(id)
    await sessions.open({ bottleId: id, kind: 'agent', ...AGENT_SESSION_SIZE })
  }
  store.add(
    bottles.useHooks({
      onRunning: (id) => open(id),
    }),
  )
  store.add(bottles.onEvent((e) => e.kind === 'removed' && started.delete(e.id)))
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
  return {
    resume(ids) {
      for (const id of ids) {
        if (started.has(id) || store.isDisposed) continue
        if (sessions.list(id).some((s) => s.kind === 'agent')) {
          started.add(id)
          continue
        }
        log.info('opening the agent of a running bottle adopted at start', id)
        open(id).catch((e: unknown) =>
          log.error(`could not open the agent session: ${(e as Error).message}`, id),
        )
      }
    },
    dispose: () => store.dispose(),
  }
}
