import { join } from 'node:path'

/** The app's identity: electron-builder's appId, Windows' AppUserModelID (notifications). */
export const APP_ID = 'dev.botbottle.BotBottle'

/**
 * The Linux executable's name (electron-builder.yml linux.executableName),
 * which is also the name the deb installs its icons under (hicolor theme).
 */
export const LINUX_EXECUTABLE_NAME = 'bot-bottle-desktop'

/**
 * The top-level resources/ folder (icons, the bundle's sources). Packaged, it
 * is unpacked from the asar (asarUnpack) so that child processes such as
 * `docker build` can read it: app.asar.unpacked/resources.
 */
export function resourcesDir(o: { isPackaged: boolean; appPath: string }): string {
  const root = o.isPackaged ? o.appPath.replace(/app\.asar$/, 'app.asar.unpacked') : o.appPath
  return join(root, 'resources')
}
