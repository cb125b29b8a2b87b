import { describe, expect, it } from 'vitest'
import { makeBottle, makeStep } from '../test-support/factories'
import { EMPTY_BOTTLES, applyBottleEvent, withStep } from './bottle-events'

describe('applyBottleEvent', () => {
  const a = makeBottle('a', { createdAt: '2026-01-01T10:00:00Z' })
  const b = makeBottle('b', { createdAt: '2026-01-02T10:00:00Z' })
  const snap = applyBottleEvent(EMPTY_BOTTLES, { kind: 'snapshot', bottles: [a, b], orphans: [] })

  it('orders a snapshot newest first', () => {
    expect(snap.ids).toEqual(['b', 'a'])
  })

  it('keeps the id list when an existing bottle changes, so only its row re-renders', () => {
    const next = applyBottleEvent(snap, { kind: 'upsert', bottle: { ...a, state: 'stopping' } })
    expect(next.ids).toBe(snap.ids)
    expect(next.byId.a?.state).toBe('stopping')
    expect(next.byId.b).toBe(snap.byId.b)
  })

  it('adds and removes bottles', () => {
    const c = makeBottle('c', { createdAt: '2026-01-03T10:00:00Z' })
    const added = applyBottleEvent(snap, { kind: 'upsert', bottle: c })
    expect(added.ids).toEqual(['c', 'b', 'a'])
    const removed = applyBottleEvent(added, { kind: 'removed', id: 'b' })
    expect(removed.ids).toEqual(['c', 'a'])
    expect(removed.byId.b).toBeUndefined()
    expect(applyBottleEvent(removed, { kind: 'removed', id: 'zz' })).toBe(removed)
  })

  it('applies a step to its bottle in boot order', () => {
    const fresh = makeBottle('n', { steps: [makeStep('pack', { state: 'done' })] })
    const s0 = applyBottleEvent(EMPTY_BOTTLES, { kind: 'upsert', bottle: fresh })
    const s1 = applyBottleEvent(s0, {
      kind: 'step',
      id: 'n',
      step: makeStep('bundle', { state: 'running' }),
    })
    const s2 = applyBottleEvent(s1, {
      kind: 'step',
      id: 'n',
      step: makeStep('network', { state: 'done' }),
    })
    expect(s2.byId.n?.steps.map((s) => `${s.id}:${s.state}`)).toEqual([
      'pack:done',
      'network:done',
      'bundle:running',
    ])
    // A step for an unknown bottle changes nothing.
    expect(applyBottleEvent(s2, { kind: 'step', id: 'zz', step: makeStep('pack') })).toBe(s2)
  })

  it('keeps teardowns after the bottle is gone, and replaces orphans', () => {
    const t = applyBottleEvent(snap, {
      kind: 'teardown',
      teardown: {
        id: 'a',
        reason: 'vm-died',
        detail: 'the VM stopped',
        agent: 'claude',
        projectDir: '/p',
        ranForMs: 5000,
        exitCode: null,
        failedStep: null,
        time: '2026-01-01T11:00:00Z',
      },
    })
    const gone = applyBottleEvent(t, { kind: 'removed', id: 'a' })
    expect(gone.teardowns.a?.reason).toBe('vm-died')
    const o = applyBottleEvent(gone, {
      kind: 'orphans',
      orphans: [
        { id: 'o1', kind: 'network', name: 'claude-bottle-x', slug: 'x', detail: 'no bottle' },
      ],
    })
    expect(o.orphans).toHaveLength(1)
  })

  it('withStep replaces in place', () => {
    const steps = [makeStep('pack'), makeStep('network')]
    expect(withStep(steps, makeStep('pack', { state: 'done' })).map((s) => s.state)).toEqual([
      'done',
      'pending',
    ])
  })
})
