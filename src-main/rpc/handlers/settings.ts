import type { Backend } from '../../core/backend'
import type { HandlerGroup } from './types'

export function settingsHandlers(
  backend: Backend,
): HandlerGroup<'settings.get' | 'settings.update', 'settings.changed'> {
  return {
    methods: {
      'settings.get': () => backend.settings.get(),
      'settings.update': (patch) => backend.settings.update(patch),
    },
    topics: {
      'settings.changed': (_params, sink) => {
        sink.emit(backend.settings.get())
        return backend.settings.onDidChange((s) => sink.emit(s))
      },
    },
  }
}
