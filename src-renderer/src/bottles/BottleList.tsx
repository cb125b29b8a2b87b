import { useRef, type KeyboardEvent } from 'react'
import { ErrorNotice } from '../components/ErrorNotice'
import { Empty, Loading } from '../components/States'
import { useBottles } from '../stores/bottles-store'
import { navigate, useRoute } from '../stores/route-store'
import { BottleRow } from './BottleRow'

/**
 * The sidebar: every bottle, live from bottles.events. ↑/↓ (Home/End) move
 * through the list and show the bottle; Enter opens it.
 */
export function BottleList() {
  const ids = useBottles((s) => s.ids)
  const status = useBottles((s) => s.status)
  const error = useBottles((s) => s.error)
  const selected = useRoute((s) => (s.background.name === 'bottle' ? s.background.id : null))
  const listRef = useRef<HTMLUListElement>(null)

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    if (ids.length === 0) return
    const current = ids.indexOf(
      (document.activeElement as HTMLElement | null)?.dataset.bottleId ?? selected ?? '',
    )
    let next = -1
    if (e.key === 'ArrowDown') next = Math.min(ids.length - 1, current + 1)
    else if (e.key === 'ArrowUp') next = Math.max(0, current - 1)
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = ids.length - 1
    else if (e.key === 'Enter' && current >= 0) {
      e.preventDefault()
      select(ids[current]!)
      return
    }
    if (next < 0) return
    e.preventDefault()
    const id = ids[next]!
    select(id, true)
    listRef.current?.querySelector<HTMLElement>(`[data-bottle-id="${CSS.escape(id)}"]`)?.focus()
  }

  if (ids.length === 0) {
    if (status === 'connecting') return <Loading label="Loading bottles…" />
    if (status === 'error' && error) {
      return <ErrorNotice error={error} title="Could not load the bottles" compact />
    }
    return (
      <Empty title="No bottles yet">
        <p>A bottle runs an agent in its own microVM that can reach only the hosts you allow.</p>
        <button type="button" className="btn btn-primary" onClick={() => navigate(newRoute)}>
          New bottle
        </button>
      </Empty>
    )
  }

  const focusId = selected && ids.includes(selected) ? selected : ids[0]
  return (
    <>
      {status === 'error' && error && (
        <p className="stale-note" role="alert">
          Not live: {error.message}
        </p>
      )}
      <ul
        ref={listRef}
        className="bottle-list"
        role="listbox"
        aria-label="Bottles"
        onKeyDown={onKeyDown}
      >
        {ids.map((id) => (
          <BottleRow
            key={id}
            id={id}
            selected={id === selected}
            focusable={id === focusId}
            onSelect={select}
          />
        ))}
      </ul>
    </>
  )
}

const newRoute = { name: 'new', agent: null, dir: null } as const

function select(id: string, replace = false): void {
  navigate({ name: 'bottle', id, tab: 'overview' }, { replace })
}
