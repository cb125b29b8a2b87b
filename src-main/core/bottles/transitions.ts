import type { Bottle, BottleState } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'

/**
 * Every state a bottle may move to from each state. The one table the
 * launch, stop, retry and (later) reconcile code all go through.
 */
const ALLOWED: Record<BottleState, readonly BottleState[]> = {
  launching: ['running', 'failed', 'stopping', 'stopped'],
  running: ['stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  // A retry relaunches a bottle that ended; a failed one may still hold resources to tear down.
  stopped: ['launching'],
  failed: ['launching', 'stopping'],
}

export function canTransition(from: BottleState, to: BottleState): boolean {
  return ALLOWED[from].includes(to)
}

/** The bottle after moving to `to`, with the timestamps that move implies. */
export function transition(
  b: Bottle,
  to: BottleState,
  detail: string | null,
  now = new Date().toISOString(),
): Bottle {
  if (!canTransition(b.state, to)) {
    throw new RpcError('PRECONDITION', `bottle ${b.id} is ${b.state}; it cannot become ${to}`)
  }
  const next: Bottle = { ...b, state: to, stateDetail: detail }
  if (to === 'launching') Object.assign(next, { startedAt: null, endedAt: null, error: null })
  if (to === 'running') next.startedAt = now
  if (to === 'stopped' || to === 'failed') next.endedAt = now
  return next
}
