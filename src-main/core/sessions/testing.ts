import { Unicode11Addon } from '@xterm/addon-unicode11'
import { Terminal } from '@xterm/headless'
import type { SessionSnapshot } from '../../../src-shared/contract'
import type { SessionCommandProvider } from './types'

/**
 * Test and benchmark helpers (never used by the app): sessions that run a
 * local bash instead of `smolvm machine exec`, with a prompt tests can wait for.
 */
export const TEST_PROMPT = 'READY> '

export function localShellProvider(env: Record<string, string> = {}): SessionCommandProvider {
  return async () => ({
    file: '/bin/bash',
    args: ['--noprofile', '--norc', '-i'],
    env: { PS1: TEST_PROMPT, HISTFILE: '/dev/null', ...env },
  })
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Replays a snapshot into a fresh headless terminal (built like the pane) and returns its visible lines. */
export async function snapshotScreen(snapshot: SessionSnapshot): Promise<string[]> {
  const term = new Terminal({
    cols: snapshot.cols,
    rows: snapshot.rows,
    scrollback: 10_000,
    allowProposedApi: true,
  })
  // Widths as the renderer's pane measures them.
  term.loadAddon(new Unicode11Addon() as unknown as Parameters<Terminal['loadAddon']>[0])
  term.unicode.activeVersion = '11'
  await new Promise<void>((r) => term.write(snapshot.data, r))
  const buf = term.buffer.active
  const lines: string[] = []
  for (let y = 0; y < term.rows; y++)
    lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '')
  term.dispose()
  return lines
}
