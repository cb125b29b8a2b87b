// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { App } from './App'
import { useRoute } from './stores/route-store'
import type { FakeSink } from './test-support/fake-backend'
import { makeBottle } from './test-support/factories'
import { baseBackend, flush, mount, unmountAll } from './test-support/render-app'

afterEach(unmountAll)

describe('dashboard shell', () => {
  it('shows the connection, the mode, and the bottles from the event snapshot', async () => {
    const fake = baseBackend().topic('bottles.events', (_p, sink) =>
      sink.emit({
        kind: 'snapshot',
        bottles: [makeBottle('alpha', { projectDir: '/home/me/alpha-proj' })],
        orphans: [],
      }),
    )
    mount(<App />, fake)
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Connected')
    expect((await screen.findByTestId('app-info')).textContent).toContain('serve')
    const list = await screen.findByRole('listbox', { name: 'Bottles' })
    expect(within(list).getByText('alpha-proj')).toBeTruthy()
    expect(within(list).getByText('Running')).toBeTruthy()
  })

  it('tells two bottles of one agent and folder apart by their slug', async () => {
    const same = { agent: 'shell', projectDir: '/home/me/demo' }
    const fake = baseBackend().topic('bottles.events', (_p, sink) =>
      sink.emit({
        kind: 'snapshot',
        bottles: [makeBottle('shell-demo-3f2a1c', same), makeBottle('shell-demo-9b0e44', same)],
        orphans: [],
      }),
    )
    mount(<App />, fake)
    const list = await screen.findByRole('listbox', { name: 'Bottles' })
    await waitFor(() => expect(within(list).getAllByText('demo')).toHaveLength(2))
    expect(within(list).getByText('3f2a1c').getAttribute('title')).toBe('bottle shell-demo-3f2a1c')
    expect(within(list).getByText('9b0e44')).toBeTruthy()
  })

  it('updates a row from a state event without any request', async () => {
    let sink: FakeSink<'bottles.events'> | null = null
    const fake = baseBackend().topic('bottles.events', (_p, s) => {
      sink = s
      s.emit({ kind: 'snapshot', bottles: [makeBottle('alpha')], orphans: [] })
    })
    mount(<App />, fake)
    await screen.findByText('Running')
    const callsBefore = fake.calls.length
    await act(async () => {
      sink!.emit({ kind: 'upsert', bottle: makeBottle('alpha', { state: 'stopping' }) })
      await flush()
    })
    expect(screen.getByText('Stopping')).toBeTruthy()
    expect(fake.calls.length).toBe(callsBefore)
    await act(async () => {
      sink!.emit({ kind: 'removed', id: 'alpha' })
      await flush()
    })
    expect(screen.queryByRole('listbox', { name: 'Bottles' })).toBeNull()
    expect(screen.getByText('No bottles yet')).toBeTruthy()
  })

  it('moves through the list with the arrow keys and shows each bottle', async () => {
    const fake = baseBackend().topic('bottles.events', (_p, sink) =>
      sink.emit({
        kind: 'snapshot',
        bottles: [
          makeBottle('one', { createdAt: '2026-01-03T00:00:00Z' }),
          makeBottle('two', { createdAt: '2026-01-02T00:00:00Z' }),
          makeBottle('three', { createdAt: '2026-01-01T00:00:00Z' }),
        ],
        orphans: [],
      }),
    )
    mount(<App />, fake, '#/bottles/one')
    const list = await screen.findByRole('listbox', { name: 'Bottles' })
    const options = within(list).getAllByRole('option')
    expect(options.map((o) => o.getAttribute('aria-selected'))).toEqual(['true', 'false', 'false'])
    options[0]!.focus()
    fireEvent.keyDown(list, { key: 'ArrowDown' })
    await waitFor(() => expect(useRoute.getState().route).toMatchObject({ id: 'two' }))
    expect(document.activeElement?.getAttribute('data-bottle-id')).toBe('two')
    fireEvent.keyDown(list, { key: 'End' })
    await waitFor(() => expect(useRoute.getState().route).toMatchObject({ id: 'three' }))
    expect(window.location.hash).toBe('#/bottles/three')
  })

  it('says clearly when the backend does not offer the bottle feed', async () => {
    const fake = baseBackend().topic('bottles.events', undefined as never)
    mount(<App />, fake)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Could not load the bottles')
    expect(alert.textContent).toContain('UNAVAILABLE')
  })

  it('lists leftovers in a banner and cleans them up', async () => {
    const fake = baseBackend()
      .topic('bottles.events', (_p, sink) =>
        sink.emit({
          kind: 'snapshot',
          bottles: [],
          orphans: [
            {
              id: 'n1',
              kind: 'network',
              name: 'claude-bottle-old',
              slug: 'old',
              detail: 'no bottle',
            },
          ],
        }),
      )
      .method('orphans.clean', ({ ids }) => ({ cleaned: ids ?? [], failed: [] }))
    mount(<App />, fake)
    const banner = await screen.findByRole('region', { name: 'Leftover resources' })
    fireEvent.click(within(banner).getByRole('button', { name: 'Show' }))
    expect(within(banner).getByText('claude-bottle-old')).toBeTruthy()
    fireEvent.click(within(banner).getByRole('button', { name: 'Clean up' }))
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Leftover resources' })).toBeNull(),
    )
    expect(fake.callsOf('orphans.clean')).toEqual([{ ids: ['n1'] }])
  })

  it('applies the theme from the settings as a data attribute', async () => {
    const fake = baseBackend().topic('settings.changed', (_p, sink) =>
      sink.emit({
        smolvmPath: null,
        dockerPath: null,
        bundleImage: null,
        notifications: true,
        theme: 'dark',
        startAtLogin: false,
        recentProjects: [],
      }),
    )
    mount(<App />, fake)
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'))
  })
})
