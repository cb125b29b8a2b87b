import type { EgressService } from '../../core/egress/egress-service'
import type { HandlerGroup } from './types'

/** egress.get / egress.set / egress.log, over the EgressService (bottle id → its bundle). */
export function egressHandlers(deps: {
  egress: EgressService
  /** Told the applied allowlist, so the bottle's record (and a retry) keeps it. */
  onRulesChanged?: (id: string, rules: string[]) => Promise<unknown>
}): HandlerGroup<'egress.get' | 'egress.set', 'egress.log'> {
  const { egress, onRulesChanged } = deps
  return {
    methods: {
      'egress.get': async ({ id }) => ({ rules: await egress.getRules(id) }),
      'egress.set': async ({ id, rules }) => {
        const applied = await egress.setRules(id, rules)
        await onRulesChanged?.(id, applied)
        return { rules: applied }
      },
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
