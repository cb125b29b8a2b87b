import { ipcMain, type IpcMainEvent, type WebContents } from 'electron'
import { IPC_CHANNEL, type Disposable, type Transport } from '../../src-shared/rpc/transport'
import type { Logger } from '../core/base/logger'
import type { RpcServer } from '../rpc/server'
import { isTrustedSender } from '../shell/security-policy'

/**
 * Serves the RPC over one IPC channel. Each WebContents is a connection;
 * it closes when the page navigates (reload) or the contents are destroyed,
 * which disposes its subscriptions. Messages from any frame other than the
 * app window's own top-level frame, at the app's origin, are dropped.
 */
export function serveRpcOverIpc(options: {
  rpc: RpcServer
  appOrigin: () => string
  isOwnWindow: (contents: WebContents) => boolean
  logger: Logger
}): Disposable {
  const connections = new Map<number, { transport: IpcTransport; conn: Disposable }>()

  const onMessage = (event: IpcMainEvent, message: unknown): void => {
    const frame = event.senderFrame
    const trusted = isTrustedSender(
      {
        frameUrl: frame?.url ?? null,
        isTopFrame: !!frame && frame.parent === null,
        isOwnWindow: options.isOwnWindow(event.sender),
      },
      options.appOrigin(),
    )
    if (!trusted) {
      options.logger.warn(`dropped IPC from an untrusted frame (${frame?.url ?? 'unknown'})`)
      return
    }
    if (typeof message !== 'string') return
    const contents = event.sender
    let entry = connections.get(contents.id)
    if (!entry) {
      const transport = new IpcTransport(contents)
      const conn = options.rpc.connect(transport)
      entry = { transport, conn }
      connections.set(contents.id, entry)
      // Not `once`: a same-document navigation (the shell's hash routes)
      // must not use up the listener that a reload needs.
      const onNavigation = (details: { isMainFrame: boolean; isSameDocument: boolean }): void => {
        if (details.isMainFrame && !details.isSameDocument) end()
      }
      const end = (): void => {
        contents.removeListener('did-start-navigation', onNavigation)
        contents.removeListener('destroyed', end)
        connections.delete(contents.id)
        transport.fireClose()
      }
      contents.on('destroyed', end)
      contents.on('did-start-navigation', onNavigation)
    }
    entry.transport.fireMessage(message)
  }

  ipcMain.on(IPC_CHANNEL, onMessage)
  return {
    dispose() {
      ipcMain.removeListener(IPC_CHANNEL, onMessage)
      for (const e of connections.values()) e.transport.fireClose()
      connections.clear()
    },
  }
}

class IpcTransport implements Transport {
  private readonly messageListeners = new Set<(m: string) => void>()
  private readonly closeListeners = new Set<() => void>()
  private closed = false

  constructor(private readonly contents: WebContents) {}

  send(message: string): void {
    if (this.closed || this.contents.isDestroyed()) return
    this.contents.send(IPC_CHANNEL, message)
  }

  onMessage(listener: (m: string) => void): Disposable {
    this.messageListeners.add(listener)
    return { dispose: () => this.messageListeners.delete(listener) }
  }

  onClose(listener: () => void): Disposable {
    this.closeListeners.add(listener)
    return { dispose: () => this.closeListeners.delete(listener) }
  }

  close(): void {
    this.fireClose()
  }

  fireMessage(m: string): void {
    if (!this.closed) for (const l of [...this.messageListeners]) l(m)
  }

  fireClose(): void {
    if (this.closed) return
    this.closed = true
    for (const l of [...this.closeListeners]) l()
  }
}
