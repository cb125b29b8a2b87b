import { BrowserWindow, nativeTheme, type BrowserWindowConstructorOptions } from 'electron'
import { join } from 'node:path'
import { mainWindowOptions } from '../shell/window-options'

/** Creates the dashboard window from the pure, tested options. */
export function createMainWindow(url: string, devTools: boolean): BrowserWindow {
  const options: BrowserWindowConstructorOptions = mainWindowOptions({
    preloadPath: join(__dirname, '..', 'preload', 'index.js'),
    devTools,
    dark: nativeTheme.shouldUseDarkColors,
  })
  const win = new BrowserWindow(options)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(url)
  return win
}
