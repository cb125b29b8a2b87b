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
    expect(fake.callsOf('manifest.save')).toEqual([{ text: good, baseVersion: 'sha256:1' }])
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

  describe('when the file changes on disk', () => {
    const ONE = 'version: 1\nagents:\n  claude:\n    description: one\n    image: node:22\n'
    const TWO = `${ONE}  other:\n    image: node:22\n`
    const MINE = ONE.replace('description: one', 'description: mine')

    /** A manifest file another editor can change, saved like the backend does: only over its version. */
    function diskBackend() {
      let n = 1
      const disk = { text: ONE, version: 'sha256:1' }
      const fake = manifestBackend()
        .method('manifest.validate', () => ({ valid: true, issues: [] }))
        .method('manifest.get', () => makeManifest({ ...disk }))
        .method('manifest.save', ({ text, baseVersion }) => {
          if (baseVersion !== disk.version) {
            throw new RpcError(
              'CONFLICT',
              'manifest not saved: /c/manifest.yaml changed on disk since it was opened',
            )
          }
          Object.assign(disk, { text, version: `sha256:${++n}` })
          return makeManifest({ ...disk })
        })
      const elsewhere = (text: string): void => {
        Object.assign(disk, { text, version: `sha256:${++n}` })
      }
      return { fake, disk, elsewhere }
    }

    /** Opens Settings on ONE, lets another editor write TWO, then edits ONE and saves: refused. */
    async function saveOverChange() {
      const { fake, disk, elsewhere } = diskBackend()
      mount(<App />, fake, '#/settings')
      const editor = (await screen.findByLabelText('Manifest text')) as HTMLTextAreaElement
      expect(editor.value).toBe(ONE)
      elsewhere(TWO)
      fireEvent.change(editor, { target: { value: MINE } })
      const save = screen.getByRole('button', { name: 'Save manifest' }) as HTMLButtonElement
      await waitFor(() => expect(save.disabled).toBe(false))
      fireEvent.click(save)
      const alert = await screen.findByText(/changed on disk since it was opened/, {
        selector: '.notice-message',
      })
      expect(disk.text).toBe(TWO)
      expect(editor.value).toBe(MINE)
      return { fake, disk, editor, notice: alert.closest('.notice') as HTMLElement }
    }

    it("refuses to save over it and can load the file's version instead", async () => {
      const { editor, notice } = await saveOverChange()
      expect(screen.queryByText(/Saved/)).toBeNull()
      fireEvent.click(within(notice).getByRole('button', { name: "Load the file's version" }))
      await waitFor(() => expect(editor.value).toBe(TWO))
      expect(screen.queryByText(/changed on disk/)).toBeNull()
      expect(
        (screen.getByRole('button', { name: 'Save manifest' }) as HTMLButtonElement).disabled,
      ).toBe(true)
    })

    it('overwrites it when asked, based on the version now on disk', async () => {
      const { fake, disk, notice } = await saveOverChange()
      const overwrite = within(notice).getByRole('button', {
        name: 'Overwrite',
      }) as HTMLButtonElement
      await waitFor(() => expect(overwrite.disabled).toBe(false))
      fireEvent.click(overwrite)
      await waitFor(() => expect(screen.getByText(/Saved/)).toBeTruthy())
      expect(disk.text).toBe(MINE)
      expect(fake.callsOf('manifest.save').map((c) => c.baseVersion)).toEqual([
        'sha256:1',
        'sha256:2',
      ])
      expect(screen.queryByText(/changed on disk/)).toBeNull()
    })

    it('shows the new text by itself when nothing is unsaved, and warns over unsaved edits', async () => {
      const { fake, elsewhere } = diskBackend()
      mount(<App />, fake, '#/settings')
      const editor = (await screen.findByLabelText('Manifest text')) as HTMLTextAreaElement
      expect(editor.value).toBe(ONE)
      // The user edits the file in another editor, then comes back to the window.
      elsewhere(TWO)
      fireEvent.focus(window)
      await waitFor(() => expect(editor.value).toBe(TWO))

      fireEvent.change(editor, { target: { value: `${TWO}# mine\n` } })
      elsewhere(ONE)
      fireEvent.focus(window)
      expect(await screen.findByText('Saving your edits would undo that change.')).toBeTruthy()
      expect(editor.value).toBe(`${TWO}# mine\n`)
      const save = screen.getByRole('button', { name: 'Save manifest' }) as HTMLButtonElement
      expect(save.disabled).toBe(true)
      expect(fake.callsOf('manifest.save')).toEqual([])
    })
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
