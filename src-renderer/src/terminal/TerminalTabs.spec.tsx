// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { useEffect, useImperativeHandle, useRef } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SessionInfo } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { App } from '../App'
import type { FakeSink } from '../test-support/fake-backend'
import { makeBottle, makeSession } from '../test-support/factories'
import { baseBackend, flush, mount, unmountAll } from '../test-support/render-app'
import type { TerminalPaneProps } from './TerminalPane'
import { AT_CAP_HINT } from './session-list'

/** Keys that reached the terminal, per session. */
const typed: string[] = []

// xterm needs a real browser (the e2e specs drive it): here a focusable stand-in with the same handle.
vi.mock('./TerminalPane', () => ({
  TerminalPane({ sessionId, autoFocus, ref }: TerminalPaneProps) {
    const el = useRef<HTMLTextAreaElement>(null)
    const focusAtMount = useRef(autoFocus)
    useImperativeHandle(ref, () => ({ focus: () => el.current?.focus() }), [])
    useEffect(() => {
      if (focusAtMount.current !== false) el.current?.focus()
    }, [])
    return (
      <textarea
        ref={el}
        aria-label={`Terminal of ${sessionId}`}
        onKeyDown={(e) => typed.push(`${sessionId}:${e.key}`)}
      />
    )
  },
}))

afterEach(() => {
  unmountAll()
  typed.length = 0
  window.sessionStorage.clear()
})

function withSessions(sessions: SessionInfo[] | null) {
  const sinks: FakeSink<'sessions.events'>[] = []
  const fake = baseBackend()
    .topic('bottles.events', (_p, sink) =>
      sink.emit({ kind: 'snapshot', bottles: [makeBottle('b1')], orphans: [] }),
    )
    .topic('sessions.events', (_p, sink) => {
      sinks.push(sink)
      if (sessions) sink.emit({ kind: 'snapshot', sessions })
    })
  return { fake, sinks }
}

const tabs = (): HTMLElement[] =>
  screen.getAllByRole('tab').filter((t) => t.id.startsWith('session'))
const tab = (name: string): HTMLElement => screen.getByRole('tab', { name: new RegExp(`^${name}`) })
const selected = (): string[] =>
  tabs()
    .filter((t) => t.getAttribute('aria-selected') === 'true')
    .map((t) => t.textContent!)

describe('terminal tabs', () => {
  it('says it is loading until the first sessions snapshot, not that there are none', async () => {
    const { fake, sinks } = withSessions(null)
    mount(<App />, fake, '#/bottles/b1/terminal')
    expect(await screen.findByText('Loading sessions…')).toBeTruthy()
    expect(screen.queryByText('No sessions yet.')).toBeNull()
    await act(async () => {
      sinks[0]!.emit({ kind: 'snapshot', sessions: [] })
      await flush()
    })
    expect(screen.getByText('No sessions yet.')).toBeTruthy()
    expect(screen.queryByText('Loading sessions…')).toBeNull()
  })

  it('shows a feed error until a new subscription delivers again', async () => {
    const { fake, sinks } = withSessions([makeSession('a')])
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^a/ })
    await act(async () => {
      sinks[0]!.end(new RpcError('INTERNAL', 'the session registry went away'))
      await flush()
    })
    expect(screen.getByRole('alert').textContent).toContain('the session registry went away')
    // The tabs it had stay readable beside the error.
    expect(tab('a')).toBeTruthy()
    await act(async () => {
      fake.disconnect()
      await flush()
      fake.connect()
      await flush()
    })
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
    expect(tab('a')).toBeTruthy()
  })

  it('moves through the tabs with ←/→, Home and End, keeping one in the tab order', async () => {
    const { fake } = withSessions([makeSession('a'), makeSession('bb'), makeSession('ccc')])
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^ccc/ })
    // Valid ARIA: the tablist's children are tabs (the wrappers are role none), the close buttons are mouse-only.
    const list = screen.getByRole('tablist', { name: 'Sessions' })
    for (const child of list.children) {
      expect(child.getAttribute('role')).toBe('none')
      const [first, ...rest] = [...child.children]
      expect(first?.getAttribute('role')).toBe('tab')
      for (const other of rest) {
        expect(other.getAttribute('aria-hidden')).toBe('true')
        expect(other.getAttribute('tabindex')).toBe('-1')
      }
    }
    expect(tabs().map((t) => t.tabIndex)).toEqual([0, -1, -1])
    tab('a').focus()
    fireEvent.keyDown(tab('a'), { key: 'ArrowRight' })
    expect(selected()).toEqual(['bb'])
    expect(document.activeElement).toBe(tab('bb'))
    expect(tabs().map((t) => t.tabIndex)).toEqual([-1, 0, -1])
    // Arrowing shows the session without taking the focus from the tabs.
    expect(screen.getByLabelText('Terminal of bb')).toBeTruthy()
    expect(tab('bb').getAttribute('aria-controls')).toBe(
      screen.getByRole('tabpanel', { name: /^bb/ }).id,
    )
    fireEvent.keyDown(document.activeElement!, { key: 'End' })
    expect(document.activeElement).toBe(tab('ccc'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(tab('a'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' })
    expect(document.activeElement).toBe(tab('ccc'))
    fireEvent.keyDown(document.activeElement!, { key: 'Home' })
    expect(selected()).toEqual(['a'])
    expect(document.activeElement).toBe(tab('a'))
  })

  it('F6 leaves the terminal for its tab without the shell seeing it, and F6 goes back', async () => {
    const { fake } = withSessions([makeSession('a'), makeSession('bb')])
    mount(<App />, fake, '#/bottles/b1/terminal')
    const terminal = await screen.findByLabelText('Terminal of a')
    expect(document.activeElement).toBe(terminal)
    expect(screen.getByText('F6').closest('[title]')?.getAttribute('title')).toContain(
      'F6 moves the focus from the terminal to its tab and back',
    )
    fireEvent.keyDown(terminal, { key: 'x' })
    fireEvent.keyDown(terminal, { key: 'Escape' })
    fireEvent.keyDown(terminal, { key: 'F6' })
    expect(document.activeElement).toBe(tab('a'))
    expect(typed).toEqual(['a:x', 'a:Escape'])
    fireEvent.keyDown(tab('a'), { key: 'F6' })
    expect(document.activeElement).toBe(terminal)
  })

  it('Delete on a tab closes a running session and dismisses an ended one', async () => {
    const { fake } = withSessions([
      makeSession('a', { state: 'exited', exitCode: 0 }),
      makeSession('bb'),
      makeSession('ccc'),
    ])
    fake.method('sessions.dismiss', () => ({})).method('sessions.close', () => ({}))
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^ccc/ })
    tab('a').focus()
    fireEvent.keyDown(tab('a'), { key: 'Home' })
    fireEvent.keyDown(tab('a'), { key: 'Delete' })
    // The dismissed tab's neighbour takes the selection and the focus.
    expect(document.activeElement).toBe(tab('bb'))
    expect(selected()).toEqual(['bb'])
    fireEvent.keyDown(tab('bb'), { key: 'Delete' })
    await act(() => flush())
    expect(fake.callsOf('sessions.dismiss')).toEqual([{ sessionId: 'a' }])
    expect(fake.callsOf('sessions.close')).toEqual([{ sessionId: 'bb' }])
    expect(
      within(screen.getByRole('tablist', { name: 'Sessions' })).getAllByRole('tab'),
    ).toHaveLength(3)
  })

  it('asks before the × or Delete ends a running agent; shells close at once', async () => {
    const { fake } = withSessions([
      makeSession('agent', { kind: 'agent', title: 'agent' }),
      makeSession('sh', { title: 'shell' }),
    ])
    fake.method('sessions.close', () => ({}))
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^shell/ })
    const closeButton = (name: string): HTMLElement =>
      tab(name).parentElement!.querySelector<HTMLElement>('.terminal-tab-close')!

    fireEvent.click(closeButton('agent'))
    let dialog = await screen.findByRole('dialog', { name: 'End the agent?' })
    expect(dialog.textContent).toContain('The bottle keeps running; New session starts it again.')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    await act(() => flush())
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(fake.callsOf('sessions.close')).toEqual([])

    // Delete on the agent's tab asks too; End agent ends it.
    tab('agent').focus()
    fireEvent.keyDown(tab('agent'), { key: 'Delete' })
    dialog = await screen.findByRole('dialog', { name: 'End the agent?' })
    expect(fake.callsOf('sessions.close')).toEqual([])
    fireEvent.click(within(dialog).getByRole('button', { name: 'End agent' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(fake.callsOf('sessions.close')).toEqual([{ sessionId: 'agent' }])

    fireEvent.click(closeButton('shell'))
    await act(() => flush())
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(fake.callsOf('sessions.close')).toEqual([{ sessionId: 'agent' }, { sessionId: 'sh' }])
  })

  it('keeps the dialog open with the reason when ending the agent fails', async () => {
    const { fake } = withSessions([makeSession('agent', { kind: 'agent' })])
    fake.method('sessions.close', () => {
      throw new RpcError('NOT_FOUND', 'no session agent')
    })
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^agent/ })
    tab('agent').focus()
    fireEvent.keyDown(tab('agent'), { key: 'Delete' })
    const dialog = await screen.findByRole('dialog', { name: 'End the agent?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'End agent' }))
    expect(await within(dialog).findByText('no session agent')).toBeTruthy()
  })

  it('comes back to the chosen session after a reload, per bottle', async () => {
    const sessions = [makeSession('a'), makeSession('bb'), makeSession('ccc')]
    const first = withSessions(sessions)
    mount(<App />, first.fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^ccc/ })
    expect(selected()).toEqual(['a'])
    fireEvent.click(tab('ccc'))
    expect(selected()).toEqual(['ccc'])
    unmountAll()

    const again = withSessions(sessions)
    mount(<App />, again.fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^ccc/ })
    expect(selected()).toEqual(['ccc'])
    // Gone since: the usual first choice.
    unmountAll()
    const without = withSessions([makeSession('a'), makeSession('bb')])
    mount(<App />, without.fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^bb/ })
    expect(selected()).toEqual(['a'])
  })

  it('turns New session and New shell off at the bottle’s session cap, saying why', async () => {
    const six = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'].map((id) => makeSession(id))
    const { fake, sinks } = withSessions(six)
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^ffffff/ })
    const newSession = screen.getByRole('button', { name: 'New session' }) as HTMLButtonElement
    const newShell = screen.getByRole('button', { name: 'New shell' }) as HTMLButtonElement
    expect(newSession.disabled).toBe(true)
    expect(newShell.disabled).toBe(true)
    expect(newSession.title).toBe(AT_CAP_HINT)
    expect(AT_CAP_HINT).toContain('at most 6 sessions')
    // One ends: room again.
    await act(async () => {
      sinks[0]!.emit({
        kind: 'upsert',
        session: makeSession('a', { state: 'exited', exitCode: 0 }),
      })
      await flush()
    })
    expect(newSession.disabled).toBe(false)
    expect(newSession.title).toBe('')
  })

  it('says the cap plainly when the backend refuses one more session', async () => {
    const { fake } = withSessions([makeSession('a')])
    fake.method('sessions.open', () => {
      throw new RpcError(
        'PRECONDITION',
        'this bottle already has 6 sessions: close one first (smolvm allows 8 connections per VM)',
        { sessions: 6, max: 6 },
      )
    })
    mount(<App />, fake, '#/bottles/b1/terminal')
    await screen.findByRole('tab', { name: /^a/ })
    fireEvent.click(screen.getByRole('button', { name: 'New shell' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe(AT_CAP_HINT)
    expect(alert.textContent).not.toContain('smolvm')
  })

  it('keeps a long title on one line in its own element, whole in the tooltip', async () => {
    const { fake } = withSessions([makeSession('a', { title: 'agent with a very long title 2' })])
    mount(<App />, fake, '#/bottles/b1/terminal')
    const t = await screen.findByRole('tab', { name: /^agent with/ })
    expect(t.querySelector('.terminal-tab-label')?.textContent).toBe(
      'agent with a very long title 2',
    )
    expect(t.title).toContain('agent with a very long title 2')
  })
})
