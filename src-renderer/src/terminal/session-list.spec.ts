import { describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { makeSession as info } from '../test-support/factories'
import {
  AT_CAP_HINT,
  atSessionCap,
  defaultSession,
  openErrorMessage,
  sessionStateLabel,
} from './session-list'

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

  it('is at the cap with six running sessions; ended ones do not count', () => {
    const ids = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff']
    expect(atSessionCap(ids.map((id) => info(id)))).toBe(true)
    expect(atSessionCap(ids.slice(1).map((id) => info(id)))).toBe(false)
    expect(
      atSessionCap([info('a', { state: 'exited' }), ...ids.slice(1).map((id) => info(id))]),
    ).toBe(false)
  })

  it('says a refused open plainly when it is the cap, and passes other refusals on', () => {
    const cap = new RpcError('PRECONDITION', 'this bottle already has 6 sessions: (smolvm …)', {
      sessions: 6,
      max: 6,
    })
    expect(openErrorMessage(cap)).toBe(AT_CAP_HINT)
    expect(openErrorMessage(new RpcError('PRECONDITION', 'bottle b1 is stopped'))).toBe(
      'bottle b1 is stopped',
    )
    expect(openErrorMessage(new Error('connection closed'))).toBe('connection closed')
  })
})
