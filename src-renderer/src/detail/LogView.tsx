import { useDeferredValue, useEffect, useMemo, useState } from 'react'
import { useStore } from 'zustand'
import { ErrorNotice } from '../components/ErrorNotice'
import { Highlight } from '../components/Highlight'
import { VirtualList } from '../components/VirtualList'
import { clockTime } from '../lib/format'
import { entryText } from '../lib/log-entry'
import { useConnection } from '../stores/connection-store'
import { LOG_CAP, type LogFeed, type LogRow } from '../stores/log-feed'

const ROW_HEIGHT = 18

interface Props {
  /** Made by the caller (one per bottle and source); started here while shown. */
  feed: LogFeed
  label: string
  /** Shown when the log is empty. */
  emptyText: string
  /** A word on how to read this log, above its lines. */
  note?: string
}

/**
 * A followed log: lines as they come (kept to the newest 10,000, only the
 * visible ones rendered), wrapped to the width, JSON lines shown as their
 * parts; a filter box that narrows (on the raw line or what is shown) and
 * highlights, and "follow" that sticks to the end until you scroll up.
 */
export function LogView({ feed, label, emptyText, note }: Props) {
  useEffect(() => feed.start(), [feed])
  const { rows, status, error, trimmed } = useStore(feed)
  const [filter, setFilter] = useState('')
  const [follow, setFollow] = useState(true)
  const query = useDeferredValue(filter.trim())
  const connected = useConnection((s) => s.state === 'connected')

  const shown = useMemo(() => {
    if (!query) return rows
    const q = query.toLowerCase()
    return rows.filter(
      (r) =>
        r.text.toLowerCase().includes(q) ||
        (r.entry !== undefined && entryText(r.entry).toLowerCase().includes(q)),
    )
  }, [rows, query])

  return (
    <div className="logview">
      <div className="logview-bar">
        <input
          type="search"
          className="input"
          placeholder="Filter lines"
          aria-label={`Filter ${label}`}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="muted small logview-count" aria-live="polite">
          {query ? `${shown.length} of ${rows.length}` : `${rows.length}`} line
          {rows.length === 1 ? '' : 's'}
          {trimmed > 0 ? ` (oldest ${trimmed} dropped; keeps ${LOG_CAP})` : ''}
        </span>
        <label className="small logview-follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />{' '}
          Follow
        </label>
      </div>
      {!connected ? (
        <p className="muted small">Paused while the connection to the backend is restored…</p>
      ) : (
        status === 'error' &&
        error && <ErrorNotice error={error} title={`The ${label} is not available`} compact />
      )}
      {status === 'ended' && <p className="muted small">The log stream ended.</p>}
      {note && <p className="muted small logview-note">{note}</p>}
      {rows.length === 0 ? (
        status === 'error' ? null : (
          <p className="muted logview-empty">
            {status === 'loading' ? 'Waiting for lines…' : emptyText}
          </p>
        )
      ) : shown.length === 0 ? (
        <p className="muted logview-empty">No line contains “{query}”.</p>
      ) : (
        <VirtualList
          items={shown}
          rowHeight={ROW_HEIGHT}
          rowKey={rowKey}
          renderRow={(r) => <Line row={r} query={query} />}
          follow={follow}
          onFollowChange={setFollow}
          label={label}
          className="logview-lines"
        />
      )}
    </div>
  )
}

const rowKey = (r: LogRow): number => r.seq

function Line({ row, query }: { row: LogRow; query: string }) {
  const e = row.entry
  return (
    <span
      className={`logline logline-${row.tone}${row.time !== null ? ' logline-timed' : ''}`}
      // The structured line's raw text stays at hand.
      title={e ? row.text : undefined}
    >
      {row.time !== null && <span className="logline-time">{clockTime(row.time)}</span>}
      {e ? (
        <>
          <span className="logline-level">{e.level.toUpperCase().padEnd(5)}</span>{' '}
          {e.scope && (
            <>
              <span className="logline-scope">
                <Highlight text={e.scope} query={query} />
              </span>{' '}
            </>
          )}
          <Highlight text={e.message} query={query} />
          {e.fields.length > 0 && (
            <span className="logline-fields">
              {'  '}
              <Highlight text={e.fields.join(' ')} query={query} />
            </span>
          )}
        </>
      ) : (
        <Highlight text={row.text} query={query} />
      )}
    </span>
  )
}
