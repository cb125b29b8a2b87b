import type { Backend } from '../../core/backend'
import type { MethodHandlers, TopicHandlers } from '../server'
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

/** A handler for every method and every topic of the contract. */
export interface ContractHandlers {
  methods: MethodHandlers
  topics: TopicHandlers
}

type AnyGroup = { methods: Partial<MethodHandlers>; topics: Partial<TopicHandlers> }
/** The names a union of groups covers (distributes over the union). */
type Covered<G, K extends keyof AnyGroup> = G extends Record<K, infer O> ? keyof O : never

/**
 * Merges handler groups into one object whose type names exactly the methods
 * and topics the groups cover, so that assigning it to ContractHandlers fails
 * the type check when a contract method or topic has no handler.
 */
export function mergeHandlerGroups<G extends AnyGroup>(
  groups: readonly G[],
): {
  methods: Pick<MethodHandlers, Extract<Covered<G, 'methods'>, keyof MethodHandlers>>
  topics: Pick<TopicHandlers, Extract<Covered<G, 'topics'>, keyof TopicHandlers>>
} {
  const methods: Partial<MethodHandlers> = {}
  const topics: Partial<TopicHandlers> = {}
  for (const g of groups) {
    Object.assign(methods, g.methods)
    Object.assign(topics, g.topics)
  }
  // Exactly the keys of the groups merged above.
  return { methods, topics } as ReturnType<typeof mergeHandlerGroups<G>>
}

/**
 * Every handler of the contract, from the backend's services. Each domain
 * contributes a HandlerGroup; add yours to the list (the return type fails
 * the type check while any contract method or topic is left without one).
 */
export function createHandlers(backend: Backend, host: HostCapabilities = {}): ContractHandlers {
  return mergeHandlerGroups([
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
  ])
}
