import { FNV_OFFSET, fnv1a } from './checksum'

/**
 * What browser tests read about each mounted terminal, on
 * `window.__botBottleTerminals` (a Map keyed by session id). Installed only
 * when the page is driven by automation (`navigator.webdriver`).
 */
export interface TerminalProbe {
  /** Running FNV-1a over the `data` events xterm has written since the last snapshot. */
  readonly checksum: number
  /** Their total length (UTF-16 code units, as the backend counts). */
  readonly bytesWritten: number
  /** Snapshots written so far (1 after mount, +1 per reattach). */
  readonly snapshots: number
  /** performance.now() when xterm last finished writing a `data` event (echo latency). */
  readonly lastWriteAt: number
  /** The terminal's size now. */
  readonly cols: number
  readonly rows: number
  /** The terminal buffer (scrollback and screen) as plain text. */
  text(): string
}

declare global {
  interface Window {
    __botBottleTerminals?: Map<string, TerminalProbe>
  }
}

/** The writable side the terminal keeps; tests only ever see the read-only probe. */
export class ProbeRecorder implements TerminalProbe {
  checksum = FNV_OFFSET
  bytesWritten = 0
  snapshots = 0
  lastWriteAt = 0

  constructor(
    readonly text: () => string,
    private readonly size: () => { cols: number; rows: number },
  ) {}

  get cols(): number {
    return this.size().cols
  }

  get rows(): number {
    return this.size().rows
  }

  snapshot(): void {
    this.snapshots++
    this.checksum = FNV_OFFSET
    this.bytesWritten = 0
  }

  data(data: string): void {
    this.checksum = fnv1a(data, this.checksum)
    this.bytesWritten += data.length
    this.lastWriteAt = performance.now()
  }
}

export function automated(): boolean {
  return typeof navigator !== 'undefined' && navigator.webdriver === true
}

/** Registers a probe for `sessionId`; returns the function that removes it. */
export function publishProbe(sessionId: string, probe: TerminalProbe): () => void {
  const map = (window.__botBottleTerminals ??= new Map())
  map.set(sessionId, probe)
  return () => {
    if (map.get(sessionId) === probe) map.delete(sessionId)
  }
}
