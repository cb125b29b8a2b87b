/**
 * Flow control between a pty and everything that consumes its output, after
 * VS Code's terminal (`FlowControlConstants`, terminalProcess.ts). Characters
 * are counted as JS string length (UTF-16 code units) on both ends.
 */
export const FlowControlConstants = {
  /**
   * Pause the pty when any consumer has this many characters unacknowledged.
   * xterm.js turns sluggish with more than ~500 kB queued; 100k keeps Ctrl-C
   * responsive during a flood while leaving room for full throughput.
   */
  HighWatermarkChars: 100_000,
  /** Resume the pty once every consumer is below this many. */
  LowWatermarkChars: 5_000,
  /**
   * The renderer acknowledges in units of this size. Must be ≤ LowWatermarkChars,
   * otherwise the remainder a renderer holds back could keep the pty paused forever.
   */
  CharCountAckSize: 5_000,
} as const

/** What the controller pauses: the pty. */
export interface Pausable {
  pause(): void
  resume(): void
}

/** One consumer (a viewer, or the headless mirror) with its own unacknowledged count. */
export interface FlowConsumer {
  readonly unacked: number
}

class Consumer implements FlowConsumer {
  unacked = 0
}

export interface FlowStats {
  paused: boolean
  pauses: number
  resumes: number
}

/**
 * Pauses the source when any consumer is above the high watermark, resumes it
 * when all are below the low one. A consumer that leaves no longer holds the
 * source back; a new one starts at zero.
 */
export class FlowController {
  private readonly consumers = new Set<Consumer>()
  private paused = false
  private released = false
  private pauses = 0
  private resumes = 0

  constructor(
    private readonly source: Pausable,
    private readonly high: number = FlowControlConstants.HighWatermarkChars,
    private readonly low: number = FlowControlConstants.LowWatermarkChars,
  ) {
    if (low > high) throw new Error('low watermark above high watermark')
  }

  get stats(): FlowStats {
    return { paused: this.paused, pauses: this.pauses, resumes: this.resumes }
  }

  /** The largest unacknowledged count over all consumers. */
  get maxUnacked(): number {
    let max = 0
    for (const c of this.consumers) max = Math.max(max, c.unacked)
    return max
  }

  add(): FlowConsumer {
    const c = new Consumer()
    this.consumers.add(c)
    return c
  }

  remove(consumer: FlowConsumer): void {
    if (this.consumers.delete(consumer as Consumer)) this.maybeResume()
  }

  /** `chars` were handed to the consumer. */
  sent(consumer: FlowConsumer, chars: number): void {
    const c = consumer as Consumer
    if (!this.consumers.has(c)) return
    c.unacked += chars
    if (!this.paused && !this.released && c.unacked > this.high) {
      this.paused = true
      this.pauses++
      this.source.pause()
    }
  }

  /** The consumer has processed `chars`. Never goes below zero (heals from miscounts). */
  ack(consumer: FlowConsumer, chars: number): void {
    const c = consumer as Consumer
    if (!this.consumers.has(c)) return
    c.unacked = Math.max(c.unacked - chars, 0)
    this.maybeResume()
  }

  /** Resumes for good (the process is exiting: drain whatever is left). */
  release(): void {
    this.released = true
    this.resumeNow()
  }

  private maybeResume(): void {
    if (!this.paused) return
    for (const c of this.consumers) if (c.unacked >= this.low) return
    this.resumeNow()
  }

  private resumeNow(): void {
    if (!this.paused) return
    this.paused = false
    this.resumes++
    this.source.resume()
  }
}
