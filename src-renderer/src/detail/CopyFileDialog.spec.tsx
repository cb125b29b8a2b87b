// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { RpcError } from '../../../src-shared/rpc/errors'
import { makeBottle } from '../test-support/factories'
import { baseBackend, mount, unmountAll } from '../test-support/render-app'
import { CopyFileDialog } from './CopyFileDialog'

afterEach(unmountAll)

const bottle = makeBottle('cp1')

function open(fake = baseBackend()) {
  mount(<CopyFileDialog bottle={bottle} onClose={() => {}} />, fake)
  const dialog = screen.getByRole('dialog', { name: 'Copy a file' })
  const $ = within(dialog)
  return {
    fake,
    dialog,
    host: () => $.getByRole('combobox') as HTMLInputElement,
    guest: () => $.getByLabelText(/in the bottle/) as HTMLInputElement,
    direction: (name: RegExp) => fireEvent.click($.getByRole('radio', { name })),
    type: (input: HTMLInputElement, value: string) =>
      fireEvent.change(input, { target: { value } }),
    copy: () => fireEvent.click($.getByRole('button', { name: 'Copy' })),
    $,
  }
}

describe('copy file dialog', () => {
  it('never keeps the copied-in host file as the copy-out destination', async () => {
    const fake = baseBackend().method('bottles.cp', (p) => ({
      bytes: 12,
      hostPath: p.hostPath,
      guestPath: p.guestPath.endsWith('/') ? `${p.guestPath}notes.md` : p.guestPath,
    }))
    const d = open(fake)
    expect(d.guest().value).toBe('/workspace/')
    d.type(d.host(), '/home/me/project/notes.md')
    d.copy()
    await d.$.findByText('Copied 12 B.')
    expect(d.$.getByText('/workspace/notes.md')).toBeTruthy()

    d.direction(/^Out of the bottle/)
    expect(d.$.getByLabelText('Save to (on this computer)')).toBe(d.host())
    expect(d.host().value).toBe('')
    expect(d.$.queryByText('Copied 12 B.')).toBeNull()
    d.type(d.guest(), '/workspace/notes.md')
    d.copy()
    // Nothing is written without a destination of its own.
    expect(await d.$.findByText(/absolute path/)).toBeTruthy()
    expect(fake.callsOf('bottles.cp')).toHaveLength(1)

    d.direction(/^Into the bottle/)
    expect(d.guest().value).toBe('/workspace/')
    expect(d.host().value).toBe('')
  })

  it('asks before replacing a host file, and replaces only that one on confirmation', async () => {
    const fake = baseBackend().method('bottles.cp', (p) => {
      if (!p.overwrite)
        throw new RpcError('CONFLICT', `${p.hostPath}/out.json already exists`, {
          path: `${p.hostPath}/out.json`,
        })
      return { bytes: 3, hostPath: p.hostPath, guestPath: p.guestPath }
    })
    const d = open(fake)
    d.direction(/^Out of the bottle/)
    d.type(d.guest(), '/workspace/out.json')
    d.type(d.host(), '/home/me/dl')
    d.copy()
    const ask = await d.$.findByRole('alert')
    expect(within(ask).getByText('Replace /home/me/dl/out.json?')).toBeTruthy()
    expect((d.$.getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(true)

    // Keeping it: no second call, the prompt goes.
    fireEvent.click(within(ask).getByRole('button', { name: 'Keep the existing file' }))
    expect(d.$.queryByText(/^Replace /)).toBeNull()
    expect(fake.callsOf('bottles.cp')).toHaveLength(1)

    // Editing the destination dismisses a prompt about the old one.
    d.copy()
    await d.$.findByText('Replace /home/me/dl/out.json?')
    d.type(d.host(), '/home/me/other')
    expect(d.$.queryByText(/^Replace /)).toBeNull()

    d.type(d.host(), '/home/me/dl')
    d.copy()
    fireEvent.click(await d.$.findByRole('button', { name: 'Replace' }))
    await d.$.findByText('Copied 3 B.')
    expect(fake.callsOf('bottles.cp')).toEqual([
      expect.objectContaining({ hostPath: '/home/me/dl', overwrite: false }),
      expect.objectContaining({ hostPath: '/home/me/dl', overwrite: false }),
      expect.objectContaining({ hostPath: '/home/me/dl', overwrite: false }),
      {
        id: 'cp1',
        direction: 'out',
        hostPath: '/home/me/dl/out.json',
        guestPath: '/workspace/out.json',
        overwrite: true,
      },
    ])
  })

  it('shows a failed copy’s error once, not again in its stderr', async () => {
    const line = 'Error: agent operation failed: write file: /root/x: Read-only file system'
    const fake = baseBackend().method('bottles.cp', () => {
      throw new RpcError('COMMAND_FAILED', `smolvm machine cp /h/x → m:/root/x: ${line}`, {
        command: 'smolvm machine cp /h/x m:/root/x',
        exitCode: 1,
        stderr: `Uploading /h/x -> /root/x\n${line}`,
      })
    })
    const d = open(fake)
    d.type(d.host(), '/h/x')
    d.type(d.guest(), '/root/x')
    d.copy()
    const error = await d.$.findByRole('alert')
    expect(error.textContent?.split('Read-only file system')).toHaveLength(2)
    expect(within(error).getByLabelText('Standard error').textContent).toBe(
      'Uploading /h/x -> /root/x',
    )
    expect(error.textContent).toContain('smolvm machine cp /h/x m:/root/x')
  })
})
