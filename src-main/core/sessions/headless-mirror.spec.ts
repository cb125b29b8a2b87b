import { Unicode11Addon } from '@xterm/addon-unicode11'
import { Terminal } from '@xterm/headless'
import { describe, expect, it } from 'vitest'
import { HeadlessMirror } from './headless-mirror'

/** A terminal built like the renderer's pane (unicode 11 widths), fed `data`. */
async function pane(data: string, cols: number, rows: number): Promise<Terminal> {
  const term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true })
  term.loadAddon(new Unicode11Addon() as unknown as Parameters<Terminal['loadAddon']>[0])
  term.unicode.activeVersion = '11'
  await new Promise<void>((r) => term.write(data, r))
  return term
}

function screen(term: Terminal): { lines: string[]; cursor: [number, number] } {
  const buf = term.buffer.active
  const lines: string[] = []
  for (let y = 0; y < term.rows; y++)
    lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '')
  return { lines, cursor: [buf.cursorX, buf.cursorY] }
}

describe('HeadlessMirror', () => {
  it('measures wide characters as the pane does, so a reattach lands every cell and the cursor where the pane had them', async () => {
    // Emoji are two columns wide in unicode 11 (one in xterm's default table); a
    // program then moves the cursor by columns and overwrites.
    const data = '😀😀😀😀😀X\r\na😀b⏺c\x1b[3DZ\x1b[1;3Hy'
    const mirror = new HeadlessMirror(10, 4)
    try {
      mirror.write(data)
      const snapshot = await new Promise<ReturnType<HeadlessMirror['serialize']>>((r) =>
        mirror.whenCaughtUp(() => r(mirror.serialize())),
      )
      const truth = screen(await pane(data, 10, 4))
      expect(truth.lines.slice(0, 3)).toEqual(['😀y 😀😀😀', 'X', 'a😀Z⏺c'])
      expect(screen(await pane(snapshot.data, snapshot.cols, snapshot.rows))).toEqual(truth)
    } finally {
      mirror.dispose()
    }
  })
})
