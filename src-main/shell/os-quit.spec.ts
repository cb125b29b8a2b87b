import { describe, expect, it } from 'vitest'
import { decideOsQuit } from './os-quit'

const base = { approved: false, trayQuitting: false, workInProgress: false, finishing: false }

describe('a quit the tray did not start', () => {
  it('exits at once when nothing is in progress (running bottles stay up)', () => {
    expect(decideOsQuit(base)).toBe('quit')
  })

  it('finishes a launch or stop in progress first, never leaving it half done', () => {
    expect(decideOsQuit({ ...base, workInProgress: true })).toBe('finish-work')
  })

  it('waits while that finishing, or the tray’s own quit flow, is under way', () => {
    expect(decideOsQuit({ ...base, workInProgress: true, finishing: true })).toBe('wait')
    expect(decideOsQuit({ ...base, trayQuitting: true })).toBe('wait')
  })

  it('lets an approved exit through', () => {
    expect(
      decideOsQuit({ ...base, approved: true, workInProgress: true, trayQuitting: true }),
    ).toBe('quit')
  })
})
