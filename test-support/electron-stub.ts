/**
 * Stands in for the `electron` module in unit tests (vitest aliases it), so
 * nothing under test ever loads the real package or needs its binary. Tests
 * that exercise an adapter replace what they need with vi.mock.
 */
export const app = {
  isPackaged: false,
  getName: () => 'Bot Bottle',
  getVersion: () => '0.0.0-test',
}
export const ipcMain = {}
export const ipcRenderer = {}
export const contextBridge = {}
export const BrowserWindow = class {}
export const Tray = class {}
export const Menu = { buildFromTemplate: () => ({}) }
export const Notification = class {
  static isSupported(): boolean {
    return false
  }
}
export const nativeImage = { createFromPath: () => ({}), createEmpty: () => ({}) }
export const shell = {}
export const dialog = {}
export const session = {}
export const protocol = {}
export const net = {}
export const nativeTheme = { shouldUseDarkColors: false }
export default {
  app,
  ipcMain,
  ipcRenderer,
  contextBridge,
  BrowserWindow,
  Tray,
  Menu,
  Notification,
  nativeImage,
  shell,
  dialog,
  session,
  protocol,
  net,
  nativeTheme,
}
