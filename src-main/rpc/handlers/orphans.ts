import type { Reconciler } from '../../core/reconcile/reconciler'
import type { HandlerGroup } from './types'

/** bottles.reconcile and orphans.*, over the reconciler (the watch reconciles on its own as well). */
export function reconcileHandlers(
  reconciler: Reconciler,
): HandlerGroup<'bottles.reconcile' | 'orphans.list' | 'orphans.clean'> {
  return {
    methods: {
      'bottles.reconcile': () => reconciler.reconcile(),
      'orphans.list': () => reconciler.listOrphans(),
      'orphans.clean': ({ ids }) => reconciler.clean(ids),
    },
    topics: {},
  }
}
