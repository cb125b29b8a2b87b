import { describe, expect, it } from 'vitest'
import { formatRoute, parseRoute, type Route } from './routes'

describe('hash routes', () => {
  it('parses the menu-bar deep links', () => {
    expect(parseRoute('#/bottles/claude-proj-1a2b')).toEqual({
      name: 'bottle',
      id: 'claude-proj-1a2b',
      tab: 'overview',
    })
    expect(parseRoute('#/bottles/claude-proj-1a2b/terminal')).toEqual({
      name: 'bottle',
      id: 'claude-proj-1a2b',
      tab: 'terminal',
    })
    expect(parseRoute('#/doctor')).toEqual({ name: 'doctor' })
    expect(parseRoute('#/new?agent=claude&dir=%2Fhome%2Fme%2Fmy%20proj')).toEqual({
      name: 'new',
      agent: 'claude',
      dir: '/home/me/my proj',
    })
  })

  it('falls back to home for unknown or partial routes', () => {
    for (const h of ['', '#', '#/', '#/nowhere', '#/bottles', '#/bottles/']) {
      expect(parseRoute(h)).toEqual({ name: 'home' })
    }
    expect(parseRoute('#/bottles/x/bogus')).toEqual({ name: 'bottle', id: 'x', tab: 'overview' })
    expect(parseRoute('#/new')).toEqual({ name: 'new', agent: null, dir: null })
  })

  it('round-trips every route', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'bottle', id: 'a-b', tab: 'overview' },
      { name: 'bottle', id: 'a-b', tab: 'logs' },
      { name: 'doctor' },
      { name: 'cache' },
      { name: 'settings' },
      { name: 'new', agent: 'claude', dir: '/tmp/x y' },
      { name: 'new', agent: null, dir: null },
    ]
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r)
  })
})
