import '@xterm/xterm/css/xterm.css'
import './terminal.css'
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react'
import type { RpcClient } from '../../../src-shared/rpc/client'
import { FindBar } from './FindBar'
import { TerminalView } from './terminal-view'

export interface TerminalPaneProps {
  client: RpcClient
  sessionId: string
  /** Focus the terminal once mounted (read at mount only: changing it later never rebuilds the terminal). */
  autoFocus?: boolean
  ref?: Ref<TerminalPaneHandle>
}

export interface TerminalPaneHandle {
  /** Gives the terminal the keyboard focus. */
  focus(): void
}

type Exit = { exitCode: number | null; signal: number | null }

/** A session's terminal: xterm, a find bar (Ctrl/Cmd+F) and a copy/paste context menu. */
export function TerminalPane({ client, sessionId, autoFocus = true, ref }: TerminalPaneProps) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<TerminalView | null>(null)
  const focusAtMount = useRef(autoFocus)
  const [exit, setExit] = useState<Exit | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [finding, setFinding] = useState(false)
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null)

  useEffect(() => {
    const el = host.current
    if (!el) return
    const v = new TerminalView({
      client,
      sessionId,
      host: el,
      onAttached: () => {
        setExit(null)
        setError(null)
      },
      onExit: setExit,
      onError: setError,
      onFind: () => setFinding(true),
    })
    view.current = v
    if (focusAtMount.current) v.focus()
    return () => {
      view.current = null
      v.dispose()
    }
  }, [client, sessionId])

  useImperativeHandle(ref, () => ({ focus: () => view.current?.focus() }), [])

  const closeFind = (): void => {
    setFinding(false)
    view.current?.clearFind()
    view.current?.focus()
  }

  const act = (fn: (v: TerminalView) => unknown): void => {
    setMenu(null)
    const v = view.current
    if (!v) return
    Promise.resolve(fn(v)).catch((e: Error) => setError(`clipboard: ${e.message}`))
    v.focus()
  }

  return (
    <div
      className="terminal-pane"
      data-session-id={sessionId}
      onContextMenu={(e) => {
        e.preventDefault()
        const box = e.currentTarget.getBoundingClientRect()
        setMenu({ x: e.clientX - box.left, y: e.clientY - box.top })
      }}
      onClick={() => setMenu(null)}
    >
      {finding && (
        <FindBar find={(text, how) => view.current?.find(text, how) ?? false} onClose={closeFind} />
      )}
      <div ref={host} className="terminal-host" data-testid="terminal" />
      {menu && (
        <div className="terminal-menu" role="menu" style={{ left: menu.x, top: menu.y }}>
          <button type="button" role="menuitem" onClick={() => act((v) => v.copySelection())}>
            Copy
          </button>
          <button type="button" role="menuitem" onClick={() => act((v) => v.paste())}>
            Paste
          </button>
          <button type="button" role="menuitem" onClick={() => act((v) => v.selectAll())}>
            Select all
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              setMenu(null)
              setFinding(true)
            }}
          >
            Find…
          </button>
        </div>
      )}
      {(exit || error) && (
        <div
          className={error ? 'terminal-status terminal-status-error' : 'terminal-status'}
          role="status"
        >
          {error ?? describeExit(exit as Exit)}
        </div>
      )}
    </div>
  )
}

export function describeExit({ exitCode, signal }: Exit): string {
  if (signal !== null) return `Session ended (signal ${signal})`
  return exitCode === null ? 'Session ended' : `Session ended (exit code ${exitCode})`
}
