import type { Backend } from '../../core/backend'
import type { MethodHandlers, RpcServerOptions, TopicHandlers } from '../server'
import { appHandlers, type HostCapabilities } from './app'
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
  const groups = [appHandlers(backend, host), settingsHandlers(backend)]
  const methods: Partial<MethodHandlers> = {}
  const topics: Partial<TopicHandlers> = {}
  for (const g of groups) {
    Object.assign(methods, g.methods)
    Object.assign(topics, g.topics)
  }
  return { methods, topics }
}
