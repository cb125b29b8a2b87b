import { Menu, Tray, nativeImage } from 'electron'
import { join } from 'node:path'

export interface TrayActions {
  openDashboard(): void
  quit(): void
}

/** The menu-bar icon with its context menu (always set: Linux needs it). */
export function createTray(resourcesDir: string, actions: TrayActions): Tray {
  const icon = nativeImage.createFromPath(
    join(resourcesDir, process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  )
  if (process.platform === 'darwin') icon.setTemplateImage(true)
  const tray = new Tray(icon)
  tray.setToolTip('Bot Bottle')
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open dashboard', click: () => actions.openDashboard() },
      { type: 'separator' },
      { label: 'Quit Bot Bottle', click: () => actions.quit() },
    ]),
  )
  return tray
}
