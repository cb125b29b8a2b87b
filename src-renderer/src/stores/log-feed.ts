import { createStore, type StoreApi } from 'zustand/vanilla'
import type { EgressDecision, LogLine, LogSource } from '../../../src-shared/contract'
import type { RpcError, RpcErrorShape } from '../../../src-shared/rpc/errors'
import { call, follow } from '../lib/backend'
import { toErrorShape } from '../lib/errors'
import { formatBytes } from '../lib/format'
import { entryTone, parseJsonLog, type LogEntry } from '../lib/log-entry'

export interface LogRow {
  /** Unique within the feed (React keys, stable across trimming). */
  seq: number
  /** When it happened; null when the line has no time of its own. */
  time: string | null
  /** The line as written (what the filter searches). */
  text: string
  tone: 'plain' | 'allow' | 'deny' | 'warn' | 'error'
  /** A structured (JSON) line's parts, shown instead of the raw text. */
  entry?: LogEntry
}

export interface LogFeedState {
  /** `ended`: the backend closed the stream without an error (e.g. the bottle stopped). */
  status: 'loading' | 'live' | 'ended' | 'error'
  error: RpcErrorShape | null
  rows: LogRow[]
  /** Rows dropped off the front to stay within the cap. */
  trimmed: number
}

export type LogFeed = StoreApi<LogFeedState> & { start(): () => void }

/** Most rows a feed keeps; older ones drop off (the view stays smooth at this size). */
export const LOG_CAP = 10_000
/** How much history a log view asks for when it opens. */
const TAIL = 5000

function emptyState(): LogFeedState {
  return { status: 'loading', error: null, rows: [], trimmed: 0 }
}

function endedState(error: RpcError | null): Pick<LogFeedState, 'status' | 'error'> {
  return error ? { status: 'error', error: error.toShape() } : { status: 'ended', error: null }
}

/** Appends rows, dropping the oldest beyond `cap`. */
export function appendCapped(state: LogFeedState, rows: LogRow[], cap = LOG_CAP): LogFeedState {
  if (rows.length === 0) return state
  const all = state.rows.concat(rows)
  const over = all.length - cap
  return over > 0
    ? { ...state, rows: all.slice(over), trimmed: state.trimmed + over }
    : { ...state, rows: all }
}

/**
 * One of a bottle's logs: its tail (bottles.logs), then new lines as they are
 * written (bottles.logFollow). Lines that arrive while the tail is on its way
 * are held and appended after it, minus any the tail already had.
 */
export function createBottleLogFeed(id: string, source: LogSource): LogFeed {
  const store = createStore<LogFeedState>(emptyState)
  let seq = 0
  const toRow = (l: LogLine): LogRow => {
    // The VM console has no timestamps: its lines carry when the backend read them, not when they happened.
    if (source === 'console') return { seq: seq++, time: null, text: l.text, tone: 'plain' }
    const entry = source === 'bundle' ? parseJsonLog(l.text) : null
    if (!entry) return { seq: seq++, time: l.time, text: l.text, tone: 'plain' }
    return { seq: seq++, time: entry.time ?? l.time, text: l.text, tone: entryTone(entry), entry }
  }
  const start = (): (() => void) => {
    let generation = 0
    let held: LogLine[] | null = null
    const stop = follow(
      'bottles.logFollow',
      { id, source },
      {
        onStart: () => {
          const mine = ++generation
          held = []
          store.setState(emptyState())
          call('bottles.logs', { id, source, tail: TAIL }).then(
            (tail) => {
              if (mine !== generation) return
              const seen = new Set(tail.map((l) => `${l.time}\n${l.text}`))
              const fresh = (held ?? []).filter((l) => !seen.has(`${l.time}\n${l.text}`))
              held = null
              store.setState((s) => ({
                ...appendCapped(s, [...tail, ...fresh].map(toRow)),
                status: 'live',
              }))
            },
            (e: unknown) => {
              if (mine !== generation) return
              held = null
              store.setState({ status: 'error', error: toErrorShape(e) })
            },
          )
        },
        onEvent: ({ lines }) => {
          if (held) held.push(...lines)
          else store.setState((s) => appendCapped(s, lines.map(toRow)))
        },
        onEnd: (error) => {
          generation++
          store.setState(endedState(error))
        },
      },
    )
    return () => {
      generation++
      stop()
    }
  }
  return Object.assign(store, { start })
}

/** One egress decision as a log row: verdict, request, the rule that decided, traffic. */
export function egressRow(d: EgressDecision, seq: number): LogRow {
  const rule = d.rule ? ` rule ${d.rule}` : ''
  const traffic =
    d.decision === 'allow'
      ? ` · ${formatBytes(d.bytesOut)} out, ${formatBytes(d.bytesIn)} in, ${Math.round(d.durationMs)} ms`
      : ''
  return {
    seq,
    time: d.time,
    text: `${d.decision.toUpperCase().padEnd(5)} ${d.method} ${d.host}:${d.port}${rule} — ${d.reason}${traffic}`,
    tone: d.decision,
  }
}

/** The bundle proxy's decisions (egress.log: recent ones, then new ones). */
export function createEgressFeed(id: string): LogFeed {
  const store = createStore<LogFeedState>(emptyState)
  let seq = 0
  const start = (): (() => void) =>
    follow(
      'egress.log',
      { id },
      {
        onStart: () => store.setState(emptyState()),
        onEvent: ({ decisions }) =>
          store.setState((s) => ({
            ...appendCapped(
              s,
              decisions.map((d) => egressRow(d, seq++)),
            ),
            status: 'live',
          })),
        onEnd: (error) => store.setState(endedState(error)),
      },
    )
  return Object.assign(store, { start })
}
