import type { ReactNode } from 'react'

/** A quiet placeholder while something loads (no spinner flash for fast answers). */
export function Loading({ label }: { label: string }) {
  return (
    <p className="state-loading muted" aria-busy="true">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  )
}

/** What an empty list says, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state-empty">
      <p className="state-empty-title">{title}</p>
      {children && <div className="muted">{children}</div>}
    </div>
  )
}
