import { readFile } from 'node:fs/promises'
import { Settings, SettingsPatch } from '../../../src-shared/contract'
import { RpcError, invalidParams } from '../../../src-shared/rpc/errors'
import { writeFileAtomic } from '../base/atomic-write'
import { Emitter, type Event } from '../base/lifecycle'

export const DEFAULT_SETTINGS: Settings = {
  smolvmPath: null,
  dockerPath: null,
  bundleImage: null,
  notifications: true,
  theme: 'system',
  startAtLogin: false,
  recentProjects: [],
}

/** settings.json: read once, validated, written atomically on change. */
export class SettingsStore {
  private current: Settings = DEFAULT_SETTINGS
  private readonly changed = new Emitter<Settings>()
  readonly onDidChange: Event<Settings> = this.changed.event

  constructor(private readonly path: string) {}

  /** Loads the file; a missing file gives defaults, a broken one is an error naming it. */
  async load(): Promise<Settings> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (this.current = DEFAULT_SETTINGS)
      throw e
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      throw new RpcError('INVALID_PARAMS', `${this.path}: not valid JSON`)
    }
    const parsed = Settings.partial().safeParse(raw)
    if (!parsed.success) throw invalidParams(`settings in ${this.path}`, parsed.error)
    this.current = { ...DEFAULT_SETTINGS, ...stripUndefined(parsed.data) }
    return this.current
  }

  get(): Settings {
    return this.current
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const checked = SettingsPatch.safeParse(patch)
    if (!checked.success) throw invalidParams('settings', checked.error)
    const next = Settings.parse({ ...this.current, ...stripUndefined(checked.data) })
    await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n')
    this.current = next
    this.changed.fire(next)
    return next
  }

  /** Puts a project folder first in the recent list. */
  async touchRecentProject(dir: string): Promise<void> {
    const recent = [dir, ...this.current.recentProjects.filter((d) => d !== dir)].slice(0, 10)
    await this.update({ recentProjects: recent })
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
