import { create } from 'zustand'
import type { MethodResult } from '../../../src-shared/contract'
import { call } from '../lib/backend'
import { idle, loadInto, type Loadable } from './loadable'

type CacheList = MethodResult<'cache.list'>
export type PruneResult = MethodResult<'cache.prune'>

export const useCache = create<Loadable<CacheList>>(idle)

export function loadCache(): Promise<CacheList | null> {
  return loadInto(useCache.getState, useCache.setState, () => call('cache.list', {}))
}

/** Prunes one entry (key) or every entry not in use; reloads the list either way. Rejects on refusal. */
export async function pruneCache(key?: string): Promise<PruneResult> {
  try {
    return await call('cache.prune', key === undefined ? {} : { key })
  } finally {
    void loadCache()
  }
}
