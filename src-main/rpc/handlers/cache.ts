import type { PackCache } from '../../core/pack/pack-cache'
import type { HandlerGroup } from './types'

export function cacheHandlers(cache: PackCache): HandlerGroup<'cache.list' | 'cache.prune'> {
  return {
    methods: {
      'cache.list': () => cache.list(),
      'cache.prune': ({ key }) => cache.prune(key),
    },
    topics: {},
  }
}
