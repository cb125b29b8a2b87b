/**
 * Coalesces pty output for a few milliseconds before it crosses a transport:
 * a pty read is often 1–4 KiB, and one message per read costs more than the
 * data (Hyper measured `find ~` at 35 s unbatched vs 15 s batched). The
 * first output after a quiet spell goes at once, so an echo is not delayed.
 * Chunks are only ever concatenated, never cut, so a character (or a
 * surrogate pair) that arrived whole leaves whole.
 */
export const BatchConstants = {
  /** VS Code's TerminalDataBufferer throttle. */
  ThrottleMs: 5,
  /** Flush at once past this size: keeps messages small next to the 100k watermark. */
  MaxBatchChars: 32 * 1024,
} as const

export class DataBatcher {
  private parts: string[] = []
  private size = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastFlush = -Infinity

  constructor(
    private readonly flushTo: (data: string) => void,
    private readonly throttleMs: number = BatchConstants.ThrottleMs,
    private readonly maxChars: number = BatchConstants.MaxBatchChars,
  ) {}

  /** Characters waiting for the next flush. */
  get pendingChars(): number {
    return this.size
  }

  push(data: string): void {
    if (data.length === 0) return
    this.parts.push(data)
    this.size += data.length
    // Leading edge: output after a quiet spell (a keystroke's echo) leaves at
    // once; what follows within the throttle window is coalesced.
    if (this.size >= this.maxChars || performance.now() - this.lastFlush >= this.throttleMs)
      this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.throttleMs)
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.size === 0) return
    this.lastFlush = performance.now()
    const data = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('')
    this.parts = []
    this.size = 0
    this.flushTo(data)
  }

  /** Drops what is pending (the consumers are gone). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.parts = []
    this.size = 0
  }
}
