import {
  StepId,
  type Bottle,
  type BottleEvent,
  type LaunchStep,
  type Orphan,
  type Teardown,
} from '../../../src-shared/contract'

/** What bottles.events builds up: the bottles, their display order, leftovers and last endings. */
export interface BottleData {
  byId: Record<string, Bottle>
  /** Newest first; a new array only when a bottle comes or goes (rows re-render alone). */
  ids: string[]
  orphans: Orphan[]
  /** The last teardown of each bottle, kept after the bottle is removed. */
  teardowns: Record<string, Teardown>
}

export const EMPTY_BOTTLES: BottleData = { byId: {}, ids: [], orphans: [], teardowns: {} }

const STEP_ORDER = new Map(StepId.options.map((id, i) => [id, i]))

/** Applies one bottles.events event; returns the same object when nothing changed. */
export function applyBottleEvent(data: BottleData, event: BottleEvent): BottleData {
  switch (event.kind) {
    case 'snapshot': {
      const byId: Record<string, Bottle> = {}
      for (const b of event.bottles) byId[b.id] = b
      return { ...data, byId, ids: sortIds(byId), orphans: event.orphans }
    }
    case 'upsert': {
      const b = event.bottle
      const isNew = !(b.id in data.byId)
      const byId = { ...data.byId, [b.id]: b }
      return { ...data, byId, ids: isNew ? sortIds(byId) : data.ids }
    }
    case 'removed': {
      if (!(event.id in data.byId)) return data
      const byId = { ...data.byId }
      delete byId[event.id]
      return { ...data, byId, ids: data.ids.filter((id) => id !== event.id) }
    }
    case 'step': {
      const b = data.byId[event.id]
      if (!b) return data
      return {
        ...data,
        byId: { ...data.byId, [b.id]: { ...b, steps: withStep(b.steps, event.step) } },
      }
    }
    case 'teardown':
      return { ...data, teardowns: { ...data.teardowns, [event.teardown.id]: event.teardown } }
    case 'orphans':
      return { ...data, orphans: event.orphans }
  }
}

/** Replaces the step with the same id, or inserts it in boot order. */
export function withStep(steps: LaunchStep[], step: LaunchStep): LaunchStep[] {
  const i = steps.findIndex((s) => s.id === step.id)
  if (i >= 0) return steps.map((s, j) => (j === i ? step : s))
  return [...steps, step].sort((a, b) => (STEP_ORDER.get(a.id) ?? 0) - (STEP_ORDER.get(b.id) ?? 0))
}

function sortIds(byId: Record<string, Bottle>): string[] {
  return Object.values(byId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
    .map((b) => b.id)
}
