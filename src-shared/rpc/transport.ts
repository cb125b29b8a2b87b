/**
 * The one interface both transports implement (Electron IPC and WebSocket).
 * Messages are JSON text, so what crosses either transport is byte-identical.
 */
export interface Disposable {
  dispose(): void
}

export interface Transport {
  send(message: string): void
  onMessage(listener: (message: string) => void): Disposable
  onClose(listener: () => void): Disposable
  close(): void
}

/** What the preload exposes on `window.botBottle`: exactly these two functions. */
export interface PreloadBridge {
  send(message: string): void
  onMessage(listener: (message: string) => void): () => void
}

/** The one Electron IPC channel the RPC uses, in both directions. */
export const IPC_CHANNEL = 'bot-bottle:rpc'

/** The name of the preload bridge on `window`. */
export const BRIDGE_NAME = 'botBottle'
