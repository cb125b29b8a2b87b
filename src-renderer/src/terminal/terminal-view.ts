import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search'
import { Unicode11Addon } from '@xterm/addon-unicode11'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { WebglAddon } from '@xterm/addon-webgl'
import { Terminal } from '@xterm/xterm'
import { splitSessionInput, type SessionOutputEvent } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import type { Disposable } from '../../../src-shared/rpc/transport'
import { AckBuffer } from './flow-ack'
import { ProbeRecorder, automated, publishProbe } from './e2e-probe'
import { chooseRenderer, type RendererKind } from './renderer-choice'
import { TERMINAL_OPTIONS } from './terminal-options'

const MAX_COLS = 1000
const MAX_ROWS = 500

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

export interface TerminalViewOptions {
  client: RpcClient
  sessionId: string
  host: HTMLElement
  /** The session's screen has arrived (again, after a reconnect). */
  onAttached(): void
  onExit(exit: { exitCode: number | null; signal: number | null }): void
  onError(message: string): void
  /** Ctrl/Cmd+F. */
  onFind(): void
}

/**
 * One xterm bound to one session over the RPC. Output never goes through
 * React: events are written straight into xterm and acknowledged from the
 * write callback, so the backend only sends what the page can draw.
 */
export class TerminalView {
  readonly term: Terminal
  private readonly fitAddon = new FitAddon()
  private readonly search = new SearchAddon()
  private subscription: Disposable | undefined
  private readonly resizeObserver: ResizeObserver
  private readonly disposables: (() => void)[] = []
  private readonly ack: AckBuffer
  private readonly probe: ProbeRecorder | undefined
  private lastSize: { cols: number; rows: number } | undefined
  private ended = false
  private disposed = false
  private fitFrame = 0

  constructor(private readonly options: TerminalViewOptions) {
    const { client, sessionId, host } = options
    this.term = new Terminal({ ...TERMINAL_OPTIONS })
    this.term.loadAddon(this.fitAddon)
    this.term.loadAddon(this.search)
    this.term.loadAddon(new Unicode11Addon())
    this.term.unicode.activeVersion = '11'
    this.term.loadAddon(new WebLinksAddon((event, uri) => this.openLink(event, uri)))
    this.term.attachCustomKeyEventHandler((e) => this.onKey(e))
    this.term.open(host)
    this.setRenderer('dom')
    if (chooseRenderer() === 'webgl') this.loadWebgl()

    this.ack = new AckBuffer((chars) => {
      if (!this.disposed) client.call('sessions.ack', { sessionId, chars }).catch(() => {})
    })
    if (automated()) {
      this.probe = new ProbeRecorder(
        () => this.bufferText(),
        () => ({ cols: this.term.cols, rows: this.term.rows }),
      )
      this.disposables.push(publishProbe(sessionId, this.probe))
    }

    const onData = this.term.onData((data) => this.sendInput(data))
    this.disposables.push(() => onData.dispose())
    this.subscribe()
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit())
    this.resizeObserver.observe(host)
  }

  focus(): void {
    this.term.focus()
  }

  /**
   * Follows the session's output. The backend detaches a viewer that held the
   * pty paused without acknowledging (a background tab): attach again, from
   * the snapshot, as soon as the page is visible.
   */
  private subscribe(): void {
    const { client, sessionId } = this.options
    this.subscription = client.subscribe(
      'sessions.output',
      { sessionId },
      (event) => this.onOutput(event),
      (error) => {
        if (this.disposed || !error) return
        const details = error.details as { reason?: unknown } | undefined
        if (details?.reason !== 'stalled') {
          this.options.onError(error.message)
          return
        }
        const again = (): void => {
          if (this.disposed || document.visibilityState !== 'visible') return
          document.removeEventListener('visibilitychange', again)
          this.subscribe()
        }
        document.addEventListener('visibilitychange', again)
        this.disposables.push(() => document.removeEventListener('visibilitychange', again))
        again()
      },
    )
  }

  /** Moves to the next (or previous) match; `incremental` keeps the current one while typing. */
  find(text: string, how: { backwards: boolean; incremental: boolean }): boolean {
    const opts: ISearchOptions = {
      caseSensitive: false,
      incremental: how.incremental && !how.backwards,
    }
    return how.backwards ? this.search.findPrevious(text, opts) : this.search.findNext(text, opts)
  }

  clearFind(): void {
    this.search.clearDecorations()
    this.term.clearSelection()
  }

  async copySelection(): Promise<void> {
    const text = this.term.getSelection()
    if (text) await navigator.clipboard.writeText(text)
  }

  async paste(): Promise<void> {
    const text = await navigator.clipboard.readText()
    if (text) this.term.paste(text)
  }

  selectAll(): void {
    this.term.selectAll()
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    cancelAnimationFrame(this.fitFrame)
    this.resizeObserver.disconnect()
    this.subscription?.dispose()
    for (const d of this.disposables.splice(0)) d()
    this.term.dispose()
  }

  private onOutput(event: SessionOutputEvent): void {
    if (this.disposed) return
    switch (event.kind) {
      case 'snapshot': {
        // The backend counts this viewer from zero after the snapshot.
        this.ack.reset()
        this.ended = false
        // RIS through the write queue, so nothing written before lands after it.
        this.term.write('\x1bc')
        if (event.cols !== this.term.cols || event.rows !== this.term.rows) {
          this.term.resize(clamp(event.cols, 2, MAX_COLS), clamp(event.rows, 1, MAX_ROWS))
        }
        this.lastSize = { cols: event.cols, rows: event.rows }
        this.term.write(event.data, () => {
          this.probe?.snapshot()
          this.fit()
        })
        this.options.onAttached()
        return
      }
      case 'data': {
        const { data } = event
        // Written after a reattach's snapshot, this belongs to the old stream: not acknowledged.
        const stream = this.ack.stream
        this.term.write(data, () => {
          this.probe?.data(data)
          this.ack.written(data.length, stream)
        })
        return
      }
      case 'exit':
        this.ended = true
        this.options.onExit({ exitCode: event.exitCode, signal: event.signal })
        return
    }
  }

  private sendInput(data: string): void {
    if (this.ended || this.disposed) return
    // A paste larger than one call carries goes in parts, in order.
    for (const part of splitSessionInput(data)) {
      this.options.client
        .call('sessions.input', { sessionId: this.options.sessionId, data: part })
        .catch((e: Error) => {
          if (!this.disposed && !this.ended) this.options.onError(e.message)
        })
    }
  }

  private scheduleFit(): void {
    cancelAnimationFrame(this.fitFrame)
    this.fitFrame = requestAnimationFrame(() => this.fit())
  }

  /** Fits the terminal to its box and tells the pty, only while the pane is visible. */
  private fit(): void {
    if (this.disposed) return
    const box = this.options.host.getBoundingClientRect()
    if (box.width === 0 || box.height === 0) return
    const dims = this.fitAddon.proposeDimensions()
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return
    const cols = clamp(dims.cols, 2, MAX_COLS)
    const rows = clamp(dims.rows, 1, MAX_ROWS)
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows)
    if (this.ended || (this.lastSize?.cols === cols && this.lastSize.rows === rows)) return
    this.lastSize = { cols, rows }
    this.options.client
      .call('sessions.resize', { sessionId: this.options.sessionId, cols, rows })
      .catch(() => {})
  }

  private loadWebgl(): void {
    try {
      const webgl = new WebglAddon()
      // On context loss (GPU reset, too many contexts) xterm falls back to the DOM renderer.
      webgl.onContextLoss(() => {
        webgl.dispose()
        this.setRenderer('dom')
      })
      this.term.loadAddon(webgl)
      this.setRenderer('webgl')
    } catch {
      // No WebGL2 here: the DOM renderer stays.
    }
  }

  /** Shown on the host element (`data-renderer`), for whoever reads a figure measured on this page. */
  private setRenderer(kind: RendererKind): void {
    this.options.host.dataset.renderer = kind
  }

  private onKey(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown') return true
    const mod = IS_MAC ? e.metaKey : e.ctrlKey
    if (!mod || e.altKey) return true
    if (e.shiftKey && e.code === 'KeyC') {
      e.preventDefault()
      void this.copySelection().catch(() => {})
      return false
    }
    if (e.shiftKey && e.code === 'KeyV') {
      void this.paste().catch(() => {})
      e.preventDefault()
      return false
    }
    if (!e.shiftKey && e.code === 'KeyF') {
      e.preventDefault()
      this.options.onFind()
      return false
    }
    return true
  }

  private openLink(event: MouseEvent, uri: string): void {
    event.preventDefault()
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      return
    }
    if (url.protocol !== 'https:') return
    this.options.client.call('app.openExternal', { url: url.toString() }).then(
      ({ opened }) => {
        // Serve mode has no system browser to hand it to: this is the browser.
        if (!opened) window.open(url.toString(), '_blank', 'noopener,noreferrer')
      },
      () => {},
    )
  }

  private bufferText(): string {
    const buf = this.term.buffer.active
    const lines: string[] = []
    for (let y = 0; y < buf.length; y++) lines.push(buf.getLine(y)?.translateToString(true) ?? '')
    return lines.join('\n')
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(Math.floor(n), min), max)
}
