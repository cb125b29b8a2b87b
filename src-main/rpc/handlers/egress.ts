import type { EgressService } from '../../core/egress/egress-service'
import type { HandlerGroup } from './types'

/** egress.get / egress.set / egress.log, over the EgressService (bottle id → its bundle). */
export function egressHandlers(deps: {
  egress: EgressService
}): HandlerGroup<'egress.get' | 'egress.set', 'egress.log'> {
  const { egress } = deps
  return {
    methods: {
      'egress.get': async ({ id }) => ({ rules: await egress.getRules(id) }),
      'egress.set': async ({ id, rules }) => ({ rules: await egress.setRules(id, rules) }),
    },
    topics: {
      'egress.log': ({ id }, sink) =>
        egress.follow(
          id,
          (decisions) => sink.emit({ decisions }),
          (error) => sink.end(error),
        ),
    },
  }
}
