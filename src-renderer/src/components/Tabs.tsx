import type { ReactNode } from 'react'
import { useRovingTabs } from './roving-tabs'

export interface TabItem<K extends string> {
  key: K
  label: ReactNode
}

interface Props<K extends string> {
  items: readonly TabItem<K>[]
  value: K
  onChange: (key: K) => void
  /** Names the tab list for screen readers. */
  label: string
  /** Prefix of the tab and panel ids (unique on the page). */
  idPrefix: string
  className?: string
}

export const tabId = (prefix: string, key: string): string => `${prefix}-tab-${key}`
export const panelId = (prefix: string, key: string): string => `${prefix}-panel-${key}`

/** ARIA tabs: arrow keys, Home and End move between tabs and select them. */
export function Tabs<K extends string>(props: Props<K>) {
  const { items, value, onChange, label, idPrefix, className } = props
  const roving = useRovingTabs(
    items.map((t) => t.key),
    value,
    onChange,
  )
  return (
    <div
      role="tablist"
      aria-label={label}
      className={`tabs ${className ?? ''}`}
      onKeyDown={roving.onKeyDown}
    >
      {items.map((t) => (
        <button
          key={t.key}
          ref={roving.ref(t.key)}
          type="button"
          role="tab"
          id={tabId(idPrefix, t.key)}
          aria-selected={t.key === value}
          aria-controls={panelId(idPrefix, t.key)}
          tabIndex={t.key === value ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.key)}
        >
          {t.label}
        </button>
      ))}
    </div>
  )
}

/** The panel of the selected tab. */
export function TabPanel({
  idPrefix,
  tab,
  children,
  className,
}: {
  idPrefix: string
  tab: string
  children: ReactNode
  className?: string
}) {
  return (
    <div
      role="tabpanel"
      id={panelId(idPrefix, tab)}
      aria-labelledby={tabId(idPrefix, tab)}
      className={`tab-panel ${className ?? ''}`}
    >
      {children}
    </div>
  )
}
