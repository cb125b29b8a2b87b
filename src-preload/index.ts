// The whole preload: exactly `send` and `onMessage` on window.botBottle, one
// channel, strings only. Never ipcRenderer itself, never the event object
// (Electron security checklist item 20).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { BRIDGE_NAME, IPC_CHANNEL, type PreloadBridge } from '../src-shared/rpc/transport'

const bridge: PreloadBridge = {
  send(message: string): void {
    if (typeof message !== 'string') throw new TypeError('botBottle.send expects a string')
    ipcRenderer.send(IPC_CHANNEL, message)
  },
  onMessage(listener: (message: string) => void): () => void {
    if (typeof listener !== 'function')
      throw new TypeError('botBottle.onMessage expects a function')
    const handler = (_event: IpcRendererEvent, message: unknown): void => {
      if (typeof message === 'string') listener(message)
    }
    ipcRenderer.on(IPC_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(IPC_CHANNEL, handler)
    }
  },
}

contextBridge.exposeInMainWorld(BRIDGE_NAME, bridge)
