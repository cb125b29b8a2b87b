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

  it('keeps Save disabled while the text is being checked or has issues', async () => {
    let answer: (() => void) | null = null
    const fake = manifestBackend()
    // Validation answers only when the test says so: "still running" is a state the test can see.
    fake.method('manifest.validate', ({ text }) => {
      const result = text.includes('has space')
        ? {
            valid: false,
            issues: [
              { path: 'agents.claude.image', message: 'an image reference', line: 4, column: 12 },
            ],
          }
        : { valid: true, issues: [] }
      return new Promise((resolve) => (answer = () => resolve(result)))
    })
    mount(<App />, fake, '#/settings')
    const editor = await screen.findByLabelText('Manifest text')
    const save = (): HTMLButtonElement =>
      screen.getByRole('button', { name: 'Save manifest' }) as HTMLButtonElement
    fireEvent.change(editor, { target: { value: BAD } })
    expect(screen.getByText('Checking…')).toBeTruthy()
    expect(save().disabled).toBe(true)
    await waitFor(() => expect(answer).not.toBeNull())
    answer!()
    await screen.findByRole('list', { name: 'Manifest issues' })
    expect(save().disabled).toBe(true)
    expect(save().title).toBe('Fix the issues first')
    fireEvent.click(save())
    expect(fake.callsOf('manifest.save')).toEqual([])

    answer = null
    const good = 'version: 1\nagents:\n  claude:\n    image: node:22\n    cpus: 4\n'
    fireEvent.change(editor, { target: { value: good } })
    expect(save().disabled).toBe(true)
    await waitFor(() => expect(answer).not.toBeNull())
    answer!()
    await waitFor(() => expect(save().disabled).toBe(false))
    fireEvent.click(save())
    await waitFor(() => expect(screen.getByText(/Saved/)).toBeTruthy())
    expect(fake.callsOf('manifest.save')).toEqual([{ text: good }])
  })

  it('shows a save the backend refuses with its issues, path and line, until the text changes', async () => {
    // The validator passed it, the save did not (e.g. the file changed meanwhile).
    const fake = manifestBackend().method('manifest.validate', () => ({ valid: true, issues: [] }))
    mount(<App />, fake, '#/settings')
    const editor = await screen.findByLabelText('Manifest text')
    fireEvent.change(editor, { target: { value: BAD } })
    const save = screen.getByRole('button', { name: 'Save manifest' }) as HTMLButtonElement
    await waitFor(() => expect(save.disabled).toBe(false))
    fireEvent.click(save)
    expect(await screen.findByText(/Not saved: the manifest has 1 issue/)).toBeTruthy()
    const issues = screen.getByRole('list', { name: 'Manifest issues' })
    expect(within(issues).getByText('agents.claude.image')).toBeTruthy()
    expect(save.disabled).toBe(true)
    fireEvent.change(editor, { target: { value: `${BAD}# edited\n` } })
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Manifest issues' })).toBeNull())
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
