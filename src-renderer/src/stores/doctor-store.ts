import { create } from 'zustand'
import type { PreflightReport } from '../../../src-shared/contract'
import { call } from '../lib/backend'
import { idle, loadInto, type Loadable } from './loadable'

export const useDoctor = create<Loadable<PreflightReport>>(idle)

/** Runs every preflight check (smolvm, docker, platform, KVM). */
export function runDoctor(): Promise<PreflightReport | null> {
  // Probing binaries can take a while on a cold machine.
  return loadInto(useDoctor.getState, useDoctor.setState, () =>
    call('preflight.run', {}, { timeoutMs: 60_000 }),
  )
}
