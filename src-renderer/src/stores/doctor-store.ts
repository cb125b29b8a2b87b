import { create } from 'zustand'
import type { PreflightReport, Settings } from '../../../src-shared/contract'
import { call } from '../lib/backend'
import { toErrorShape } from '../lib/errors'
import { idle, type Loadable } from './loadable'
import { useSettings } from './settings-store'

interface DoctorStore extends Loadable<PreflightReport> {
  /** The smolvm and docker paths of the latest run (null: asked before the settings were known). */
  ranWith: string | null
}

export const useDoctor = create<DoctorStore>(() => ({ ...idle<PreflightReport>(), ranWith: null }))

/** What the checks depend on in the settings (the smolvm and docker paths); null while unknown. */
export function checkedPaths(settings: Settings | null): string | null {
  return settings && JSON.stringify([settings.smolvmPath, settings.dockerPath])
}

let latest = 0

/**
 * Runs every preflight check (smolvm, docker, platform, KVM). Only the latest
 * run's answer is kept; a report made with other paths is not shown meanwhile.
 */
export async function runDoctor(): Promise<PreflightReport | null> {
  const mine = ++latest
  const ranWith = checkedPaths(useSettings.getState().settings)
  const before = useDoctor.getState().ranWith
  const outdated = before !== null && ranWith !== null && before !== ranWith
  useDoctor.setState({ status: 'loading', error: null, ranWith, ...(outdated && { data: null }) })
  try {
    // Probing binaries can take a while on a cold machine.
    const data = await call('preflight.run', {}, { timeoutMs: 60_000 })
    if (mine === latest) useDoctor.setState({ status: 'ready', data, error: null })
    return data
  } catch (e) {
    if (mine === latest) useDoctor.setState({ status: 'error', error: toErrorShape(e) })
    return null
  }
}

/**
 * Runs the checks unless the report shown still speaks for the settings: on
 * first view, and whenever the smolvm or docker path changed since the last run.
 */
export function refreshDoctor(): void {
  const { status, ranWith } = useDoctor.getState()
  const paths = checkedPaths(useSettings.getState().settings)
  if (status === 'idle') {
    void runDoctor()
  } else if (paths !== null && ranWith === null) {
    // The first run started before the settings arrived, so with the ones that just did.
    useDoctor.setState({ ranWith: paths })
  } else if (paths !== null && ranWith !== paths) {
    void runDoctor()
  }
}
