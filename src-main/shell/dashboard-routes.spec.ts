import { describe, expect, it } from 'vitest'
import { dashboardUrl, parseRouteHash, routeHash, type DashboardRoute } from './dashboard-routes'
import { APP_ORIGIN, isAllowedNavigation } from './security-policy'

describe('dashboard routes', () => {
  const cases: [DashboardRoute, string][] = [
    [{ view: 'home' }, '#/'],
    [{ view: 'bottle', id: 'claude-app-1' }, '#/bottles/claude-app-1'],
    [{ view: 'bottle', id: 'claude-app-1', tab: 'terminal' }, '#/bottles/claude-app-1/terminal'],
    [
      { view: 'bottle', id: 'claude-app-1', tab: 'terminal', session: 's-7' },
      '#/bottles/claude-app-1/terminal?session=s-7',
    ],
    [{ view: 'doctor' }, '#/doctor'],
    [{ view: 'new' }, '#/new'],
    [
      { view: 'new', agent: 'claude', dir: '/home/me/R&D/a b?#' },
      '#/new?agent=claude&dir=%2Fhome%2Fme%2FR%26D%2Fa%20b%3F%23',
    ],
  ]

  it.each(cases)('%j ⇄ %s', (route, hash) => {
    expect(routeHash(route)).toBe(hash)
    expect(parseRouteHash(hash)).toEqual(route)
  })

  it('rejects what it does not produce', () => {
    for (const h of ['', '#', 'doctor', '#/unknown', '#/bottles/', '#/bottles/x/logs']) {
      expect(parseRouteHash(h)).toBeNull()
    }
  })

  it('replaces only the hash, so navigation stays within the app origin', () => {
    const url = dashboardUrl(`${APP_ORIGIN}/index.html#/doctor`, { view: 'bottle', id: 'x' })
    expect(url).toBe(`${APP_ORIGIN}/index.html#/bottles/x`)
    expect(isAllowedNavigation(url, APP_ORIGIN)).toBe(true)
    expect(dashboardUrl('http://localhost:5173/', { view: 'doctor' })).toBe(
      'http://localhost:5173/#/doctor',
    )
  })
})
