import { execa } from 'execa'
import { StringDecoder } from 'node:string_decoder'
import { splitSessionInput } from '../../src-shared/contract'
import type { RpcClient } from '../../src-shared/rpc/client'
import { DisposableStore, toDisposable } from '../core/base/lifecycle'
import { FlowControlConstants } from '../core/sessions/flow-control'

/** Ctrl-]: leaves the session running (telnet's escape key; tmux has a prefix instead). */
export const DETACH_KEY = '\x1d'

const STTY_TIMEOUT_MS = 5000

/**
 * Modes a session may have switched on in this terminal (serialized into the
 * snapshot, or printed since) that must not outlive it: SGR, cursor keys and
 * keypad, bracketed paste, insert, origin, reverse wrap, mouse and focus
 * reporting; and the cursor shown.
 */
const RESET_MODES =
  '\x1b[0m\x1b[?1l\x1b>\x1b[?66l\x1b[?2004l\x1b[4l\x1b[?6l\x1b[?45l' +
  '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?25h'

/** Alternate screen on/off (1049, and the older 1047 and 47). */
// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ALT_SCREEN = /\x1b\[\?(?:1049|1047|47)([hl])/g
const ALT_SCREEN_MAX_LEN = '\x1b[?1049h'.length

export type TerminalOutcome =
  | { kind: 'exit'; exitCode: number | null; signal: number | null }
  | { kind: 'detached' }
  | { kind: 'lost'; reason: string }

export interface SessionTerminalOptions {
  client: RpcClient
  sessionId: string
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  /** Resolves on SIGINT/SIGTERM to this process: detach. */
  interrupted: Promise<void>
}

/** The terminal's size, within what the contract accepts. */
export function terminalSize(stdout: NodeJS.WriteStream): { cols: number; rows: number } {
  const clamp = (v: number | undefined, fallback: number, min: number, max: number): number =>
    Math.min(Math.max(Number.isInteger(v) && v ? v : fallback, min), max)
  return { cols: clamp(stdout.columns, 80, 2, 1000), rows: clamp(stdout.rows, 24, 1, 500) }
}

/**
 * This terminal as one more viewer of a backend's session, like `tmux attach`:
 * raw keys go to the session, its screen (the snapshot, then its output) comes
 * here, acknowledged as written so the session's flow control paces it, and
 * size changes follow. Ends on the session's exit, the detach key, a signal,
 * or a lost connection; the terminal is restored on every one of them. A
 * terminal that stopped taking output long enough to be detached (this
 * process suspended, a pipe nobody reads) follows again from the snapshot
 * once its output has drained.
 */
export async function linkTerminal(o: SessionTerminalOptions): Promise<TerminalOutcome> {
  const { client, sessionId, stdin, stdout } = o
  const store = new DisposableStore()
  stdin.setRawMode(true)
  // setRawMode(false) puts back the terminal as libuv found it, -opost included.
  store.add(
    toDisposable(() => {
      stdin.setRawMode(false)
      stdin.pause()
    }),
  )
  await rawOutput(stdin)
  const altScreen = new AltScreenTracker()
  let unacked = 0
  /** Which subscription's output `unacked` counts: a follow-up starts from zero. */
  let stream = 0
  let settle: (outcome: TerminalOutcome) => void = () => {}
  const outcome = new Promise<TerminalOutcome>((resolve) => (settle = resolve))

  const finish = (result: TerminalOutcome): void => {
    if (store.isDisposed) return
    store.dispose()
    let restore = RESET_MODES
    if (altScreen.active) restore += '\x1b[?1049l'
    // Detached mid-screen: continue below everything the session drew.
    else if (result.kind === 'detached') restore += '\x1b[999;1H\r\n'
    stdout.write(restore)
    settle(result)
  }

  // Whole units only, all of them in one message; what is held back stays
  // below the session's low watermark.
  const written = (chars: number, of: number): void => {
    if (of !== stream || store.isDisposed) return
    unacked += chars
    const unit = FlowControlConstants.CharCountAckSize
    if (unacked < unit) return
    const acked = Math.floor(unacked / unit) * unit
    unacked -= acked
    client.call('sessions.ack', { sessionId, chars: acked }).catch(() => {})
  }

  const send = (data: string): void => {
    for (const part of splitSessionInput(data)) {
      // A refusal (the session just ended) is followed by its exit event.
      client.call('sessions.input', { sessionId, data: part }).catch(() => {})
    }
  }

  const decoder = new StringDecoder('utf8')
  const onInput = (chunk: Buffer | string): void => {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk)
    const at = text.indexOf(DETACH_KEY)
    if (at < 0) return send(text)
    send(text.slice(0, at))
    finish({ kind: 'detached' })
  }
  stdin.on('data', onInput)
  store.add(toDisposable(() => stdin.off('data', onInput)))
  stdin.resume()

  const onResize = (): void => {
    client.call('sessions.resize', { sessionId, ...terminalSize(stdout) }).catch(() => {})
  }
  stdout.on('resize', onResize)
  store.add(toDisposable(() => stdout.off('resize', onResize)))

  const follow = (): void => {
    const of = ++stream
    unacked = 0
    const subscription = client.subscribe(
      'sessions.output',
      { sessionId },
      (event) => {
        switch (event.kind) {
          case 'snapshot': {
            // Following again: leave what the last screen switched on first.
            const leave = of > 1 ? RESET_MODES + (altScreen.active ? '\x1b[?1049l' : '') : ''
            altScreen.see(leave)
            // Scroll what the terminal shows into its scrollback, then draw
            // the session's screen from the top, where its cursor moves assume.
            stdout.write(leave + '\n'.repeat(terminalSize(stdout).rows) + '\x1b[H' + event.data)
            altScreen.see(event.data)
            return
          }
          case 'data':
            altScreen.see(event.data)
            stdout.write(event.data, () => written(event.data.length, of))
            return
          case 'exit':
            finish({ kind: 'exit', exitCode: event.exitCode, signal: event.signal })
            return
        }
      },
      (error) => {
        if ((error?.details as { reason?: unknown } | undefined)?.reason !== 'stalled')
          return finish({ kind: 'lost', reason: error?.message ?? 'the session was closed' })
        store.delete(subscription)
        if (!stdout.writableNeedDrain) return follow()
        const again = (): void => {
          store.delete(waiting)
          if (!store.isDisposed) follow()
        }
        const waiting = store.add(toDisposable(() => stdout.off('drain', again)))
        stdout.once('drain', again)
      },
    )
    store.add(subscription)
  }
  follow()
  store.add(client.onDidClose(() => finish({ kind: 'lost', reason: 'the backend went away' })))
  void o.interrupted.then(() => finish({ kind: 'detached' }))
  return outcome
}

/**
 * Output unprocessed, as tmux's cfmakeraw has it: libuv's raw mode leaves
 * OPOST on, whose ONLCR would turn a bare LF from the session (cursor down,
 * column kept) into CR LF. A terminal without `stty` keeps ONLCR: most
 * sessions send CR LF anyway.
 */
async function rawOutput(stdin: NodeJS.ReadStream): Promise<void> {
  // Only a stream over a file descriptor is a terminal stty can set.
  if (typeof (stdin as { fd?: unknown }).fd !== 'number') return
  await execa('stty', ['-opost'], { stdin, timeout: STTY_TIMEOUT_MS, reject: false })
}

/** Whether the session has the terminal on its alternate screen, from what it printed. */
export class AltScreenTracker {
  active = false
  private tail = ''

  see(data: string): void {
    // A sequence may be split across two chunks: look at the end of the last
    // one again (seeing a sequence twice changes nothing).
    const text = this.tail + data
    for (const m of text.matchAll(ALT_SCREEN)) this.active = m[1] === 'h'
    this.tail = text.slice(-(ALT_SCREEN_MAX_LEN - 1))
  }
}
