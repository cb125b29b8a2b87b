import { create } from 'zustand'
import { HOME, formatRoute, parseRoute, type Route } from '../lib/routes'

interface RouteStore {
  route: Route
  /** What shows under the new-bottle dialog: the last route that was not the dialog. */
  background: Route
}

function initial(): RouteStore {
  const route = parseRoute(window.location.hash)
  return { route, background: route.name === 'new' ? HOME : route }
}

export const useRoute = create<RouteStore>(initial)

function sync(): void {
  const route = parseRoute(window.location.hash)
  useRoute.setState((s) => ({ route, background: route.name === 'new' ? s.background : route }))
}

/** Follows the address bar's hash (deep links from the menu bar, back/forward). */
export function startRouter(): () => void {
  sync()
  window.addEventListener('hashchange', sync)
  return () => window.removeEventListener('hashchange', sync)
}

/** Goes to a route; `replace` keeps it out of history (redirects, closing a dialog). */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = formatRoute(route)
  if (window.location.hash === hash) return
  if (options.replace) window.history.replaceState(null, '', hash)
  else window.history.pushState(null, '', hash)
  sync() // pushState/replaceState fire no hashchange
}

/** Closes the new-bottle dialog, back to what was under it. */
export function closeDialogRoute(): void {
  navigate(useRoute.getState().background, { replace: true })
}
