// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { makeBottle, makeStep } from '../test-support/factories'
import { BootTimeline } from './BootTimeline'

afterEach(cleanup)

const T = (s: number): string => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString()

describe('boot timeline', () => {
  it('says a cancelled step was cancelled in words, without the wire code or an alarm', () => {
    const bottle = makeBottle('second', {
      state: 'stopped',
      steps: [
        makeStep('pack', { state: 'done', startedAt: T(0), endedAt: T(1) }),
        makeStep('start', {
          state: 'cancelled',
          startedAt: T(1),
          endedAt: T(3),
          error: { code: 'CANCELLED', message: 'launch cancelled' },
        }),
        makeStep('workspace', { state: 'skipped', detail: 'not reached' }),
      ],
    })
    render(<BootTimeline bottle={bottle} onRetry={() => {}} />)
    const step = document.querySelector<HTMLElement>('[data-step="start"]')!
    expect(step.textContent).toContain('Launch cancelled.')
    expect(step.textContent).not.toContain('CANCELLED')
    expect(screen.queryByRole('alert')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Retry launch' })).toBeNull()
  })

  it('keeps a failed step’s message and code in an alert', () => {
    const bottle = makeBottle('broken', {
      state: 'failed',
      steps: [
        makeStep('start', {
          state: 'failed',
          startedAt: T(1),
          endedAt: T(3),
          error: { code: 'TIMEOUT', message: 'the VM did not boot in 60 s' },
        }),
      ],
    })
    render(<BootTimeline bottle={bottle} onRetry={() => {}} />)
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('the VM did not boot in 60 s')
    expect(alert.textContent).toContain('TIMEOUT')
    expect(screen.getByRole('button', { name: 'Retry launch' })).toBeTruthy()
  })
})
