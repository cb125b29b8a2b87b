import type { ITerminalOptions } from '@xterm/xterm'

/** Same depth as the backend's mirror, so a reattach loses nothing the pane had. */
const SCROLLBACK_LINES = 5000

/** Every terminal pane's xterm options (the terminal bench builds its reference xterm from them too). */
export const TERMINAL_OPTIONS = {
  allowProposedApi: true,
  scrollback: SCROLLBACK_LINES,
  cursorBlink: true,
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, "DejaVu Sans Mono", Consolas, monospace',
  fontSize: 13,
  macOptionIsMeta: true,
  rightClickSelectsWord: true,
} as const satisfies ITerminalOptions
