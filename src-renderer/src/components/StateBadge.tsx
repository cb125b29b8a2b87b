import type { BottleState } from '../../../src-shared/contract'

const LABELS: Record<BottleState, string> = {
  launching: 'Launching',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
}

export function StateBadge({ state, title }: { state: BottleState; title?: string | null }) {
  return (
    <span className={`badge badge-${state}`} data-state={state} title={title ?? undefined}>
      <span className="badge-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  )
}
