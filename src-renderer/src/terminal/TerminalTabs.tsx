import { useRef, useState, type KeyboardEvent } from 'react'
import type { SessionInfo, SessionKind } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import { useRovingTabs } from '../components/roving-tabs'
import { Loading } from '../components/States'
import { panelId, tabId } from '../components/Tabs'
import { useBottleSessions, useSessions } from '../stores/sessions-store'
import { TerminalPane, type TerminalPaneHandle } from './TerminalPane'
import { defaultSession, sessionStateLabel } from './session-list'

export interface TerminalTabsProps {
  client: RpcClient
  bottleId: string
  /** Whether new sessions can start (the bottle is running). */
  canOpen?: boolean
}

/**
 * Moves the focus from the terminal to its tab and back. Shells and editors
 * need Escape, Tab and the Ctrl-letters; F6 is the usual "next pane" key.
 */
export const SWITCH_KEY = 'F6'

const ID_PREFIX = 'session'

/**
 * A bottle's sessions as tabs (from the sessions store): state per tab, "New
 * session" / "New shell", close (running) or dismiss (ended). Only the selected
 * tab has a terminal; switching back starts it from the backend's snapshot.
 * Keyboard: ←/→, Home and End on the tabs; Delete closes or dismisses the
 * focused one; F6 (and Enter) go to the terminal, F6 there comes back.
 */
export function TerminalTabs({ client, bottleId, canOpen = true }: TerminalTabsProps) {
  const sessions = useBottleSessions(bottleId)
  const loaded = useSessions((s) => s.loaded)
  const feedError = useSessions((s) => s.error)
  const [chosen, setChosen] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [opening, setOpening] = useState(false)
  // A pane takes the focus when it comes from a click or "New …", not while arrowing through the tabs.
  const [paneFocus, setPaneFocus] = useState(true)
  const pane = useRef<TerminalPaneHandle>(null)

  const active = sessions.find((s) => s.id === chosen) ?? defaultSession(sessions)
  const roving = useRovingTabs(
    sessions.map((s) => s.id),
    active?.id,
    (id) => {
      setPaneFocus(false)
      setChosen(id)
    },
  )

  const open = (kind: SessionKind): void => {
    setOpening(true)
    setError(null)
    client
      .call('sessions.open', { bottleId, kind })
      .then((s) => {
        setPaneFocus(true)
        setChosen(s.id)
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setOpening(false))
  }

  const end = (s: SessionInfo): void => {
    setError(null)
    const done =
      s.state === 'running'
        ? client.call('sessions.close', { sessionId: s.id })
        : client.call('sessions.dismiss', { sessionId: s.id })
    done.catch((e: Error) => setError(e.message))
  }

  const onTabKeyDown = (e: KeyboardEvent): void => {
    const plain = !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey
    if (plain && e.key === SWITCH_KEY) {
      e.preventDefault()
      pane.current?.focus()
    } else if (plain && (e.key === 'Delete' || e.key === 'Backspace') && active) {
      e.preventDefault()
      if (active.state !== 'running') {
        // A dismissed tab leaves: its neighbour takes the selection and the focus.
        const i = sessions.indexOf(active)
        const next = sessions[i + 1] ?? sessions[i - 1]
        if (next) {
          setPaneFocus(false)
          setChosen(next.id)
          roving.focus(next.id)
        }
      }
      end(active)
    } else {
      roving.onKeyDown(e)
    }
  }

  const onPaneKeyDown = (e: KeyboardEvent): void => {
    if (e.key !== SWITCH_KEY || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || !active) return
    // Captured before xterm sees it: the shell never gets the key.
    e.preventDefault()
    e.stopPropagation()
    roving.focus(active.id)
  }

  let body
  if (active) {
    body = (
      <div
        role="tabpanel"
        id={panelId(ID_PREFIX, active.id)}
        aria-labelledby={tabId(ID_PREFIX, active.id)}
        className="terminal-panel"
        onKeyDownCapture={onPaneKeyDown}
      >
        <TerminalPane
          key={active.id}
          ref={pane}
          client={client}
          sessionId={active.id}
          autoFocus={paneFocus}
        />
      </div>
    )
  } else if (!loaded) {
    body = feedError ? null : <Loading label="Loading sessions…" />
  } else {
    body = (
      <p className="terminal-empty muted">
        {canOpen ? 'No sessions yet.' : 'Start the bottle to open a session.'}
      </p>
    )
  }

  return (
    <div className="terminal-tabs">
      <div className="terminal-tabbar">
        <div
          role="tablist"
          aria-label="Sessions"
          className="terminal-tablist"
          onKeyDown={onTabKeyDown}
        >
          {sessions.map((s) => {
            const selected = s.id === active?.id
            const running = s.state === 'running'
            return (
              // The wrapper is layout only (role none): the tabs stay the tablist's children.
              <div
                key={s.id}
                role="none"
                className={`terminal-tab terminal-tab-${s.state}`}
                data-session-id={s.id}
              >
                <button
                  ref={roving.ref(s.id)}
                  type="button"
                  role="tab"
                  id={tabId(ID_PREFIX, s.id)}
                  aria-selected={selected}
                  aria-controls={selected ? panelId(ID_PREFIX, s.id) : undefined}
                  tabIndex={selected ? 0 : -1}
                  title={`${sessionStateLabel(s)} · Delete ${running ? 'closes it' : 'dismisses it'}`}
                  onClick={() => {
                    setPaneFocus(true)
                    setChosen(s.id)
                    if (selected) pane.current?.focus()
                  }}
                >
                  <span className="terminal-tab-dot" aria-hidden="true" />
                  {s.title}
                  <span className="terminal-tab-state">{running ? '' : sessionStateLabel(s)}</span>
                </button>
                {/* For the mouse; the keyboard's way is Delete on the tab. */}
                <button
                  type="button"
                  className="terminal-tab-close"
                  tabIndex={-1}
                  aria-hidden="true"
                  title={running ? 'Close (ends the process)' : 'Dismiss (forgets its scrollback)'}
                  onClick={() => end(s)}
                >
                  ×
                </button>
              </div>
            )
          })}
        </div>
        <div className="terminal-actions">
          <span
            className="terminal-keys muted small"
            title="F6 moves the focus from the terminal to its tab and back. On the tabs: ←/→ switch sessions, Delete closes or dismisses one."
          >
            <kbd>{SWITCH_KEY}</kbd>
            <span className="terminal-keys-text"> terminal ⇄ tabs</span>
          </span>
          <button type="button" disabled={!canOpen || opening} onClick={() => open('agent')}>
            New session
          </button>
          <button type="button" disabled={!canOpen || opening} onClick={() => open('shell')}>
            New shell
          </button>
        </div>
      </div>
      {feedError && (
        <p className="terminal-error" role="alert">
          Sessions are not live: {feedError.message}
        </p>
      )}
      {error && (
        <p className="terminal-error" role="alert">
          {error}
        </p>
      )}
      {body}
    </div>
  )
}
