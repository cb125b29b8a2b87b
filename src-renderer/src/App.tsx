import { useEffect, useState } from 'react'
import type { AppInfo } from '../../src-shared/contract'
import { connection, type ConnectionState } from './rpc/connection'

/** The dashboard shell: header with connection state; the bottle views mount inside. */
export function App() {
  const [state, setState] = useState<ConnectionState>(connection.status)
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(
    () =>
      connection.subscribe((s, client) => {
        setState(s)
        if (client) {
          client.call('app.info', {}).then(setInfo, (e: Error) => setError(e.message))
        }
      }),
    [],
  )

  return (
    <div className="app">
      <header className="app-header">
        <h1>Bot Bottle</h1>
        <span className={`conn conn-${state}`} role="status" aria-live="polite">
          {state === 'connected'
            ? 'Connected'
            : state === 'connecting'
              ? 'Connecting…'
              : 'Disconnected — retrying'}
        </span>
      </header>
      <main className="app-main">
        {error && <p role="alert">{error}</p>}
        {info && (
          <p className="muted" data-testid="app-info">
            {info.name} {info.version} · {info.mode} · {info.platform}/{info.arch}
          </p>
        )}
        <section aria-label="Bottles" className="empty">
          <p>No bottles yet.</p>
        </section>
      </main>
    </div>
  )
}
