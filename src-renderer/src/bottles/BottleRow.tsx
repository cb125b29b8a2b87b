import { memo } from 'react'
import type { Bottle } from '../../../src-shared/contract'
import { StateBadge } from '../components/StateBadge'
import { baseName, elapsed, formatAgo, formatUptime } from '../lib/format'
import { useNow } from '../stores/clock-store'
import { useBottles } from '../stores/bottles-store'

interface Props {
  id: string
  selected: boolean
  focusable: boolean
  onSelect: (id: string) => void
}

/** One bottle in the sidebar; re-renders only when its own bottle changes. */
export const BottleRow = memo(function BottleRow({ id, selected, focusable, onSelect }: Props) {
  const bottle = useBottles((s) => s.byId[id])
  if (!bottle) return null
  // An ended bottle stays listed, saying why, until it is removed.
  const ended = bottle.state === 'stopped' || bottle.state === 'failed'
  const reason = ended ? (bottle.stateDetail ?? bottle.error?.message ?? null) : null
  return (
    <li
      role="option"
      aria-selected={selected}
      tabIndex={focusable ? 0 : -1}
      data-bottle-id={id}
      className={`bottle-row${selected ? ' selected' : ''}`}
      onClick={() => onSelect(id)}
    >
      <div className="bottle-row-top">
        <span className="bottle-agent">{bottle.agent}</span>
        <StateBadge state={bottle.state} title={bottle.stateDetail} />
      </div>
      <div className="bottle-row-bottom">
        <span className="bottle-folder" title={bottle.projectDir}>
          {baseName(bottle.projectDir)}
        </span>
        {/* Two bottles of one agent and folder differ by their slug's last part. */}
        <span className="bottle-tag" title={`bottle ${id}`}>
          {id.slice(id.lastIndexOf('-') + 1)}
        </span>
        <RowTime bottle={bottle} />
      </div>
      {reason && (
        <div className="bottle-reason" title={reason}>
          {reason}
        </div>
      )}
    </li>
  )
})

/** Uptime while running; otherwise when it ended. */
function RowTime({ bottle }: { bottle: Bottle }) {
  const running = bottle.state === 'running'
  const now = useNow(running)
  if (running && bottle.startedAt) {
    return (
      <span className="bottle-time" title="Uptime">
        up {formatUptime(elapsed(bottle.startedAt, null, now) ?? 0)}
      </span>
    )
  }
  if (bottle.endedAt) {
    return <span className="bottle-time">{formatAgo(bottle.endedAt, now)}</span>
  }
  return null
}
