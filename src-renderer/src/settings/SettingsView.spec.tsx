// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { App } from '../App'
import { SETTINGS, makeManifest } from '../test-support/factories'
import { baseBackend, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

const BAD = 'version: 1\nagents:\n  claude:\n    image: "has space"\n'

function manifestBackend() {
  return baseBackend()
    .method('manifest.validate', ({ text }) =>
      text.includes('has space')
        ? {
            valid: false,
            issues: [
              { path: 'agents.claude.image', message: 'an image reference', line: 4, column: 12 },
            ],
          }
        : { valid: true, issues: [] },
    )
    .method('manifest.save', ({ text }) => {
      if (text.includes('has space')) {
        throw new RpcError('INVALID_PARAMS', 'the manifest has 1 issue', {
          issues: [
            { path: 'agents.claude.image', message: 'an image reference', line: 4, column: 12 },
          ],
        })
      }
      return makeManifest({ text })
    })
}

describe('settings', () => {
  it('validates the manifest as you type and marks the line', async () => {
    const fake = manifestBackend()
    mount(<App />, fake, '#/settings')
    const editor = await screen.findByLabelText('Manifest text')
    fireEvent.change(editor, { target: { value: BAD } })
    const issues = await screen.findByRole('list', { name: 'Manifest issues' })
    expect(issues.textContent).toContain('line 4:12')
    expect(issues.textContent).toContain('agents.claude.image')
    expect(issues.textContent).toContain('an image reference')
    expect(document.querySelector('.gutter-issue')?.textContent).toBe('4')
    // One validation for the burst of typing (debounced).
    expect(fake.callsOf('manifest.validate')).toHaveLength(1)
  })

  it('shows a refused save’s issues with path and line, and saves a valid edit', async () => {
    const fake = manifestBackend()
    mount(<App />, fake, '#/settings')
    const editor = await screen.findByLabelText('Manifest text')
    fireEvent.change(editor, { target: { value: BAD } })
    fireEvent.click(screen.getByRole('button', { name: 'Save manifest' }))
    const alert = await screen.findByText(/Not saved: the manifest has 1 issue/)
    expect(alert).toBeTruthy()
    const issues = screen.getByRole('list', { name: 'Manifest issues' })
    expect(within(issues).getByText('agents.claude.image')).toBeTruthy()
    const good = 'version: 1\nagents:\n  claude:\n    image: node:22\n    cpus: 4\n'
    fireEvent.change(editor, { target: { value: good } })
    fireEvent.click(screen.getByRole('button', { name: 'Save manifest' }))
    await waitFor(() => expect(screen.getByText(/Saved/)).toBeTruthy())
    expect(fake.callsOf('manifest.save').at(-1)).toEqual({ text: good })
    expect(screen.queryByRole('list', { name: 'Manifest issues' })).toBeNull()
  })

  it('changes the theme and binary paths through settings.update', async () => {
    const fake = manifestBackend().method('settings.update', (patch) => {
      if (patch.dockerPath === 'docker') {
        throw new RpcError('INVALID_PARAMS', 'invalid settings', {
          issues: [{ path: 'dockerPath', message: 'must be an absolute path' }],
        })
      }
      return { ...SETTINGS, ...patch }
    })
    mount(<App />, fake, '#/settings')
    fireEvent.click(await screen.findByRole('radio', { name: 'Dark' }))
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'))
    fireEvent.change(screen.getByLabelText('docker binary'), { target: { value: 'docker' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save paths' }))
    expect(await screen.findByText('must be an absolute path')).toBeTruthy()
    fireEvent.change(screen.getByLabelText('docker binary'), {
      target: { value: '/usr/local/bin/docker' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Save paths' }))
    await waitFor(() =>
      expect(fake.callsOf('settings.update').at(-1)).toEqual({
        smolvmPath: null,
        dockerPath: '/usr/local/bin/docker',
        bundleImage: null,
      }),
    )
  })
})
