// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { Bottle } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { App } from '../App'
import { useRoute } from '../stores/route-store'
import type { FakeSink } from '../test-support/fake-backend'
import { makeBottle, makeStep } from '../test-support/factories'
import { baseBackend, flush, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

function withBottles(...bottles: Bottle[]) {
  let sink: FakeSink<'bottles.events'> | null = null
  const fake = baseBackend().topic('bottles.events', (_p, s) => {
    sink = s
    s.emit({ kind: 'snapshot', bottles, orphans: [] })
  })
  return { fake, events: () => sink! }
}

const failedBundle = makeBottle('broken', {
  state: 'failed',
  steps: [
    makeStep('pack', {
      state: 'done',
      startedAt: '2026-01-01T10:00:00Z',
      endedAt: '2026-01-01T10:00:02Z',
    }),
    makeStep('network', {
      state: 'done',
      startedAt: '2026-01-01T10:00:02Z',
      endedAt: '2026-01-01T10:00:03Z',
    }),
    makeStep('bundle', {
      state: 'failed',
      startedAt: '2026-01-01T10:00:03Z',
      endedAt: '2026-01-01T10:00:04Z',
      error: {
        code: 'COMMAND_FAILED',
        message: 'the bundle container did not start',
        details: {
          command: 'docker run -d --name claude-bottle-broken-bundle bot-bottle-bundle:test',
          exitCode: 125,
          stderr: 'docker: Error response from daemon: Conflict.',
        },
      },
    }),
    makeStep('create', { state: 'cancelled' }),
  ],
})

describe('bottle detail', () => {
  it('keeps a failed step’s error, command and stderr in view, and retries', async () => {
    const { fake } = withBottles(failedBundle)
    fake.method('bottles.retry', () => makeBottle('broken-2', { state: 'launching', steps: [] }))
    mount(<App />, fake, '#/bottles/broken')
    const timeline = await screen.findByRole('region', { name: 'Boot timeline' })
    const failed = timeline.querySelector('[data-step="bundle"]')!
    expect(failed.getAttribute('data-state')).toBe('failed')
    expect(failed.textContent).toContain('1.0 s')
    expect(
      within(failed as HTMLElement).getByText('the bundle container did not start'),
    ).toBeTruthy()
    expect(within(failed as HTMLElement).getByLabelText('Standard error').textContent).toBe(
      'docker: Error response from daemon: Conflict.',
    )
    expect(failed.textContent).toContain('docker run -d --name claude-bottle-broken-bundle')
    expect(failed.textContent).toContain('125')
    fireEvent.click(within(failed as HTMLElement).getByRole('button', { name: 'Retry launch' }))
    await waitFor(() => expect(useRoute.getState().route).toMatchObject({ id: 'broken-2' }))
    expect(fake.callsOf('bottles.retry')).toEqual([{ id: 'broken' }])
  })

  it('follows step events live', async () => {
    const launching = makeBottle('live', {
      state: 'launching',
      steps: [makeStep('pack', { state: 'running', startedAt: '2026-01-01T10:00:00Z' })],
    })
    const { fake, events } = withBottles(launching)
    mount(<App />, fake, '#/bottles/live')
    await screen.findByRole('region', { name: 'Boot timeline' })
    await act(async () => {
      events().emit({
        kind: 'step',
        id: 'live',
        step: makeStep('pack', {
          state: 'done',
          startedAt: '2026-01-01T10:00:00Z',
          endedAt: '2026-01-01T10:00:05Z',
          detail: 'cache hit',
        }),
      })
      events().emit({ kind: 'step', id: 'live', step: makeStep('network', { state: 'running' }) })
      await flush()
    })
    const timeline = screen.getByRole('region', { name: 'Boot timeline' })
    expect(timeline.querySelector('[data-step="pack"]')?.getAttribute('data-state')).toBe('done')
    expect(timeline.textContent).toContain('cache hit')
    expect(timeline.querySelector('[data-step="network"]')?.getAttribute('data-state')).toBe(
      'running',
    )
  })

  it('stops and removes a running bottle: the row shows stopping, then leaves the list', async () => {
    const { fake, events } = withBottles(makeBottle('run'), makeBottle('other'))
    let finish: (() => void) | null = null
    fake.method('bottles.remove', ({ id }) => {
      // The backend's teardown: stopping, stopped, then forgotten.
      events().emit({ kind: 'upsert', bottle: makeBottle(id, { state: 'stopping' }) })
      return new Promise((resolve) => {
        finish = () => {
          events().emit({ kind: 'upsert', bottle: makeBottle(id, { state: 'stopped' }) })
          events().emit({ kind: 'removed', id })
          resolve({})
        }
      })
    })
    mount(<App />, fake, '#/bottles/run')
    fireEvent.click(await screen.findByRole('button', { name: 'Stop…' }))
    const confirm = await screen.findByRole('dialog', { name: 'Stop and remove this bottle?' })
    expect(confirm.textContent).toContain('it leaves the list')
    fireEvent.click(within(confirm).getByRole('button', { name: 'Stop and remove' }))
    const row = (): Element | null => document.querySelector('[data-bottle-id="run"]')
    await waitFor(() =>
      expect(row()?.querySelector('[data-state]')?.getAttribute('data-state')).toBe('stopping'),
    )
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(fake.callsOf('bottles.remove')).toEqual([{ id: 'run' }])
    expect(fake.callsOf('bottles.stop')).toEqual([])
    await act(async () => {
      finish!()
      await flush()
    })
    expect(row()).toBeNull()
    expect(document.querySelector('[data-bottle-id="other"]')).not.toBeNull()
    await waitFor(() => expect(useRoute.getState().route).toEqual({ name: 'home' }))
  })

  it('shows a refused stop next to the actions, and the bottle stays', async () => {
    const { fake } = withBottles(makeBottle('run'))
    fake.method('bottles.remove', () => {
      throw new RpcError('COMMAND_FAILED', 'smolvm machine stop failed', {
        command: 'smolvm machine stop claude-bottle-run',
        exitCode: 1,
        stderr: 'machine is locked',
      })
    })
    mount(<App />, fake, '#/bottles/run')
    fireEvent.click(await screen.findByRole('button', { name: 'Stop…' }))
    const confirm = await screen.findByRole('dialog', { name: 'Stop and remove this bottle?' })
    fireEvent.click(within(confirm).getByRole('button', { name: 'Stop and remove' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Could not stop the bottle')
    expect(alert.textContent).toContain('machine is locked')
    expect(useRoute.getState().route).toMatchObject({ name: 'bottle', id: 'run' })
  })

  it('keeps a bottle that ended on its own listed, with its reason, until it is removed', async () => {
    const { fake } = withBottles(
      makeBottle('died', { state: 'stopped', stateDetail: 'the VM stopped on its own' }),
      makeBottle('broke', {
        state: 'failed',
        error: { code: 'COMMAND_FAILED', message: 'the bundle container did not start' },
      }),
    )
    mount(<App />, fake, '#/')
    const died = (await screen.findByText('the VM stopped on its own')).closest('[data-bottle-id]')
    expect(died?.querySelector('[data-state]')?.getAttribute('data-state')).toBe('stopped')
    const broke = screen.getByText('the bundle container did not start').closest('[data-bottle-id]')
    expect(broke?.getAttribute('data-bottle-id')).toBe('broke')
  })

  it('removes after a confirmation and goes back to the list', async () => {
    const { fake } = withBottles(makeBottle('old', { state: 'stopped' }))
    fake.method('bottles.remove', () => ({}))
    mount(<App />, fake, '#/bottles/old')
    fireEvent.click(await screen.findByRole('button', { name: 'Remove' }))
    const confirm = await screen.findByRole('dialog', { name: 'Remove this bottle?' })
    // Cancel has the focus: Enter on an accidental double-click does nothing harmful.
    expect(document.activeElement?.textContent).toBe('Cancel')
    fireEvent.click(within(confirm).getByRole('button', { name: 'Remove' }))
    await waitFor(() => expect(useRoute.getState().route).toEqual({ name: 'home' }))
    expect(fake.callsOf('bottles.remove')).toEqual([{ id: 'old' }])
  })

  it('switches views with the arrow keys on the tabs and keeps them in the address', async () => {
    const { fake } = withBottles(makeBottle('tabs'))
    mount(<App />, fake, '#/bottles/tabs')
    const tab = await screen.findByRole('tab', { name: 'Overview' })
    tab.focus()
    fireEvent.keyDown(tab, { key: 'ArrowRight' })
    await waitFor(() => expect(window.location.hash).toBe('#/bottles/tabs/terminal'))
    fireEvent.keyDown(document.activeElement!, { key: 'End' })
    await waitFor(() => expect(window.location.hash).toBe('#/bottles/tabs/info'))
    expect(screen.getByRole('tab', { name: 'Info' }).getAttribute('aria-selected')).toBe('true')
  })

  it('shows the facts, masks secrets as the backend sent them', async () => {
    const { fake } = withBottles(makeBottle('facts'))
    mount(<App />, fake, '#/bottles/facts/info')
    expect(await screen.findAllByText('claude-bottle-facts')).toHaveLength(2) // machine and network
    expect(screen.getByText('10.236.0.2')).toBeTruthy()
    expect(screen.getByText('sha256:abc123')).toBeTruthy()
    const secretRow = screen.getByText('ANTHROPIC_API_KEY').closest('tr')!
    expect(secretRow.textContent).toContain('••••••')
    expect(secretRow.textContent).toContain('secret')
  })

  it('never says the project is mounted: it is copied or not there', async () => {
    const { fake } = withBottles(
      makeBottle('notcopied', { copyWorkdir: false }),
      makeBottle('copied', { copyWorkdir: true }),
    )
    mount(<App />, fake, '#/bottles/notcopied/info')
    expect(
      await screen.findByText(
        'not copied into /workspace (the agent sees only its manifest volumes, if any)',
      ),
    ).toBeTruthy()
    expect(screen.queryByText(/mounted at/)).toBeNull()
  })

  it('edits the running allowlist and shows a refused rule beside it', async () => {
    const { fake } = withBottles(makeBottle('eg', { egress: ['api.anthropic.com'] }))
    fake.method('egress.get', () => ({ rules: ['api.anthropic.com', 'registry.npmjs.org'] }))
    // The bundle's matcher names refused rules by their text.
    fake.method('egress.set', ({ rules }) => {
      const bad = rules.filter((r) => r.includes(' '))
      if (bad.length > 0) {
        throw new RpcError('INVALID_PARAMS', 'egress rules: "bad host": not a host', {
          invalid: bad.map((rule) => ({ rule, reason: 'a host, a wildcard or an IP' })),
        })
      }
      return { rules }
    })
    mount(<App />, fake, '#/bottles/eg/info')
    const second = await screen.findByDisplayValue('registry.npmjs.org')
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }))
    fireEvent.change(screen.getByLabelText('Rule 3'), { target: { value: 'bad host' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    expect(await screen.findByText('a host, a wildcard or an IP')).toBeTruthy()
    expect(screen.getByLabelText('Rule 3').getAttribute('aria-invalid')).toBe('true')
    expect(second.getAttribute('aria-invalid')).toBeNull()
    // Placed on its row, so no separate notice repeats it.
    expect(screen.queryByText('The allowlist was not changed')).toBeNull()
    fireEvent.change(screen.getByLabelText('Rule 3'), { target: { value: '*.example.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await waitFor(() =>
      expect(fake.callsOf('egress.set').at(-1)).toEqual({
        id: 'eg',
        rules: ['api.anthropic.com', 'registry.npmjs.org', '*.example.com'],
      }),
    )
    await waitFor(() => expect(screen.queryByText('a host, a wildcard or an IP')).toBeNull())
  })

  it('says when a bottle is gone, with how it ended', async () => {
    const { fake, events } = withBottles(makeBottle('gone'))
    mount(<App />, fake, '#/bottles/gone')
    await screen.findByRole('button', { name: 'Stop…' })
    await act(async () => {
      events().emit({
        kind: 'teardown',
        teardown: {
          id: 'gone',
          reason: 'vm-died',
          detail: 'the VM stopped on its own',
          agent: 'claude',
          projectDir: '/home/me/gone',
          ranForMs: 90_000,
          exitCode: null,
          failedStep: null,
          time: '2026-01-01T11:00:00Z',
        },
      })
      events().emit({ kind: 'removed', id: 'gone' })
      await flush()
    })
    expect(screen.getByText('This bottle is gone')).toBeTruthy()
    expect(screen.getAllByText(/the VM stopped on its own/).length).toBeGreaterThan(0)
  })
})
