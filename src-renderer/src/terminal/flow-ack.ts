/**
 * The renderer's side of the session flow control (VS Code's AckDataBufferer):
 * characters xterm has written are acknowledged in fixed units, counted as
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

  /** `chars` more have been written. `>=` leaves less than one unit held back, below the backend's low watermark. */
  written(chars: number): void {
    this.unsent += chars
    while (this.unsent >= this.unit) {
      this.unsent -= this.unit
      this.send(this.unit)
    }
  }

  /** A new stream starts (a snapshot): the backend counts from zero again. */
  reset(): void {
    this.unsent = 0
  }
}
