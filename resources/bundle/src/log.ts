/**
 * The bundle logs JSON lines on stdout (`docker logs` is the transport).
 * Two shapes, told apart by `type`: `log` lines for humans, and `decision`
 * lines the app parses into EgressDecision (src-shared/contract/egress.ts).
 */
export const DECISION_TYPE = 'decision'

export interface DecisionFields {
  host: string
  port: number
  method: string
  decision: 'allow' | 'deny'
  rule: string | null
  reason: string
  bytesIn: number
  bytesOut: number
  durationMs: number
}

export interface BundleLog {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  /** One line per connection (or plain-HTTP request); `time` is when it was decided. */
  decision(fields: DecisionFields, decidedAt: Date): void
}

export function jsonLog(scope: string, write: (line: string) => void = (l) => process.stdout.write(l)): BundleLog {
  const line = (level: string, msg: string, fields?: Record<string, unknown>): void =>
    write(JSON.stringify({ time: new Date().toISOString(), type: 'log', level, scope, msg, ...fields }) + '\n')
  return {
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    decision: (d, decidedAt) =>
      write(JSON.stringify({ time: decidedAt.toISOString(), type: DECISION_TYPE, ...d, durationMs: Math.round(d.durationMs) }) + '\n'),
  }
}

/** A log that drops everything (benchmarks). */
export const silentLog: BundleLog = { info() {}, warn() {}, error() {}, decision() {} }
