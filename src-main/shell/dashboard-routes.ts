/**
 * Where the tray and notifications send the dashboard: a hash route inside
 * the app's own origin (never another page, so navigation rules stay
 * "same origin only"). The dashboard honours these hashes:
 *
 *   #/                                      the bottle list
 *   #/bottles/<id>                          one bottle (overview)
 *   #/bottles/<id>/terminal                 its terminal
 *   #/bottles/<id>/terminal?session=<sid>   …focused on one session
 *   #/doctor                                the preflight checks
 *   #/new?agent=<name>&dir=<path>           the launch form, prefilled (both optional)
 *
 * Query values are percent-encoded (encodeURIComponent); <id> is a slug.
 * The main process changes only the hash of the loaded page, a same-document
 * navigation: the renderer listens for `hashchange`, its RPC connection stays.
 */
export type DashboardRoute =
  | { view: 'home' }
  | { view: 'bottle'; id: string; tab?: 'terminal'; session?: string }
  | { view: 'doctor' }
  | { view: 'new'; agent?: string; dir?: string }

function query(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

export function routeHash(route: DashboardRoute): string {
  switch (route.view) {
    case 'home':
      return '#/'
    case 'doctor':
      return '#/doctor'
    case 'new':
      return `#/new${query({ agent: route.agent, dir: route.dir })}`
    case 'bottle': {
      const base = `#/bottles/${encodeURIComponent(route.id)}`
      if (route.tab !== 'terminal') return base
      return `${base}/terminal${query({ session: route.session })}`
    }
  }
}

/** The inverse of routeHash; null for anything it does not produce. */
export function parseRouteHash(hash: string): DashboardRoute | null {
  const m = /^#(\/[^?]*)(?:\?(.*))?$/.exec(hash)
  if (!m) return null
  const path = m[1] ?? '/'
  const params = new URLSearchParams(m[2] ?? '')
  const opt = (k: string): { [key: string]: string } => {
    const v = params.get(k)
    return v ? { [k]: v } : {}
  }
  if (path === '/') return { view: 'home' }
  if (path === '/doctor') return { view: 'doctor' }
  if (path === '/new') return { view: 'new', ...opt('agent'), ...opt('dir') }
  const b = /^\/bottles\/([^/]+)(\/terminal)?$/.exec(path)
  if (!b?.[1]) return null
  const id = decodeURIComponent(b[1])
  return b[2] ? { view: 'bottle', id, tab: 'terminal', ...opt('session') } : { view: 'bottle', id }
}

/** The app URL with its hash replaced by the route's. */
export function dashboardUrl(appUrl: string, route: DashboardRoute): string {
  const i = appUrl.indexOf('#')
  return (i < 0 ? appUrl : appUrl.slice(0, i)) + routeHash(route)
}
