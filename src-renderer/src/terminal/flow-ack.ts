/**
 * The renderer's side of the session flow control (VS Code's AckDataBufferer):
 * characters xterm has written are acknowledged in whole units, counted as
 * JS string length like the backend does. Keep in step with
 * FlowControlConstants.CharCountAckSize in src-main/core/sessions/flow-control.ts.
 */
export const CHAR_COUNT_ACK_SIZE = 5000

export class AckBuffer {
  private unsent = 0
  private current = 0

  constructor(
    private readonly send: (chars: number) => void,
    private readonly unit: number = CHAR_COUNT_ACK_SIZE,
  ) {}

  /** The stream now followed: take it when output arrives, pass it to `written`. */
  get stream(): number {
    return this.current
  }

  /**
   * `chars` more of `stream` have been written. Every whole unit goes in one
   * message: a 32 KiB batch is one ack, not six round trips. `>=` leaves less
   * than one unit held back, below the backend's low watermark. Output of an
   * earlier stream, written after a reset, counts for nothing.
   */
  written(chars: number, stream: number = this.current): void {
    if (stream !== this.current) return
    this.unsent += chars
    if (this.unsent < this.unit) return
    const units = Math.floor(this.unsent / this.unit)
    this.unsent -= units * this.unit
    this.send(units * this.unit)
  }

  /** A new stream starts (a snapshot): the backend counts from zero again. */
  reset(): void {
    this.unsent = 0
    this.current++
  }
}
