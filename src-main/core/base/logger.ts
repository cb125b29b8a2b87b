import type { BackendLogLine } from '../../../src-shared/contract'
import { Emitter, type Event } from './lifecycle'
import { redact } from './redact'

export type Level = BackendLogLine['level']

export interface Logger {
  debug(message: string, bottleId?: string | null): void
  info(message: string, bottleId?: string | null): void
  warn(message: string, bottleId?: string | null): void
  error(message: string, bottleId?: string | null): void
  child(scope: string): Logger
}

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/**
 * The backend's log: a bounded ring of recent lines (for the dashboard), an
 * event per line, and an optional sink (stderr, a file). Every line passes
 * through `redact`, so a secret that reached a message never reaches a log.
 */
export class LogHub {
  private readonly ring: BackendLogLine[] = []
  private readonly onLineEmitter = new Emitter<BackendLogLine>()
  readonly onLine: Event<BackendLogLine> = this.onLineEmitter.event

  constructor(
    private readonly options: {
      capacity?: number
      minLevel?: Level
      sink?: (line: BackendLogLine) => void
      secrets?: () => Iterable<string>
    } = {},
  ) {}

  logger(scope: string): Logger {
    const write = (level: Level, message: string, bottleId?: string | null): void =>
      this.write(level, scope, message, bottleId ?? null)
    return {
      debug: (m, b) => write('debug', m, b),
      info: (m, b) => write('info', m, b),
      warn: (m, b) => write('warn', m, b),
      error: (m, b) => write('error', m, b),
      child: (sub) => this.logger(`${scope}.${sub}`),
    }
  }

  recent(filter?: (l: BackendLogLine) => boolean): BackendLogLine[] {
    return filter ? this.ring.filter(filter) : [...this.ring]
  }

  private write(level: Level, scope: string, message: string, bottleId: string | null): void {
    const line: BackendLogLine = {
      time: new Date().toISOString(),
      level,
      scope,
      message: redact(message, this.options.secrets?.() ?? []),
      bottleId,
    }
    this.ring.push(line)
    const cap = this.options.capacity ?? 5000
    if (this.ring.length > cap) this.ring.splice(0, this.ring.length - cap)
    if (ORDER[level] >= ORDER[this.options.minLevel ?? 'info']) this.options.sink?.(line)
    this.onLineEmitter.fire(line)
  }
}

/** A logger that drops everything (tests, quiet CLI commands). */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => nullLogger,
}
