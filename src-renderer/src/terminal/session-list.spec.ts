import { describe, expect, it } from 'vitest'
import type { SessionInfo } from '../../../src-shared/contract'
import { applySessionEvent, defaultSession, sessionStateLabel } from './session-list'

function info(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    bottleId: 'b1',
    kind: 'shell',
    title: id,
    state: 'running',
    cols: 80,
    rows: 24,
    startedAt: `2025-01-01T00:00:0${id.length}Z`,
    endedAt: null,
    exitCode: null,
    signal: null,
    ...over,
  }
}

describe('session list', () => {
  it('keeps only the bottle’s sessions, oldest first, through upserts and removals', () => {
    let list = applySessionEvent(
      [],
      { kind: 'snapshot', sessions: [info('bb'), info('a'), info('x', { bottleId: 'b2' })] },
      'b1',
    )
    expect(list.map((s) => s.id)).toEqual(['a', 'bb'])
    list = applySessionEvent(list, { kind: 'upsert', session: info('ccc') }, 'b1')
    list = applySessionEvent(list, { kind: 'upsert', session: info('y', { bottleId: 'b2' }) }, 'b1')
    list = applySessionEvent(
      list,
      { kind: 'upsert', session: info('a', { state: 'exited', exitCode: 2 }) },
      'b1',
    )
    expect(list.map((s) => `${s.id}:${s.state}`)).toEqual(['a:exited', 'bb:running', 'ccc:running'])
    const same = applySessionEvent(list, { kind: 'removed', id: 'zzz' }, 'b1')
    expect(same).toBe(list)
    expect(applySessionEvent(list, { kind: 'removed', id: 'bb' }, 'b1').map((s) => s.id)).toEqual([
      'a',
      'ccc',
    ])
  })

  it('prefers the running agent, then any running session', () => {
    expect(
      defaultSession([info('a', { state: 'exited' }), info('bb'), info('ccc', { kind: 'agent' })])
        ?.id,
    ).toBe('ccc')
    expect(defaultSession([info('a', { state: 'exited' }), info('bb')])?.id).toBe('bb')
    expect(defaultSession([info('a', { state: 'exited' })])?.id).toBe('a')
    expect(defaultSession([])).toBeUndefined()
  })

  it('labels states with the exit code or signal', () => {
    expect(sessionStateLabel(info('a'))).toBe('running')
    expect(sessionStateLabel(info('a', { state: 'exited', exitCode: 3 }))).toBe('exited (3)')
    expect(sessionStateLabel(info('a', { state: 'exited', signal: 1 }))).toBe('killed (signal 1)')
  })
})
