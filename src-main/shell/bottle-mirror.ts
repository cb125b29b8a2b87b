import type { Bottle, BottleEvent, SessionEvent, SessionInfo } from '../../src-shared/contract'

/** The list with `item` replacing the one of the same id, or appended. */
function upsert<T extends { id: string }>(list: readonly T[], item: T): readonly T[] {
  const i = list.findIndex((x) => x.id === item.id)
  return i < 0 ? [...list, item] : list.map((x, k) => (k === i ? item : x))
}

function remove<T extends { id: string }>(list: readonly T[], id: string): readonly T[] {
  return list.some((x) => x.id === id) ? list.filter((x) => x.id !== id) : list
}

/**
 * Folds `bottles.events` into the list of bottles the shell shows. Pure:
 * returns a new array when something changed, the same one otherwise.
 * Teardown and orphan events leave the list alone (they are not states).
 */
export function applyBottleEvent(bottles: readonly Bottle[], ev: BottleEvent): readonly Bottle[] {
  switch (ev.kind) {
    case 'snapshot':
      return ev.bottles
    case 'upsert':
      return upsert(bottles, ev.bottle)
    case 'removed':
      return remove(bottles, ev.id)
    case 'step': {
      const i = bottles.findIndex((b) => b.id === ev.id)
      const bottle = bottles[i]
      if (!bottle) return bottles
      const s = bottle.steps.findIndex((st) => st.id === ev.step.id)
      const steps =
        s < 0 ? [...bottle.steps, ev.step] : bottle.steps.map((st, k) => (k === s ? ev.step : st))
      const next = [...bottles]
      next[i] = { ...bottle, steps }
      return next
    }
    case 'teardown':
    case 'orphans':
      return bottles
  }
}

/** Folds `sessions.events` the same way. */
export function applySessionEvent(
  sessions: readonly SessionInfo[],
  ev: SessionEvent,
): readonly SessionInfo[] {
  switch (ev.kind) {
    case 'snapshot':
      return ev.sessions
    case 'upsert':
      return upsert(sessions, ev.session)
    case 'removed':
      return remove(sessions, ev.id)
  }
}

/** States in which a bottle holds resources (a VM, a container, a network). */
export function isActive(b: Pick<Bottle, 'state'>): boolean {
  return b.state === 'launching' || b.state === 'running' || b.state === 'stopping'
}
