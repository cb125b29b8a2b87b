import { create } from 'zustand'
import type { Settings, SettingsPatch } from '../../../src-shared/contract'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { call, follow } from '../lib/backend'

interface SettingsStore {
  settings: Settings | null
  /** Why the settings feed is not live (refused, or the connection dropped). */
  error: RpcErrorShape | null
}

export const useSettings = create<SettingsStore>(() => ({ settings: null, error: null }))

/** Follows settings.changed (the settings now, then after every change). */
export function startSettingsFeed(): () => void {
  return follow(
    'settings.changed',
    {},
    {
      onEvent: (settings) => useSettings.setState({ settings, error: null }),
      onEnd: (error) =>
        useSettings.setState({
          error: error?.toShape() ?? { code: 'UNAVAILABLE', message: 'settings feed ended' },
        }),
    },
  )
}

/** Changes some settings; the answer (and settings.changed) update the store. Rejects on refusal. */
export async function updateSettings(patch: SettingsPatch): Promise<Settings> {
  const settings = await call('settings.update', patch)
  useSettings.setState({ settings })
  return settings
}
