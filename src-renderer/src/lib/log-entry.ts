/**
 * The bundle's log lines are JSON (resources/bundle/src/log.ts): `{time, type:
 * "log", level, scope, msg, ...fields}`, and the proxy's `{time, type:
 * "decision", decision, method, host, port, ...}`. This is one such line as
 * the parts a person reads: level, scope, message, the other fields compactly.
 */
export interface LogEntry {
  /** When it happened, as the line says (ISO); null when it says nothing usable. */
  time: string | null
  /** info, warn, error…; allow or deny for the proxy's decisions. */
  level: string
  scope: string | null
  message: string
  /** The other fields, `key=value`: bare words as they are, anything else as compact JSON. */
  fields: string[]
}

/** Keys shown in their own place (or, for `type: "log"`, saying nothing). */
const SHOWN = new Set(['time', 'level', 'scope', 'msg', 'message'])
const DECISION_SHOWN = new Set(['time', 'type', 'decision', 'method', 'host', 'port'])

/** A JSON log line's parts; null when the line is not a JSON object. */
export function parseJsonLog(text: string): LogEntry | null {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null
  let value: unknown
  try {
    value = JSON.parse(trimmed)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const o = value as Record<string, unknown>
  const time = typeof o.time === 'string' && !Number.isNaN(Date.parse(o.time)) ? o.time : null
  if (o.type === 'decision' && typeof o.decision === 'string') {
    return {
      time,
      level: o.decision,
      scope: 'egress',
      message: `${str(o.method)} ${str(o.host)}:${str(o.port)}`.trim(),
      fields: fieldsOf(o, DECISION_SHOWN),
    }
  }
  const message = o.msg ?? o.message
  return {
    time,
    level: typeof o.level === 'string' ? o.level : 'log',
    scope: typeof o.scope === 'string' ? o.scope : null,
    message: typeof message === 'string' ? message : message === undefined ? '' : compact(message),
    fields: fieldsOf(o, o.type === 'log' ? new Set([...SHOWN, 'type']) : SHOWN),
  }
}

/** The entry as one line of text, as it is shown (what a filter matches besides the raw line). */
export function entryText(e: LogEntry): string {
  const head = [e.level.toUpperCase().padEnd(5), e.scope, e.message].filter(Boolean).join(' ')
  return e.fields.length ? `${head}  ${e.fields.join(' ')}` : head
}

/** How the entry's level reads: a warning, an error, a denied request, or neither. */
export function entryTone(e: LogEntry): 'plain' | 'allow' | 'deny' | 'warn' | 'error' {
  switch (e.level.toLowerCase()) {
    case 'warn':
    case 'warning':
      return 'warn'
    case 'error':
    case 'fatal':
      return 'error'
    case 'deny':
      return 'deny'
    case 'allow':
      return 'allow'
    default:
      return 'plain'
  }
}

function fieldsOf(o: Record<string, unknown>, skip: ReadonlySet<string>): string[] {
  return Object.entries(o)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : compact(v)}`)
}

function compact(v: unknown): string {
  return JSON.stringify(v) ?? String(v)
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : compact(v)
}
