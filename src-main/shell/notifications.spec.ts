import { describe, expect, it } from 'vitest'
import {
  MERGE_WINDOW_MS,
  NotificationDecider,
  stillRunningNotice,
  type NotificationContext,
} from './notifications'
import { makeTeardown } from './testing'

const ctx = (p: Partial<NotificationContext> = {}): NotificationContext => ({
  enabled: true,
  quitting: false,
  home: '/home/me',
  now: 1_000_000,
  ...p,
})

describe('teardown notifications', () => {
  it('summarises a clean stop: agent, folder, how long, why', () => {
    const n = new NotificationDecider().decide(
      makeTeardown({ id: 'app-1', projectDir: '/home/me/code/app' }),
      ctx(),
    )
    expect(n).toEqual({
      key: 'app-1:stopped',
      group: 'app-1',
      title: 'Bottle stopped',
      body: 'claude · ~/code/app · ran 12 min · stopped by you',
      urgency: 'normal',
      route: { view: 'bottle', id: 'app-1' },
    })
  })

  it('gives the agent’s exit code when its session ends', () => {
    const d = new NotificationDecider()
    const ok = d.decide(makeTeardown({ id: 'a', reason: 'session-ended', exitCode: 0 }), ctx())
    expect(ok).toMatchObject({ title: 'Agent finished', urgency: 'normal' })
    expect(ok?.body).toBe('claude · ~/code/a · ran 12 min · exit code 0')
    const bad = d.decide(
      makeTeardown({
        id: 'b',
        reason: 'session-ended',
        exitCode: 3,
        detail: 'claude exited with code 3',
      }),
      ctx(),
    )
    expect(bad).toMatchObject({ title: 'Agent exited with code 3', urgency: 'critical' })
    expect(bad?.body).toBe('claude · ~/code/b · ran 12 min · claude exited with code 3')
  })

  it('says a bottle died unexpectedly, VM or bundle, with the reason', () => {
    const d = new NotificationDecider()
    const vm = d.decide(makeTeardown({ id: 'v', reason: 'vm-died', ranForMs: 65 * 60_000 }), ctx())
    expect(vm).toMatchObject({ title: 'Bottle died unexpectedly', urgency: 'critical' })
    expect(vm?.body).toBe(
      'claude · ~/code/v · ran 1 h 05 min · the VM stopped without being asked to',
    )
    const bundle = d.decide(
      makeTeardown({
        id: 'w',
        reason: 'bundle-died',
        detail: 'bundle container exited (code 137)',
      }),
      ctx(),
    )
    expect(bundle?.body).toBe('claude · ~/code/w · ran 12 min · bundle container exited (code 137)')
  })

  it('names the failed step of a launch and leaves out a run time it never had', () => {
    const n = new NotificationDecider().decide(
      makeTeardown({
        id: 'f',
        reason: 'launch-failed',
        ranForMs: 0,
        failedStep: 'bundle',
        detail: 'image bot-bottle-bundle:1 not found',
      }),
      ctx(),
    )
    expect(n).toMatchObject({
      title: 'Launch failed',
      urgency: 'critical',
      route: { view: 'bottle', id: 'f' },
    })
    expect(n?.body).toBe(
      'claude · ~/code/f · failed while starting the bundle: image bot-bottle-bundle:1 not found',
    )
  })

  it('stays quiet for the user’s own cancel, for stops while quitting, and when turned off', () => {
    const d = new NotificationDecider()
    expect(d.decide(makeTeardown({ id: 'c', reason: 'cancelled' }), ctx())).toBeNull()
    expect(d.decide(makeTeardown({ id: 'q' }), ctx({ quitting: true }))).toBeNull()
    expect(
      d.decide(makeTeardown({ id: 'q', reason: 'vm-died' }), ctx({ quitting: true })),
    ).not.toBeNull()
    for (const reason of [
      'stopped',
      'session-ended',
      'vm-died',
      'bundle-died',
      'launch-failed',
    ] as const) {
      expect(
        d.decide(makeTeardown({ id: `off-${reason}`, reason }), ctx({ enabled: false })),
      ).toBeNull()
    }
  })

  it('merges duplicates of one bottle inside the window, not after it', () => {
    const d = new NotificationDecider()
    const t0 = 5_000_000
    expect(d.decide(makeTeardown({ id: 'x', reason: 'vm-died' }), ctx({ now: t0 }))).not.toBeNull()
    // The bundle goes with the VM: the same death, merged.
    expect(
      d.decide(makeTeardown({ id: 'x', reason: 'bundle-died' }), ctx({ now: t0 + 500 })),
    ).toBeNull()
    expect(
      d.decide(
        makeTeardown({ id: 'x', reason: 'vm-died' }),
        ctx({ now: t0 + MERGE_WINDOW_MS - 1 }),
      ),
    ).toBeNull()
    // Other bottles and other kinds of event are not duplicates.
    expect(
      d.decide(makeTeardown({ id: 'y', reason: 'vm-died' }), ctx({ now: t0 + 600 })),
    ).not.toBeNull()
    expect(
      d.decide(makeTeardown({ id: 'x', reason: 'launch-failed' }), ctx({ now: t0 + 700 })),
    ).not.toBeNull()
    expect(
      d.decide(
        makeTeardown({ id: 'x', reason: 'vm-died' }),
        ctx({ now: t0 + MERGE_WINDOW_MS + 1 }),
      ),
    ).not.toBeNull()
  })

  it('cuts a long reason to keep the summary to one line', () => {
    const n = new NotificationDecider().decide(
      makeTeardown({ id: 'l', reason: 'vm-died', detail: `stderr:\n${'x'.repeat(1000)}` }),
      ctx(),
    )
    expect(n!.body.length).toBeLessThan(220)
    expect(n!.body).not.toContain('\n')
  })
})

describe('still-running notice', () => {
  it('is shown where the tray icon may be hidden, not on macOS', () => {
    expect(stillRunningNotice('darwin')).toBeNull()
    expect(stillRunningNotice('linux')).toMatchObject({
      title: 'Bot Bottle is still running',
      route: { view: 'home' },
    })
    expect(stillRunningNotice('win32')).not.toBeNull()
  })
})
