import {
  Menu,
  Tray,
  nativeImage,
  nativeTheme,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron'
import { join } from 'node:path'
import type { Disposable } from '../core/base/lifecycle'
import type { MenuEntry, TrayAction } from '../shell/tray-menu'
import {
  BUSY_FRAME_MS,
  BUSY_FRAMES,
  trayIconFile,
  type IconPlatform,
  type TrayStatus,
} from '../shell/tray-status'

export interface TrayView {
  menu: MenuEntry[]
  status: TrayStatus
  tooltip: string
  /** macOS: text beside the icon. */
  title: string
}

/** The menu model as Electron's template; every click becomes a TrayAction. */
export function toMenuTemplate(
  entries: readonly MenuEntry[],
  onAction: (a: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return entries.map((e): MenuItemConstructorOptions => {
    switch (e.kind) {
      case 'action':
        return { label: e.label, click: () => onAction(e.action) }
      case 'checkbox':
        return {
          type: 'checkbox',
          label: e.label,
          checked: e.checked,
          click: () => onAction(e.action),
        }
      case 'label':
        return { label: e.label, enabled: false }
      case 'submenu':
        return { label: e.label, submenu: toMenuTemplate(e.entries, onAction) }
      case 'separator':
        return { type: 'separator' }
    }
  })
}

/**
 * The tray icon: renders a TrayView (from the pure tray-menu / tray-status
 * modules) and animates the busy icon. The menu is rebuilt only when the
 * model changed, so a menu the user has open is not replaced under them.
 */
export class TrayController implements Disposable {
  private readonly tray: Tray
  private readonly images = new Map<string, NativeImage>()
  private readonly platform: IconPlatform
  private lastMenu = ''
  private status: TrayStatus = 'idle'
  private frame = 0
  private animation: ReturnType<typeof setInterval> | undefined
  private readonly onTheme = (): void => this.showIcon()

  constructor(
    private readonly o: {
      resourcesDir: string
      onAction(action: TrayAction): void
      /** The menu is about to open: a chance to refresh what it shows next time. */
      onMenuWillShow(): void
      onClick(): void
    },
  ) {
    this.platform =
      process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux'
    this.tray = new Tray(
      this.image(trayIconFile('idle', 0, this.platform, nativeTheme.shouldUseDarkColors)),
    )
    this.tray.on('click', () => o.onClick())
    nativeTheme.on('updated', this.onTheme)
  }

  render(view: TrayView): void {
    this.tray.setToolTip(view.tooltip)
    if (this.platform === 'darwin') this.tray.setTitle(view.title)
    const key = JSON.stringify(view.menu)
    if (key !== this.lastMenu) {
      this.lastMenu = key
      const menu = Menu.buildFromTemplate(toMenuTemplate(view.menu, this.o.onAction))
      menu.on('menu-will-show', () => this.o.onMenuWillShow())
      // Linux needs the menu set again after any change (and a menu at all to show the icon).
      this.tray.setContextMenu(menu)
    }
    if (view.status !== this.status) {
      this.status = view.status
      this.frame = 0
      this.animate()
      this.showIcon()
    }
  }

  /** The image file now shown (test hook). */
  iconFile(): string {
    return trayIconFile(this.status, this.frame, this.platform, nativeTheme.shouldUseDarkColors)
  }

  dispose(): void {
    clearInterval(this.animation)
    nativeTheme.removeListener('updated', this.onTheme)
    this.tray.destroy()
  }

  private animate(): void {
    clearInterval(this.animation)
    this.animation = undefined
    if (this.status !== 'busy') return
    this.animation = setInterval(() => {
      this.frame = (this.frame + 1) % BUSY_FRAMES
      this.showIcon()
    }, BUSY_FRAME_MS)
  }

  private showIcon(): void {
    this.tray.setImage(this.image(this.iconFile()))
  }

  /** Loads an icon once; createFromPath picks up the @2x file beside it. */
  private image(file: string): NativeImage {
    let img = this.images.get(file)
    if (!img) {
      img = nativeImage.createFromPath(join(this.o.resourcesDir, file))
      if (this.platform === 'darwin') img.setTemplateImage(true)
      this.images.set(file, img)
    }
    return img
  }
}
