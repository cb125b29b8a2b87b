import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type UIEvent,
} from 'react'

type Key = string | number

interface Props<T> {
  items: readonly T[]
  /** The height (px) of a one-line row; rows that wrap are measured once rendered. */
  rowHeight: number
  rowKey: (item: T) => Key
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

/**
 * Where each row starts (px) and, last, the total height: measured heights
 * where known, `rowHeight` for rows not rendered yet.
 */
export function rowOffsets<T>(
  items: readonly T[],
  rowKey: (item: T) => Key,
  heights: ReadonlyMap<Key, number>,
  rowHeight: number,
): Float64Array {
  const offsets = new Float64Array(items.length + 1)
  for (let i = 0; i < items.length; i++) {
    offsets[i + 1] = offsets[i]! + (heights.get(rowKey(items[i]!)) ?? rowHeight)
  }
  return offsets
}

/** The row at `y` px: the last whose start is at or above it. */
export function rowAt(offsets: Float64Array, y: number): number {
  let lo = 0
  let hi = offsets.length - 2
  if (hi < 0) return 0
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (offsets[mid]! <= y) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * Renders only the visible rows of a long list, so 10,000 log lines scroll
 * smoothly. Rows may wrap: each rendered row's height is measured and kept,
 * and the scroll position holds still when rows above the view change height.
 */
export function VirtualList<T>(props: Props<T>) {
  const { items, rowHeight, rowKey, renderRow, follow, onFollowChange, label, className } = props
  const ref = useRef<HTMLDivElement>(null)
  const rowsRef = useRef<HTMLDivElement>(null)
  /** Measured heights that differ from `rowHeight`, by row key. */
  const [heights, setHeights] = useState<ReadonlyMap<Key, number>>(() => new Map())
  const [view, setView] = useState({ top: 0, height: FALLBACK_HEIGHT })

  const offsets = useMemo(
    () => rowOffsets(items, rowKey, heights, rowHeight),
    [items, rowKey, heights, rowHeight],
  )
  const total = offsets[items.length]!

  // A resize (the window, a wrap that changes with the width, a late font) re-renders and re-measures.
  useEffect(() => {
    const el = ref.current
    const rows = rowsRef.current
    if (!el || typeof ResizeObserver === 'undefined') return
    const ro = new ResizeObserver(() =>
      setView((v) => ({ ...v, height: el.clientHeight || FALLBACK_HEIGHT })),
    )
    ro.observe(el)
    if (rows) ro.observe(rows)
    return () => ro.disconnect()
  }, [])

  const first = Math.max(0, rowAt(offsets, view.top) - OVERSCAN)
  const last = Math.min(items.length, rowAt(offsets, view.top + view.height) + 1 + OVERSCAN)
  const visible = items.slice(first, last)

  // After each render that can change them: the rendered rows' real heights.
  useLayoutEffect(() => {
    const rows = rowsRef.current
    const el = ref.current
    if (!rows || !el) return
    const changes: [Key, number][] = []
    let shiftAbove = 0
    rows.childNodes.forEach((node, n) => {
      const i = first + n
      const item = items[i]
      if (item === undefined || !(node instanceof HTMLElement)) return
      const h = node.getBoundingClientRect().height
      if (!(h > 0)) return // not laid out (hidden, or no layout engine)
      const key = rowKey(item)
      const before = heights.get(key) ?? rowHeight
      if (Math.abs(h - before) < 0.5) return
      changes.push([key, h])
      if (offsets[i + 1]! <= el.scrollTop) shiftAbove += h - before
    })
    if (changes.length === 0) return
    const known = new Map(heights)
    for (const [key, h] of changes) {
      if (Math.abs(h - rowHeight) < 0.5) known.delete(key)
      else known.set(key, h)
    }
    // Rows gone from the list leave the map once it outgrows the list.
    if (known.size > items.length * 2) {
      const keep = new Set(items.map(rowKey))
      for (const k of known.keys()) if (!keep.has(k)) known.delete(k)
    }
    // What is in view stays put when rows above it grow or shrink.
    if (!follow && shiftAbove !== 0) el.scrollTop += shiftAbove
    setHeights(known)
  }, [view, items, first, last, rowKey, rowHeight, heights, offsets, follow])

  // Following: stick to the end whenever rows arrive (or the last ones turn out taller).
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
        <div
          ref={rowsRef}
          className="vlist-rows"
          style={{ transform: `translateY(${offsets[first]!}px)` }}
        >
          {visible.map((item) => (
            <div key={rowKey(item)} className="vlist-row" style={{ minHeight: rowHeight }}>
              {renderRow(item)}
            </div>
          ))}
        </div>
      </div>
    </div>
  )
}
