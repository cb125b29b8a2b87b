import { EventEmitter } from 'node:events'

/**
 * A hand-written fake of the few Electron objects the adapters touch, for
 * adapter tests (`vi.mock('electron', () => import('./fake-electron'))`).
 * Each fake records what was done to it; `fake` gives tests the handles and
 * `resetFake()` starts a test from scratch. Never used by the app.
 */
type Handler = (...args: never[]) => unknown

export class FakeEmitter extends EventEmitter {
  /** Calls the listeners registered for `event` as Electron would. */
  fire(event: string, ...args: unknown[]): void {
    this.emit(event, ...args)
  }
}

export class FakeSession extends FakeEmitter {
  permissionRequest: Handler | null = null
  permissionCheck: Handler | null = null
  devicePermission: Handler | null = null
  setPermissionRequestHandler(h: Handler): void {
    this.permissionRequest = h
  }
  setPermissionCheckHandler(h: Handler): void {
    this.permissionCheck = h
  }
  setDevicePermissionHandler(h: Handler): void {
    this.devicePermission = h
  }
}

export class FakeWebContents extends FakeEmitter {
  private static next = 1
  readonly id = FakeWebContents.next++
  url = ''
  loading = false
  destroyed = false
  /** What was sent to the renderer: [channel, message]. */
  readonly sent: [string, unknown][] = []
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h
  }
  getURL(): string {
    return this.url
  }
  isLoading(): boolean {
    return this.loading
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  send(channel: string, message: unknown): void {
    this.sent.push([channel, message])
  }
}

/** An event object as Electron passes to will-navigate and friends. */
export function fakeEvent<T extends object>(
  fields: T,
): T & { defaultPrevented: boolean; preventDefault(): void } {
  const e = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true
    },
  }
  return e
}

export class BrowserWindow extends FakeEmitter {
  readonly webContents = new FakeWebContents()
  visible = false
  destroyed = false
  shown = 0
  focused = 0
  constructor(readonly options: Record<string, unknown>) {
    super()
    fake.windows.push(this)
  }
  loadURL(url: string): Promise<void> {
    this.webContents.url = url
    fake.loads.push(url)
    return Promise.resolve()
  }
  show(): void {
    this.visible = true
    this.shown++
  }
  hide(): void {
    this.visible = false
  }
  focus(): void {
    this.focused++
  }
  isVisible(): boolean {
    return this.visible
  }
  isMinimized(): boolean {
    return false
  }
  restore(): void {}
  isDestroyed(): boolean {
    return this.destroyed
  }
  /** What clicking the close button does: `close` (cancellable), then `closed`. */
  close(): void {
    const e = fakeEvent({})
    this.emit('close', e)
    if (e.defaultPrevented) return
    this.destroyed = true
    this.emit('closed')
  }
}

export interface FakeImage {
  path: string
  template: boolean
  setTemplateImage(v: boolean): void
}

export const nativeImage = {
  createFromPath(path: string): FakeImage {
    return {
      path,
      template: false,
      setTemplateImage(v: boolean) {
        this.template = v
      },
    }
  },
}

export class FakeMenu extends FakeEmitter {
  constructor(readonly template: MenuItem[]) {
    super()
  }
}
export interface MenuItem {
  label?: string
  type?: string
  enabled?: boolean
  checked?: boolean
  click?: () => void
  submenu?: MenuItem[]
}

export const Menu = {
  buildFromTemplate(template: MenuItem[]): FakeMenu {
    fake.menusBuilt++
    return new FakeMenu(template)
  },
}

export class Tray extends FakeEmitter {
  image: FakeImage
  images: string[] = []
  tooltip = ''
  title = ''
  menu: FakeMenu | null = null
  destroyed = false
  constructor(image: FakeImage) {
    super()
    this.image = image
    fake.trays.push(this)
  }
  setImage(image: FakeImage): void {
    this.image = image
    this.images.push(image.path)
  }
  setToolTip(t: string): void {
    this.tooltip = t
  }
  setTitle(t: string): void {
    this.title = t
  }
  setContextMenu(m: FakeMenu): void {
    this.menu = m
  }
  destroy(): void {
    this.destroyed = true
  }
}

export class Notification extends FakeEmitter {
  static supported = true
  static isSupported(): boolean {
    return Notification.supported
  }
  shown = false
  constructor(readonly options: Record<string, unknown>) {
    super()
    fake.notifications.push(this)
  }
  show(): void {
    this.shown = true
  }
}

export const nativeTheme = Object.assign(new FakeEmitter(), { shouldUseDarkColors: false })

export const app = Object.assign(new FakeEmitter(), {
  isPackaged: false,
  whenReady: () => Promise.resolve(),
  getAppPath: () => '/repo',
  getVersion: () => '0.0.0-test',
  focus: () => {},
  setLoginItemSettings: (s: unknown) => fake.loginItems.push(s),
  getLoginItemSettings: () => ({ openAtLogin: false, wasOpenedAtLogin: false }),
  enableSandbox: () => fake.calls.push('enableSandbox'),
  requestSingleInstanceLock: () => {
    fake.calls.push('requestSingleInstanceLock')
    return fake.singleInstance
  },
  setAppUserModelId: (id: string) => fake.calls.push(`setAppUserModelId ${id}`),
  dock: { hide: () => fake.calls.push('dock.hide') },
  quit: () => fake.calls.push('quit'),
  exit: (code: number) => fake.calls.push(`exit ${code}`),
})

export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => fake.schemes.push(...schemes),
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
    fake.calls.push(`protocol.handle ${scheme}`)
    fake.protocolHandler = handler
  },
}

/** Serves every URL with a 200 and records it (app-protocol reads files through it). */
export const net = {
  fetch: (url: string) => {
    fake.fetched.push(url)
    return Promise.resolve(
      new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    )
  },
}

export const ipcMain = new FakeEmitter()

export const session = { defaultSession: new FakeSession() }

export const shell = {
  openExternal: (url: string) => {
    fake.opened.push(url)
    return Promise.resolve()
  },
}

export const dialog = {
  showErrorBox: (title: string, content: string) => fake.messageBoxes.push(`${title}: ${content}`),
  /** Answers with the button whose label is next in `fake.buttonAnswers` (else the cancel button). */
  showMessageBox: (o: { message: string; buttons?: string[]; cancelId?: number }) => {
    fake.messageBoxes.push(o.message)
    const wanted = fake.buttonAnswers.shift()
    const i = wanted === undefined ? -1 : (o.buttons ?? []).indexOf(wanted)
    return Promise.resolve({ response: i >= 0 ? i : (o.cancelId ?? 0), checkboxChecked: false })
  },
  showOpenDialog: () =>
    Promise.resolve({
      canceled: fake.folder === null,
      filePaths: fake.folder ? [fake.folder] : [],
    }),
}

/** What the fakes recorded; reset by resetFake(). */
export const fake = {
  windows: [] as BrowserWindow[],
  loads: [] as string[],
  trays: [] as Tray[],
  menusBuilt: 0,
  notifications: [] as Notification[],
  opened: [] as string[],
  loginItems: [] as unknown[],
  messageBoxes: [] as string[],
  buttonAnswers: [] as string[],
  folder: null as string | null,
  /** Lifecycle calls made on app and protocol, in order. */
  calls: [] as string[],
  schemes: [] as unknown[],
  singleInstance: true,
  protocolHandler: null as ((request: Request) => Promise<Response>) | null,
  fetched: [] as string[],
}

export function resetFake(): void {
  fake.windows = []
  fake.loads = []
  fake.trays = []
  fake.menusBuilt = 0
  fake.notifications = []
  fake.opened = []
  fake.loginItems = []
  fake.messageBoxes = []
  fake.buttonAnswers = []
  fake.folder = null
  fake.calls = []
  fake.schemes = []
  fake.singleInstance = true
  fake.protocolHandler = null
  fake.fetched = []
  ipcMain.removeAllListeners()
  Notification.supported = true
  nativeTheme.shouldUseDarkColors = false
  app.removeAllListeners()
  nativeTheme.removeAllListeners()
  session.defaultSession = new FakeSession()
}
