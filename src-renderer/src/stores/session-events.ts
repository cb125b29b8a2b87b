import type { SessionEvent, SessionInfo } from '../../../src-shared/contract'

/** Every bottle's sessions, oldest first; a bottle's array is new only when its sessions change. */
export type SessionsByBottle = Readonly<Record<string, readonly SessionInfo[]>>

/** Folds one `sessions.events` event in; returns the same object when nothing changed. */
export function applySessionEvent(data: SessionsByBottle, event: SessionEvent): SessionsByBottle {
  switch (event.kind) {
    case 'snapshot': {
      const next: Record<string, SessionInfo[]> = {}
      for (const s of event.sessions) (next[s.bottleId] ??= []).push(s)
      for (const [bottleId, list] of Object.entries(next)) next[bottleId] = sortByStart(list)
      return next
    }
    case 'upsert': {
      const s = event.session
      const list = data[s.bottleId] ?? []
      const i = list.findIndex((x) => x.id === s.id)
      const next = i < 0 ? sortByStart([...list, s]) : list.map((x, j) => (j === i ? s : x))
      return { ...data, [s.bottleId]: next }
    }
    case 'removed': {
      for (const [bottleId, list] of Object.entries(data)) {
        if (!list.some((s) => s.id === event.id)) continue
        const next = list.filter((s) => s.id !== event.id)
        if (next.length > 0) return { ...data, [bottleId]: next }
        const rest = { ...data }
        delete rest[bottleId]
        return rest
      }
      return data
    }
  }
}

function sortByStart(list: SessionInfo[]): SessionInfo[] {
  return [...list].sort((a, b) => a.startedAt.localeCompare(b.startedAt))
}
