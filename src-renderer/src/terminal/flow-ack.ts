/**
 * The renderer's side of the session flow control (VS Code's AckDataBufferer):
 * characters xterm has written are acknowledged in whole units, counted as
 * JS string length like the backend does. Keep in step with
 * FlowControlConstants.CharCountAckSize in src-main/core/sessions/flow-control.ts.
 */
export const CHAR_COUNT_ACK_SIZE = 5000

export class AckBuffer {
  private unsent = 0

  constructor(
    private readonly send: (chars: number) => void,
    private readonly unit: number = CHAR_COUNT_ACK_SIZE,
  ) {}

  /**
   * `chars` more have been written. Every whole unit goes in one message: a
   * 32 KiB batch is one ack, not six round trips. `>=` leaves less than one
   * unit held back, below the backend's low watermark.
   */
  written(chars: number): void {
    this.unsent += chars
    if (this.unsent < this.unit) return
    const units = Math.floor(this.unsent / this.unit)
    this.unsent -= units * this.unit
    this.send(units * this.unit)
  }

  /** A new stream starts (a snapshot): the backend counts from zero again. */
  reset(): void {
    this.unsent = 0
  }
}
