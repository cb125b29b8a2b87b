import { useEffect, useState } from 'react'
import type { SessionInfo, SessionKind } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import { TerminalPane } from './TerminalPane'
import { applySessionEvent, defaultSession, sessionStateLabel } from './session-list'

export interface TerminalTabsProps {
  client: RpcClient
  bottleId: string
  /** Whether new sessions can start (the bottle is running). */
  canOpen?: boolean
}

/**
 * A bottle's sessions as tabs: state per tab, "New session" / "New shell",
 * close (running) or dismiss (ended). Only the selected tab has a terminal;
 * switching back starts it from the backend's snapshot.
 */
export function TerminalTabs({ client, bottleId, canOpen = true }: TerminalTabsProps) {
  const [sessions, setSessions] = useState<SessionInfo[]>([])
  const [chosen, setChosen] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [opening, setOpening] = useState(false)

  useEffect(() => {
    const sub = client.subscribe(
      'sessions.events',
      {},
      (event) => setSessions((list) => applySessionEvent(list, event, bottleId)),
      (e) => e && setError(e.message),
    )
    return () => sub.dispose()
  }, [client, bottleId])

  const active = sessions.find((s) => s.id === chosen) ?? defaultSession(sessions)

  const open = (kind: SessionKind): void => {
    setOpening(true)
    setError(null)
    client
      .call('sessions.open', { bottleId, kind })
      .then((s) => setChosen(s.id))
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

  return (
    <div className="terminal-tabs">
      <div className="terminal-tabbar">
        <div role="tablist" aria-label="Sessions" className="terminal-tablist">
          {sessions.map((s) => (
            <div
              key={s.id}
              className={`terminal-tab terminal-tab-${s.state}`}
              data-session-id={s.id}
            >
              <button
                type="button"
                role="tab"
                aria-selected={s.id === active?.id}
                onClick={() => setChosen(s.id)}
                title={sessionStateLabel(s)}
              >
                <span className="terminal-tab-dot" aria-hidden="true" />
                {s.title}
                <span className="terminal-tab-state">
                  {s.state === 'running' ? '' : sessionStateLabel(s)}
                </span>
              </button>
              <button
                type="button"
                className="terminal-tab-close"
                aria-label={s.state === 'running' ? `Close ${s.title}` : `Dismiss ${s.title}`}
                title={
                  s.state === 'running'
                    ? 'Close (ends the process)'
                    : 'Dismiss (forgets its scrollback)'
                }
                onClick={() => end(s)}
              >
                ×
              </button>
            </div>
          ))}
        </div>
        <div className="terminal-actions">
          <button type="button" disabled={!canOpen || opening} onClick={() => open('agent')}>
            New session
          </button>
          <button type="button" disabled={!canOpen || opening} onClick={() => open('shell')}>
            New shell
          </button>
        </div>
      </div>
      {error && (
        <p className="terminal-error" role="alert">
          {error}
        </p>
      )}
      {active ? (
        <TerminalPane key={active.id} client={client} sessionId={active.id} />
      ) : (
        <p className="terminal-empty muted">
          {canOpen ? 'No sessions yet.' : 'Start the bottle to open a session.'}
        </p>
      )}
    </div>
  )
}
