import { MAX_SESSIONS_PER_BOTTLE } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { SessionCommandProvider } from '../sessions/types'

/** smolvm's guest agent serves this many connections per VM; further ones block (smolvm-cli.md §1.4). */
const AGENT_CONNECTIONS = 8

/**
 * Terminal sessions (the agent's and shells) each hold one of those
 * connections for their whole life. At most MAX_SESSIONS_PER_BOTTLE run per
 * bottle, so smolvm's status ping, the self-test, an exec or a cp always find
 * one free — an agent with none reads `unreachable`.
 */
export { MAX_SESSIONS_PER_BOTTLE }

/**
 * The session provider, refusing a session beyond the cap. `running` counts
 * a bottle's sessions whose process runs; one being opened counts from the
 * provider call until its opener has registered it (the turn after the
 * command is handed over), so two opens at once cannot both take the last.
 */
export function capSessions(
  provider: SessionCommandProvider,
  running: (bottleId: string) => number,
  max = MAX_SESSIONS_PER_BOTTLE,
): SessionCommandProvider {
  const opening = new Map<string, number>()
  const count = (id: string, by: number): void => {
    const n = (opening.get(id) ?? 0) + by
    if (n > 0) opening.set(id, n)
    else opening.delete(id)
  }
  return async (bottleId, kind) => {
    const n = running(bottleId) + (opening.get(bottleId) ?? 0)
    if (n >= max) {
      throw new RpcError(
        'PRECONDITION',
        `this bottle already has ${n} sessions: close one first (smolvm allows ${AGENT_CONNECTIONS} connections per VM)`,
        { sessions: n, max },
      )
    }
    count(bottleId, 1)
    try {
      return await provider(bottleId, kind)
    } finally {
      setImmediate(() => count(bottleId, -1))
    }
  }
}
