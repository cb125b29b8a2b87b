import { useEffect, useRef, useState } from 'react'

export interface FindBarProps {
  /** Returns whether there is a match. */
  find(text: string, how: { backwards: boolean; incremental: boolean }): boolean
  onClose(): void
}

/** The terminal's find bar: Enter / Shift+Enter for next / previous, Escape closes. */
export function FindBar({ find, onClose }: FindBarProps) {
  const input = useRef<HTMLInputElement>(null)
  const [text, setText] = useState('')
  const [missing, setMissing] = useState(false)

  useEffect(() => input.current?.focus(), [])

  const run = (backwards: boolean, value = text, incremental = false): void => {
    setMissing(value !== '' && !find(value, { backwards, incremental }))
  }

  return (
    <div className="terminal-find" role="search">
      <input
        ref={input}
        aria-label="Find in terminal"
        placeholder="Find"
        value={text}
        className={missing ? 'terminal-find-missing' : undefined}
        onChange={(e) => {
          setText(e.target.value)
          run(false, e.target.value, true)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose()
          else if (e.key === 'Enter') run(e.shiftKey)
        }}
      />
      <button type="button" aria-label="Previous match" onClick={() => run(true)}>
        ↑
      </button>
      <button type="button" aria-label="Next match" onClick={() => run(false)}>
        ↓
      </button>
      <button type="button" aria-label="Close find" onClick={onClose}>
        ✕
      </button>
    </div>
  )
}
