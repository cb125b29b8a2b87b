import { posix, win32 } from 'node:path'

/**
 * The main window's options, as a pure function so every security-relevant
 * value is unit-tested without Electron (the adapter passes this object to
 * BrowserWindow unchanged; its type is checked there against Electron's).
 */
export interface MainWindowOptions {
  width: number
  height: number
  minWidth: number
  minHeight: number
  show: boolean
  title: string
  backgroundColor: string
  autoHideMenuBar: boolean
  /** The window icon where the OS takes it from the window (Linux). */
  icon?: string
  webPreferences: {
    preload: string
    contextIsolation: true
    sandbox: true
    nodeIntegration: false
    nodeIntegrationInWorker: false
    nodeIntegrationInSubFrames: false
    webviewTag: false
    webSecurity: true
    allowRunningInsecureContent: false
    experimentalFeatures: false
    navigateOnDragDrop: false
    spellcheck: false
    /**
     * A dashboard hidden to the tray keeps acknowledging terminal output at full
     * speed; throttled timers would hold unacked data above the flow-control
     * high watermark and pause the agent's pty for every viewer.
     */
    backgroundThrottling: false
    devTools: boolean
  }
}

export function mainWindowOptions(input: {
  /** Whose path rules preloadPath follows (C:\… on Windows). */
  platform: NodeJS.Platform
  preloadPath: string
  devTools: boolean
  dark: boolean
  icon?: string
}): MainWindowOptions {
  const path = input.platform === 'win32' ? win32 : posix
  if (!path.isAbsolute(input.preloadPath)) throw new Error('preloadPath must be absolute')
  return {
    width: 1200,
    height: 800,
    minWidth: 380,
    minHeight: 480,
    show: false,
    title: 'Bot Bottle',
    backgroundColor: input.dark ? '#16181d' : '#ffffff',
    autoHideMenuBar: true,
    ...(input.icon ? { icon: input.icon } : {}),
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      backgroundThrottling: false,
      devTools: input.devTools,
    },
  }
}
