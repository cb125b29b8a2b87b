/** The bottle detail's tabs, each deep-linkable (`#/bottles/<id>/<tab>`). */
export const BOTTLE_TABS = ['overview', 'terminal', 'logs', 'info'] as const
export type BottleTab = (typeof BOTTLE_TABS)[number]

export type Route =
  | { name: 'home' }
  | { name: 'bottle'; id: string; tab: BottleTab }
  | { name: 'doctor' }
  | { name: 'cache' }
  | { name: 'settings' }
  /** The new-bottle dialog, optionally prefilled (the menu bar's "New bottle in…"). */
  | { name: 'new'; agent: string | null; dir: string | null }

export const HOME: Route = { name: 'home' }

/**
 * Parses the hash routes the menu-bar shell deep-links to:
 * `#/bottles/<id>`, `#/bottles/<id>/terminal`, `#/doctor`, `#/new?agent=&dir=`,
 * plus `#/cache`, `#/settings` and the other detail tabs. Anything else is home.
 */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '')
  const q = raw.indexOf('?')
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/^\/+|\/+$/g, '')
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
  const parts = path.split('/').filter(Boolean).map(safeDecode)
  const [head, id, tab] = parts
  switch (head) {
    case 'bottles':
      if (!id) return HOME
      return {
        name: 'bottle',
        id,
        tab: (BOTTLE_TABS as readonly string[]).includes(tab ?? '')
          ? (tab as BottleTab)
          : 'overview',
      }
    case 'doctor':
    case 'cache':
    case 'settings':
      return { name: head }
    case 'new':
      return { name: 'new', agent: query.get('agent') || null, dir: query.get('dir') || null }
    default:
      return HOME
  }
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/'
    case 'bottle': {
      const base = `#/bottles/${encodeURIComponent(route.id)}`
      return route.tab === 'overview' ? base : `${base}/${route.tab}`
    }
    case 'new': {
      const q = new URLSearchParams()
      if (route.agent) q.set('agent', route.agent)
      if (route.dir) q.set('dir', route.dir)
      const s = q.toString()
      return s ? `#/new?${s}` : '#/new'
    }
    default:
      return `#/${route.name}`
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
