import { create } from 'zustand'
import type { ManifestState } from '../../../src-shared/contract'
import { call, connectionSource } from '../lib/backend'
import { idle, loadInto, type Loadable } from './loadable'

export const useManifest = create<Loadable<ManifestState>>(idle)

/** Reads the manifest (its text, validation and agents) from the backend. */
export function loadManifest(): Promise<ManifestState | null> {
  return loadInto(useManifest.getState, useManifest.setState, () => call('manifest.get', {}))
}

/** The manifest has no change feed: read it on every connect (and when a view needs it fresh). */
export function startManifestFeed(): () => void {
  return connectionSource().subscribe((state) => {
    if (state === 'connected') void loadManifest()
  })
}

/**
 * Saves manifest text over `baseVersion` (the version the edits started from);
 * on success the store holds the saved state. Rejects with the refusal
 * (CONFLICT when the file changed on disk since).
 */
export async function saveManifest(text: string, baseVersion: string): Promise<ManifestState> {
  const saved = await call('manifest.save', { text, baseVersion })
  useManifest.setState({ status: 'ready', data: saved, error: null })
  return saved
}
