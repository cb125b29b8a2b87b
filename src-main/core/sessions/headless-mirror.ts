import { SerializeAddon } from '@xterm/addon-serialize'
import { Unicode11Addon } from '@xterm/addon-unicode11'
import { Terminal } from '@xterm/headless'
import type { SessionSnapshot } from '../../../src-shared/contract'

/** Scrollback kept per session, for reattach and for ended sessions. */
export const MIRROR_SCROLLBACK_LINES = 5000

/**
 * A headless xterm fed with everything a session prints, so any viewer can
 * start from the screen as it is (VS Code's XtermSerializer in ptyService.ts).
 * xterm parses asynchronously: `written` tells when a chunk has been applied,
 * which is what the session's flow control counts.
 */
export class HeadlessMirror {
  private readonly term: Terminal
  private readonly serializer = new SerializeAddon()

  constructor(cols: number, rows: number, scrollback: number = MIRROR_SCROLLBACK_LINES) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true })
    // The addon is typed against @xterm/xterm; the headless Terminal has the
    // same buffer API it uses.
    this.term.loadAddon(this.serializer as unknown as Parameters<Terminal['loadAddon']>[0])
    // The same character widths as the renderer's xterm (terminal-view.ts): with
    // another table, emoji and other wide characters would land the snapshot's
    // cursor and wrapping elsewhere than the pane drew them.
    this.term.loadAddon(new Unicode11Addon() as unknown as Parameters<Terminal['loadAddon']>[0])
    this.term.unicode.activeVersion = '11'
  }

  get cols(): number {
    return this.term.cols
  }

  get rows(): number {
    return this.term.rows
  }

  write(data: string, written?: () => void): void {
    this.term.write(data, written)
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows)
  }

  /**
   * Calls `fn` once everything written so far has been applied and nothing
   * written later has: the one moment the serialized screen matches an exact
   * position in the output stream.
   */
  whenCaughtUp(fn: () => void): void {
    this.term.write('', fn)
  }

  /** The screen and scrollback as escape sequences that rebuild them. Call from `whenCaughtUp`. */
  serialize(): SessionSnapshot {
    return {
      data: this.serializer.serialize({ scrollback: MIRROR_SCROLLBACK_LINES }),
      cols: this.term.cols,
      rows: this.term.rows,
    }
  }

  dispose(): void {
    this.serializer.dispose()
    this.term.dispose()
  }
}
