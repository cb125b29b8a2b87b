import type { SessionEvent, SessionInfo } from '../../../src-shared/contract'

/** Folds one `sessions.events` event into a bottle's session list (oldest first). */
export function applySessionEvent(
  list: SessionInfo[],
  event: SessionEvent,
  bottleId: string,
): SessionInfo[] {
  switch (event.kind) {
    case 'snapshot':
      return sortByStart(event.sessions.filter((s) => s.bottleId === bottleId))
    case 'upsert': {
      if (event.session.bottleId !== bottleId) return list
      const i = list.findIndex((s) => s.id === event.session.id)
      if (i < 0) return sortByStart([...list, event.session])
      const next = [...list]
      next[i] = event.session
      return next
    }
    case 'removed':
      return list.some((s) => s.id === event.id) ? list.filter((s) => s.id !== event.id) : list
  }
}

/** The tab to show when none is chosen (or the chosen one is gone): the running agent first. */
export function defaultSession(list: SessionInfo[]): SessionInfo | undefined {
  const running = list.filter((s) => s.state === 'running')
  return running.find((s) => s.kind === 'agent') ?? running[0] ?? list[0]
}

/** "running", "exited (3)", "killed (signal 1)". */
export function sessionStateLabel(s: SessionInfo): string {
  if (s.state === 'running') return 'running'
  if (s.signal !== null) return `killed (signal ${s.signal})`
  return s.exitCode === null ? 'exited' : `exited (${s.exitCode})`
}

function sortByStart(list: SessionInfo[]): SessionInfo[] {
  return [...list].sort((a, b) => a.startedAt.localeCompare(b.startedAt))
}
