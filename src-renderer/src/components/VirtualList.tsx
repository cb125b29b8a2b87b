import { useEffect, useLayoutEffect, useRef, useState, type ReactNode, type UIEvent } from 'react'

interface Props<T> {
  items: readonly T[]
  /** Every row has this height (px); lines wider than the view scroll sideways. */
  rowHeight: number
  rowKey: (item: T) => string | number
  renderRow: (item: T) => ReactNode
  /** Keep the newest row in view as rows arrive. */
  follow: boolean
  /** The user scrolled away from the end (false) or back to it (true). */
  onFollowChange: (follow: boolean) => void
  label: string
  className?: string
}

/** Rows rendered beyond the visible ones, above and below. */
const OVERSCAN = 20
/** Before the first layout (and where layout is unknown) assume a view this tall. */
const FALLBACK_HEIGHT = 600

/** Renders only the visible rows of a long list, so 10,000 log lines scroll smoothly. */
export function VirtualList<T>(props: Props<T>) {
  const { items, rowHeight, rowKey, renderRow, follow, onFollowChange, label, className } = props
  const ref = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ top: 0, height: FALLBACK_HEIGHT })
  const total = items.length * rowHeight

  useEffect(() => {
    const el = ref.current
    if (!el || typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(() =>
      setView((v) => ({ ...v, height: el.clientHeight || FALLBACK_HEIGHT })),
    )
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // Following: stick to the end whenever rows arrive.
  useLayoutEffect(() => {
    const el = ref.current
    if (!follow || !el) return
    const height = el.clientHeight || FALLBACK_HEIGHT
    el.scrollTop = total // clamped to the end
    setView({ top: Math.max(0, total - height), height })
  }, [follow, total])

  const onScroll = (e: UIEvent<HTMLDivElement>): void => {
    const el = e.currentTarget
    setView({ top: el.scrollTop, height: el.clientHeight || FALLBACK_HEIGHT })
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < rowHeight * 1.5
    if (atEnd !== follow) onFollowChange(atEnd)
  }

  const first = Math.max(0, Math.floor(view.top / rowHeight) - OVERSCAN)
  const last = Math.min(items.length, Math.ceil((view.top + view.height) / rowHeight) + OVERSCAN)
  const visible = items.slice(first, last)

  return (
    <div
      ref={ref}
      className={`vlist ${className ?? ''}`}
      onScroll={onScroll}
      role="log"
      aria-label={label}
      aria-live="off"
      tabIndex={0}
    >
      <div className="vlist-spacer" style={{ height: total }}>
        <div className="vlist-rows" style={{ transform: `translateY(${first * rowHeight}px)` }}>
          {visible.map((item) => (
            <div key={rowKey(item)} className="vlist-row" style={{ height: rowHeight }}>
              {renderRow(item)}
            </div>
          ))}
        </div>
      </div>
    </div>
  )
}
