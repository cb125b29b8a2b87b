// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { App } from '../App'
import { useBottles } from '../stores/bottles-store'
import { useNotices } from '../stores/notices-store'
import { useRoute } from '../stores/route-store'
import { makeBottle, makeStep } from '../test-support/factories'
import { baseBackend, flush, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

async function openDialog(hash = '#/new') {
  const fake = baseBackend()
  const mounted = mount(<App />, fake, hash)
  const dialog = await screen.findByRole('dialog', { name: 'New bottle' })
  await within(dialog).findByRole('option', { name: /claude/ })
  return { ...mounted, dialog }
}

describe('new bottle dialog', () => {
  it('honours the deep link’s agent and folder', async () => {
    const { dialog } = await openDialog('#/new?agent=claude&dir=%2Fsrv%2Fproj')
    expect((within(dialog).getByLabelText('Agent') as HTMLSelectElement).value).toBe('claude')
    expect((within(dialog).getByLabelText('Project folder') as HTMLInputElement).value).toBe(
      '/srv/proj',
    )
  })

  it('refuses a relative folder on the field itself, without asking the backend', async () => {
    const { dialog, fake } = await openDialog()
    fireEvent.change(within(dialog).getByLabelText('Project folder'), {
      target: { value: 'relative/dir' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Launch' }))
    expect(await within(dialog).findByText('must be an absolute path')).toBeTruthy()
    expect(fake.callsOf('bottles.launch')).toEqual([])
    expect(within(dialog).getByLabelText('Project folder').getAttribute('aria-invalid')).toBe(
      'true',
    )
  })

  it('maps the backend’s INVALID_PARAMS issues to the fields they name', async () => {
    const { dialog, fake } = await openDialog()
    fake.method('bottles.launch', () => {
      throw new RpcError('INVALID_PARAMS', 'invalid launch: projectDir: no such folder', {
        issues: [{ path: 'projectDir', message: 'no such folder: /nope' }],
      })
    })
    fireEvent.change(within(dialog).getByLabelText('Project folder'), {
      target: { value: '/nope' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Launch' }))
    expect(await within(dialog).findByText('no such folder: /nope')).toBeTruthy()
    // The field says it; no duplicate general error.
    expect(within(dialog).queryByText('Could not launch')).toBeNull()
  })

  it('shows a refusal that names no field as a general error', async () => {
    const { dialog, fake } = await openDialog()
    fake.method('bottles.launch', () => {
      throw new RpcError('PRECONDITION', 'the manifest is invalid: agents.claude.image')
    })
    fireEvent.change(within(dialog).getByLabelText('Project folder'), { target: { value: '/p' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Launch' }))
    const alert = await within(dialog).findByRole('alert')
    expect(alert.textContent).toContain('Could not launch')
    expect(alert.textContent).toContain('the manifest is invalid')
  })

  it('completes the folder from fs.complete and accepts with the keyboard', async () => {
    const { dialog, fake } = await openDialog()
    fake.method('fs.complete', ({ partial }) => ({
      entries: partial.startsWith('/ho')
        ? [
            { name: 'home', path: '/home' },
            { name: 'hotel', path: '/hotel' },
          ]
        : [],
    }))
    const input = within(dialog).getByLabelText('Project folder')
    fireEvent.change(input, { target: { value: '/ho' } })
    const options = await within(dialog).findAllByRole('option', { name: /\/ho/ })
    expect(options).toHaveLength(2)
    fireEvent.keyDown(input, { key: 'ArrowDown' })
    fireEvent.keyDown(input, { key: 'ArrowDown' })
    expect(input.getAttribute('aria-activedescendant')).toBe(options[1]!.id)
    fireEvent.keyDown(input, { key: 'Enter' })
    expect((input as HTMLInputElement).value).toBe('/hotel')
    // Escape with no list open closes the dialog.
    fireEvent.keyDown(input, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })

  it('uses a recent folder from the settings', async () => {
    const { dialog } = await openDialog()
    fireEvent.click(within(dialog).getByRole('button', { name: '/home/me/recent-one' }))
    expect((within(dialog).getByLabelText('Project folder') as HTMLInputElement).value).toBe(
      '/home/me/recent-one',
    )
  })

  it('launches, shows the bottle’s timeline, and can cancel while it launches', async () => {
    const { dialog, fake } = await openDialog()
    const launching = makeBottle('fresh', {
      state: 'launching',
      startedAt: null,
      steps: [makeStep('pack', { state: 'running', startedAt: '2026-01-01T10:00:00Z' })],
    })
    fake.method('bottles.launch', () => launching).method('bottles.cancel', () => ({}))
    fireEvent.change(within(dialog).getByLabelText('Project folder'), { target: { value: '/p' } })
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /Copy the project/ }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Launch' }))
    await waitFor(() =>
      expect(useRoute.getState().route).toMatchObject({ name: 'bottle', id: 'fresh' }),
    )
    expect(fake.callsOf('bottles.launch')).toEqual([
      { agent: 'claude', projectDir: '/p', copyWorkdir: true },
    ])
    expect(screen.queryByRole('dialog')).toBeNull()
    const step = await screen.findByText('pack')
    expect(step.closest('li')?.getAttribute('data-state')).toBe('running')
    fireEvent.click(screen.getByRole('button', { name: 'Cancel launch' }))
    await act(() => flush())
    expect(fake.callsOf('bottles.cancel')).toEqual([{ id: 'fresh' }])
  })

  /** Launch with the backend's answer held back until `answer()`. */
  async function startHeldLaunch(over: { remove?: () => object } = {}) {
    const { dialog, fake } = await openDialog()
    let answer: (() => void) | null = null
    fake
      .method(
        'bottles.launch',
        () =>
          new Promise((resolve) => {
            answer = () => resolve(makeBottle('fresh', { state: 'launching', steps: [] }))
          }),
      )
      .method('bottles.remove', over.remove ?? (() => ({})))
    fireEvent.change(within(dialog).getByLabelText('Project folder'), { target: { value: '/p' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Launch' }))
    await waitFor(() => expect(answer).not.toBeNull())
    return { dialog, fake, answer: () => answer!() }
  }

  it('Cancel while launching cancels the launch: the bottle is removed once named, nothing opens', async () => {
    const { dialog, fake, answer } = await startHeldLaunch()
    expect(within(dialog).getByRole('status').textContent).toContain('stopped and removed')
    const cancel = within(dialog).getByRole('button', {
      name: 'Cancel launch',
    }) as HTMLButtonElement
    expect(cancel.disabled).toBe(false)
    expect(cancel.title).toBe('Stop this launch and remove its bottle')
    fireEvent.click(cancel)
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    // Not named yet: nothing to take back until the launch answers.
    expect(fake.callsOf('bottles.remove')).toEqual([])
    await act(async () => {
      answer()
      await flush()
    })
    expect(fake.callsOf('bottles.remove')).toEqual([{ id: 'fresh' }])
    expect(useRoute.getState().route).toEqual({ name: 'home' })
    expect(useBottles.getState().launchedHere).toEqual({})
  })

  it('says so when a cancelled launch could not be taken back', async () => {
    const { dialog, answer } = await startHeldLaunch({
      remove: () => {
        throw new RpcError('CONFLICT', 'bottle fresh still holds its network')
      },
    })
    fireEvent.keyDown(dialog, { key: 'Escape' })
    await act(async () => {
      answer()
      await flush()
    })
    const notice = useNotices.getState().notices.at(-1)
    expect(notice).toMatchObject({
      tone: 'error',
      title: 'Could not cancel the launch',
      detail: 'bottle fresh still holds its network',
      href: '#/bottles/fresh',
    })
    expect(useRoute.getState().route).toEqual({ name: 'home' })
  })

  it('traps focus inside and gives it back when closed', async () => {
    const fake = baseBackend()
    mount(<App />, fake)
    const opener = await screen.findByRole('link', { name: '+ New bottle' })
    opener.focus()
    fireEvent.click(opener)
    window.location.hash = '#/new'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    const dialog = await screen.findByRole('dialog', { name: 'New bottle' })
    await within(dialog).findByRole('option', { name: /claude/ })
    const focusables = within(dialog).getAllByRole('button')
    const last = focusables[focusables.length - 1]!
    last.focus()
    fireEvent.keyDown(last, { key: 'Tab' })
    expect(dialog.contains(document.activeElement)).toBe(true)
    expect(document.activeElement).not.toBe(last)
    fireEvent.keyDown(dialog, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(document.activeElement).toBe(opener)
  })
})
