import { create } from 'zustand'

export interface Notice {
  id: number
  tone: 'info' | 'warn' | 'error'
  title: string
  detail?: string
  /** Where "Show" goes (a hash route), if anywhere. */
  href?: string
}

interface NoticesStore {
  notices: Notice[]
}

export const useNotices = create<NoticesStore>(() => ({ notices: [] }))

let nextId = 1
const MAX_NOTICES = 5

/** Shows a transient notice (bottle endings, completed actions); the list keeps the newest few. */
export function pushNotice(notice: Omit<Notice, 'id'>): number {
  const id = nextId++
  useNotices.setState((s) => ({ notices: [...s.notices, { ...notice, id }].slice(-MAX_NOTICES) }))
  return id
}

export function dismissNotice(id: number): void {
  useNotices.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }))
}
