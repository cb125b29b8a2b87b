import type { Backend } from '../../core/backend'
import type { MethodHandlers, RpcServerOptions, TopicHandlers } from '../server'
import { appHandlers, type HostCapabilities } from './app'
import { bottleHandlers } from './bottles'
import { cacheHandlers } from './cache'
import { manifestHandlers } from './manifest'
import { preflightHandlers } from './preflight'
import { sessionHandlers } from './sessions'
import { egressHandlers } from './egress'
import { reconcileHandlers } from './orphans'
import { settingsHandlers } from './settings'

export type { HostCapabilities }

/**
 * Every handler of the contract, from the backend's services. Each domain
 * contributes a HandlerGroup; add yours to `groups`.
 */
export function createHandlers(
  backend: Backend,
  host: HostCapabilities = {},
): Pick<RpcServerOptions, 'methods' | 'topics'> {
  const groups = [
    appHandlers(backend, host),
    settingsHandlers(backend),
    bottleHandlers(backend),
    manifestHandlers(backend.manifest),
    cacheHandlers(backend.packCache),
    preflightHandlers(backend.preflight),
    sessionHandlers(backend.sessions),
    egressHandlers({
      egress: backend.egress,
      onRulesChanged: (id, rules) => backend.bottles.setEgress(id, rules),
    }),
    reconcileHandlers(backend.reconciler),
  ]
  const methods: Partial<MethodHandlers> = {}
  const topics: Partial<TopicHandlers> = {}
  for (const g of groups) {
    Object.assign(methods, g.methods)
    Object.assign(topics, g.topics)
  }
  return { methods, topics }
}
