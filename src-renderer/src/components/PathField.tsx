import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { call } from '../lib/backend'
import { toErrorShape } from '../lib/errors'

interface Entry {
  name: string
  path: string
}

interface Props {
  label: string
  value: string
  onChange: (value: string) => void
  error?: string | null
  placeholder?: string
  /** Extra controls beside the field (e.g. "Browse…"). */
  addon?: ReactNode
  hint?: ReactNode
  autoFocus?: boolean
  name?: string
}

/** How long typing pauses before asking for completions. */
const DEBOUNCE_MS = 120

/**
 * An absolute-path field with folder completion from the backend (fs.complete):
 * a combobox whose suggestions follow the typing; ↑/↓ choose, Enter or Tab
 * accept, Escape closes the list.
 */
export function PathField(props: Props) {
  const { label, value, onChange, error, placeholder, addon, hint, autoFocus, name } = props
  const id = useId()
  const listId = `${id}-list`
  const [entries, setEntries] = useState<Entry[]>([])
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const [completionError, setCompletionError] = useState<RpcErrorShape | null>(null)
  const [query, setQuery] = useState<string | null>(null)
  const seq = useRef(0)

  useEffect(() => {
    if (query === null || !query.startsWith('/')) return
    const mine = ++seq.current
    const t = setTimeout(() => {
      call('fs.complete', { partial: query }).then(
        ({ entries }) => {
          if (mine !== seq.current) return
          setEntries(entries)
          setActive(-1)
          setOpen(entries.length > 0)
          setCompletionError(null)
        },
        (e: unknown) => {
          if (mine !== seq.current) return
          setOpen(false)
          setCompletionError(toErrorShape(e))
        },
      )
    }, DEBOUNCE_MS)
    return () => clearTimeout(t)
  }, [query])

  const type = (text: string): void => {
    onChange(text)
    setQuery(text)
    if (!text.startsWith('/')) setOpen(false)
  }

  const accept = (entry: Entry): void => {
    onChange(entry.path)
    setOpen(false)
    setQuery(null)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (!open) {
      if (e.key === 'ArrowDown' && value.startsWith('/')) {
        e.preventDefault()
        setQuery(value.endsWith('/') ? value : `${value}/`)
      }
      return
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const step = e.key === 'ArrowDown' ? 1 : -1
      setActive((a) => (a + step + entries.length) % entries.length)
    } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0 && entries[active]) {
      e.preventDefault()
      accept(entries[active])
    } else if (e.key === 'Escape') {
      e.stopPropagation() // close the list, not the dialog around it
      setOpen(false)
    }
  }

  const errorId = `${id}-error`
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <div className="combobox">
          <input
            id={id}
            name={name}
            type="text"
            className="input mono"
            value={value}
            placeholder={placeholder}
            autoComplete="off"
            spellCheck={false}
            autoFocus={autoFocus}
            role="combobox"
            aria-expanded={open}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => type(e.target.value)}
            onKeyDown={onKeyDown}
            onBlur={() => setOpen(false)}
          />
          {open && (
            <ul
              id={listId}
              role="listbox"
              className="combobox-list"
              aria-label={`${label} suggestions`}
            >
              {entries.map((entry, i) => (
                <li
                  key={entry.path}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={i === active}
                  className={i === active ? 'active' : undefined}
                  // mousedown, not click: the input's blur would close the list first
                  onMouseDown={(e) => {
                    e.preventDefault()
                    accept(entry)
                  }}
                >
                  <span className="mono">{entry.name}/</span>
                  <span className="muted small"> {entry.path}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {addon}
      </div>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {completionError && (
        <p className="muted small">
          Folder suggestions are unavailable ({completionError.code}: {completionError.message});
          type the full path.
        </p>
      )}
      {hint && <div className="field-hint muted small">{hint}</div>}
    </div>
  )
}
