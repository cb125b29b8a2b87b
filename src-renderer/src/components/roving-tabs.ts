import { useRef, type KeyboardEvent } from 'react'

export interface RovingTabs<K extends string> {
  /** For the tablist: ←/→ (↑/↓), Home and End select a tab and move the focus to it. */
  onKeyDown(e: KeyboardEvent): void
  /** For each tab element. */
  ref(key: K): (el: HTMLElement | null) => void
  /** Gives a tab the focus. */
  focus(key: K): void
}

/**
 * The keyboard side of ARIA tabs with a roving tabindex (the selected tab is
 * the one in the tab order, tabIndex 0; the others -1), with automatic
 * activation: moving to a tab selects it.
 */
export function useRovingTabs<K extends string>(
  keys: readonly K[],
  value: K | undefined,
  onChange: (key: K) => void,
): RovingTabs<K> {
  const els = useRef(new Map<K, HTMLElement>())
  const focus = (key: K): void => els.current.get(key)?.focus()
  return {
    onKeyDown(e) {
      if (keys.length === 0 || e.altKey || e.ctrlKey || e.metaKey) return
      const i = value === undefined ? -1 : keys.indexOf(value)
      let next = -1
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (i + 1) % keys.length
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp')
        next = (Math.max(i, 0) - 1 + keys.length) % keys.length
      else if (e.key === 'Home') next = 0
      else if (e.key === 'End') next = keys.length - 1
      if (next < 0) return
      e.preventDefault()
      const key = keys[next]!
      onChange(key)
      focus(key)
    },
    ref: (key) => (el) => {
      if (el) els.current.set(key, el)
      else els.current.delete(key)
    },
    focus,
  }
}
