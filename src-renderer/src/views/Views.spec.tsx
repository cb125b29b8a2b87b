// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { CacheEntry } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { App } from '../App'
import { SETTINGS } from '../test-support/factories'
import { baseBackend, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

describe('doctor', () => {
  it('shows each check with its fix, and runs again', async () => {
    let runs = 0
    const fake = baseBackend().method('preflight.run', () => {
      runs++
      return {
        ok: false,
        smolvmVersion: null,
        checks: [
          {
            id: 'smolvm',
            label: 'smolvm',
            status: 'fail',
            detail: '/nowhere/smolvm does not exist',
            fix: 'Install smolvm, or set its path in Settings.',
          },
          { id: 'docker', label: 'Docker', status: 'ok', detail: 'docker 20.10.24', fix: null },
        ],
      }
    })
    mount(<App />, fake, '#/doctor')
    const failed = await screen.findByText('/nowhere/smolvm does not exist')
    const item = failed.closest('li')!
    expect(item.getAttribute('data-status')).toBe('fail')
    expect(item.textContent).toContain('Install smolvm, or set its path in Settings.')
    expect(screen.getByText(/1 problem to fix/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Run again' }))
    await waitFor(() => expect(runs).toBe(2))
  })

  /** A backend whose smolvm check passes only for the smolvm path in its settings being unset. */
  function settingsBackend() {
    let settings = SETTINGS
    const fake = baseBackend()
      .topic('settings.changed', (_p, sink) => sink.emit(settings))
      .method('settings.update', (patch) => {
        settings = { ...settings, ...patch }
        fake.emit('settings.changed', settings)
        return settings
      })
      .method('preflight.run', () => {
        const bad = settings.smolvmPath !== null
        return {
          ok: !bad,
          smolvmVersion: bad ? null : '1.9.3',
          checks: [
            bad
              ? {
                  id: 'smolvm',
                  label: 'smolvm',
                  status: 'fail' as const,
                  detail: `${settings.smolvmPath} does not exist`,
                  fix: 'Install smolvm, or set its path in Settings.',
                }
              : {
                  id: 'smolvm',
                  label: 'smolvm',
                  status: 'ok' as const,
                  detail: 'smolvm 1.9.3',
                  fix: null,
                },
          ],
        }
      })
    return fake
  }

  it('checks again by itself after the smolvm path is changed in Settings', async () => {
    const fake = settingsBackend()
    mount(<App />, fake, '#/doctor')
    expect(await screen.findByText('Everything needed to run bottles is in place.')).toBeTruthy()
    expect(fake.callsOf('preflight.run')).toHaveLength(1)

    window.location.hash = '#/settings'
    fireEvent.change(await screen.findByLabelText('smolvm binary'), {
      target: { value: '/nowhere/smolvm' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Save paths' }))
    await waitFor(() => expect(fake.callsOf('settings.update')).toHaveLength(1))

    window.location.hash = '#/doctor'
    expect(await screen.findByText('/nowhere/smolvm does not exist')).toBeTruthy()
    expect(screen.queryByText('Everything needed to run bottles is in place.')).toBeNull()
    expect(fake.callsOf('preflight.run')).toHaveLength(2)
  })

  it('checks again when the paths change while it is shown, and not for other settings', async () => {
    const fake = settingsBackend()
    mount(<App />, fake, '#/doctor')
    await screen.findByText('Everything needed to run bottles is in place.')
    // E.g. from the CLI or another window: only settings.changed tells.
    fake.emit('settings.changed', { ...SETTINGS, theme: 'dark' })
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'))
    expect(fake.callsOf('preflight.run')).toHaveLength(1)
    await fake.current!.call('settings.update', { smolvmPath: '/nowhere/smolvm' })
    expect(await screen.findByText('/nowhere/smolvm does not exist')).toBeTruthy()
    expect(fake.callsOf('preflight.run')).toHaveLength(2)
  })

  it('says when the checks are not available', async () => {
    mount(<App />, baseBackend(), '#/doctor')
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('The checks could not run')
    expect(alert.textContent).toContain('UNAVAILABLE')
  })
})

describe('pack cache', () => {
  const entry = (key: string, inUse: boolean): CacheEntry => ({
    key,
    imageRef: `docker.io/library/${key}:1`,
    digest: `sha256:${key.padEnd(64, '0')}`,
    path: `/cache/${key}`,
    sizeBytes: 1_500_000,
    createdAt: '2026-01-01T00:00:00Z',
    lastUsedAt: '2026-01-01T00:00:00Z',
    inUse,
  })

  /** A cache the backend prunes like the real one: entries in use stay. */
  function cacheBackend(initial: CacheEntry[]) {
    let entries = initial
    return baseBackend()
      .method('cache.list', () => ({ dir: '/cache', entries }))
      .method('cache.prune', ({ key }) => {
        const removed = entries.filter((e) => !e.inUse && (key === undefined || e.key === key))
        entries = entries.filter((e) => !removed.includes(e))
        return { removed: removed.map((e) => e.key), freedBytes: removed.length * 1_500_000 }
      })
  }

  it('lists entries, explains why one in use cannot go, and prunes one after confirming', async () => {
    const fake = cacheBackend([entry('node', true), entry('python', false)])
    mount(<App />, fake, '#/cache')
    const nodeRow = (await screen.findByText('docker.io/library/node:1')).closest('tr')!
    expect(within(nodeRow).queryByRole('button')).toBeNull()
    expect(nodeRow.textContent).toContain('in use by a bottle')
    expect(nodeRow.textContent).toContain('1.5 MB')
    fireEvent.click(screen.getByRole('button', { name: 'Prune docker.io/library/python:1' }))
    const dialog = await screen.findByRole('dialog', { name: 'Prune this entry?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Prune' }))
    expect(await screen.findByText(/Removed 1 entry, freed 1.5 MB/)).toBeTruthy()
    await waitFor(() => expect(screen.queryByText('docker.io/library/python:1')).toBeNull())
    expect(fake.callsOf('cache.prune')).toEqual([{ key: 'python' }])
    expect(
      (screen.getByRole('button', { name: 'Prune unused' }) as HTMLButtonElement).disabled,
    ).toBe(true)
  })

  it('prunes every unused entry after confirming, keeping the ones in use', async () => {
    const fake = cacheBackend([entry('node', true), entry('python', false), entry('ruby', false)])
    mount(<App />, fake, '#/cache')
    await screen.findByText('docker.io/library/ruby:1')
    fireEvent.click(screen.getByRole('button', { name: 'Prune unused' }))
    const dialog = await screen.findByRole('dialog', { name: 'Prune every unused entry?' })
    expect(dialog.textContent).toContain('2 entries (3.0 MB) will be deleted')
    expect(dialog.textContent).toContain('Entries in use by a bottle stay')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Prune' }))
    expect(await screen.findByText(/Removed 2 entries, freed 3.0 MB/)).toBeTruthy()
    // One call without a key: the backend prunes all it may.
    expect(fake.callsOf('cache.prune')).toEqual([{}])
    await waitFor(() => expect(screen.queryByText('docker.io/library/python:1')).toBeNull())
    expect(screen.queryByText('docker.io/library/ruby:1')).toBeNull()
    expect(screen.getByText('docker.io/library/node:1')).toBeTruthy()
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(
      (screen.getByRole('button', { name: 'Prune unused' }) as HTMLButtonElement).disabled,
    ).toBe(true)
  })

  it('keeps a refused prune-all in its dialog', async () => {
    const fake = baseBackend()
      .method('cache.list', () => ({ dir: '/cache', entries: [entry('python', false)] }))
      .method('cache.prune', () => {
        throw new RpcError('CONFLICT', 'a launch is packing into the cache; try again')
      })
    mount(<App />, fake, '#/cache')
    await screen.findByText('docker.io/library/python:1')
    fireEvent.click(screen.getByRole('button', { name: 'Prune unused' }))
    const dialog = await screen.findByRole('dialog', { name: 'Prune every unused entry?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Prune' }))
    expect(await within(dialog).findByText(/a launch is packing into the cache/)).toBeTruthy()
    expect(screen.getByText('docker.io/library/python:1')).toBeTruthy()
  })
})
