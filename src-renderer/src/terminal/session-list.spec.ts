import { describe, expect, it } from 'vitest'
import { makeSession as info } from '../test-support/factories'
import { defaultSession, sessionStateLabel } from './session-list'

describe('session list', () => {
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
