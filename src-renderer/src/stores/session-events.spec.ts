import { describe, expect, it } from 'vitest'
import type { SessionInfo } from '../../../src-shared/contract'
import { makeSession as info } from '../test-support/factories'
import { applySessionEvent } from './session-events'

const ids = (list: readonly SessionInfo[] | undefined): string[] =>
  (list ?? []).map((s) => `${s.id}:${s.state}`)

describe('applySessionEvent', () => {
  const snap = applySessionEvent(
    {},
    { kind: 'snapshot', sessions: [info('bb'), info('a'), info('x', { bottleId: 'b2' })] },
  )

  it('groups a snapshot by bottle, oldest first', () => {
    expect(ids(snap.b1)).toEqual(['a:running', 'bb:running'])
    expect(ids(snap.b2)).toEqual(['x:running'])
  })

  it('changes only the bottle an upsert is about', () => {
    const added = applySessionEvent(snap, { kind: 'upsert', session: info('ccc') })
    expect(ids(added.b1)).toEqual(['a:running', 'bb:running', 'ccc:running'])
    expect(added.b2).toBe(snap.b2)
    const exited = applySessionEvent(added, {
      kind: 'upsert',
      session: info('a', { state: 'exited', exitCode: 2 }),
    })
    expect(ids(exited.b1)).toEqual(['a:exited', 'bb:running', 'ccc:running'])
    const other = applySessionEvent(exited, {
      kind: 'upsert',
      session: info('y', { bottleId: 'b3' }),
    })
    expect(other.b1).toBe(exited.b1)
    expect(ids(other.b3)).toEqual(['y:running'])
  })

  it('removes from whichever bottle holds the session, and ignores unknown ids', () => {
    expect(applySessionEvent(snap, { kind: 'removed', id: 'zzz' })).toBe(snap)
    const removed = applySessionEvent(snap, { kind: 'removed', id: 'bb' })
    expect(ids(removed.b1)).toEqual(['a:running'])
    expect(removed.b2).toBe(snap.b2)
    expect('b2' in applySessionEvent(snap, { kind: 'removed', id: 'x' })).toBe(false)
  })
})
