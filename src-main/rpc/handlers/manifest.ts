import type { ManifestService } from '../../core/manifest/manifest-service'
import type { HandlerGroup } from './types'

export function manifestHandlers(
  manifest: ManifestService,
): HandlerGroup<'manifest.get' | 'manifest.validate' | 'manifest.save'> {
  return {
    methods: {
      'manifest.get': () => manifest.get(),
      'manifest.validate': ({ text }) => manifest.validate(text),
      'manifest.save': ({ text, baseVersion }) => manifest.save(text, baseVersion),
    },
    topics: {},
  }
}
