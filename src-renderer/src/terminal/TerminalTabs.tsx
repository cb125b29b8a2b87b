import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { SessionInfo, SessionKind } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import { useRovingTabs } from '../components/roving-tabs'
import { Loading } from '../components/States'
import { panelId, tabId } from '../components/Tabs'
import { useBottleSessions, useSessions } from '../stores/sessions-store'
import { EndAgentDialog } from './EndAgentDialog'
import { TerminalPane, type TerminalPaneHandle } from './TerminalPane'
import {
  AT_CAP_HINT,
  atSessionCap,
  defaultSession,
  openErrorMessage,
  sessionStateLabel,
} from './session-list'
import { rememberSession, rememberedSession } from './session-memory'

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
 * session" / "New shell" (off at the bottle's cap), close (running; a running
 * agent only once confirmed) or dismiss (ended). Only the selected tab has a
 * terminal; switching back starts it from the backend's snapshot. The chosen
 * tab is remembered per bottle across reloads.
 * Keyboard: ←/→, Home and End on the tabs; Delete closes or dismisses the
 * focused one; F6 (and Enter) go to the terminal, F6 there comes back.
 */
export function TerminalTabs({ client, bottleId, canOpen = true }: TerminalTabsProps) {
  const sessions = useBottleSessions(bottleId)
  const loaded = useSessions((s) => s.loaded)
  const feedError = useSessions((s) => s.error)
  const [choice, setChoice] = useState(() => ({ bottleId, id: rememberedSession(bottleId) }))
  const chosen = choice.bottleId === bottleId ? choice.id : rememberedSession(bottleId)
  const [error, setError] = useState<string | null>(null)
  const [opening, setOpening] = useState(false)
  /** The running agent whose close waits for a yes. */
  const [confirming, setConfirming] = useState<string | null>(null)
  // A pane takes the focus when it comes from a click or "New …", not while arrowing through the tabs.
  const [paneFocus, setPaneFocus] = useState(true)
  const pane = useRef<TerminalPaneHandle>(null)

  const setChosen = (id: string): void => {
    setChoice({ bottleId, id })
    rememberSession(bottleId, id)
  }
  const active = sessions.find((s) => s.id === chosen) ?? defaultSession(sessions)
  const atCap = atSessionCap(sessions)
  const toConfirm = sessions.find((s) => s.id === confirming && s.state === 'running')

  // The selected tab stays in view when the tabs scroll (narrow windows, a reload onto a later tab).
  const activeId = active?.id
  useEffect(() => {
    if (!activeId) return
    document.getElementById(tabId(ID_PREFIX, activeId))?.scrollIntoView?.({
      block: 'nearest',
      inline: 'nearest',
    })
  }, [activeId])
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
      .catch((e: unknown) => setError(openErrorMessage(e)))
      .finally(() => setOpening(false))
  }

  const end = (s: SessionInfo): void => {
    setError(null)
    if (s.state === 'running' && s.kind === 'agent') {
      setConfirming(s.id)
      return
    }
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
                  title={`${s.title} · ${sessionStateLabel(s)} · Delete ${running ? 'closes it' : 'dismisses it'}`}
                  onClick={() => {
                    setPaneFocus(true)
                    setChosen(s.id)
                    if (selected) pane.current?.focus()
                  }}
                >
                  <span className="terminal-tab-dot" aria-hidden="true" />
                  <span className="terminal-tab-label">{s.title}</span>
                  {!running && <span className="terminal-tab-state">{sessionStateLabel(s)}</span>}
                </button>
                {/* For the mouse; the keyboard's way is Delete on the tab. */}
                <button
                  type="button"
                  className="terminal-tab-close"
                  tabIndex={-1}
                  aria-hidden="true"
                  title={
                    running
                      ? s.kind === 'agent'
                        ? 'End the agent (asks first)'
                        : 'Close (ends the process)'
                      : 'Dismiss (forgets its scrollback)'
                  }
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
          <button
            type="button"
            disabled={!canOpen || opening || atCap}
            title={canOpen && atCap ? AT_CAP_HINT : undefined}
            onClick={() => open('agent')}
          >
            New session
          </button>
          <button
            type="button"
            disabled={!canOpen || opening || atCap}
            title={canOpen && atCap ? AT_CAP_HINT : undefined}
            onClick={() => open('shell')}
          >
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
      {toConfirm && (
        <EndAgentDialog client={client} session={toConfirm} onDone={() => setConfirming(null)} />
      )}
    </div>
  )
}
