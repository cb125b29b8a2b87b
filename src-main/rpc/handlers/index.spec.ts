import { describe, expect, it } from 'vitest'
import { methods, topics } from '../../../src-shared/contract'
import type { Backend } from '../../core/backend'
import { createHandlers, mergeHandlerGroups, type ContractHandlers } from '.'
import { settingsHandlers } from './settings'

/**
 * A backend whose every service is a stand-in: building the handlers only
 * captures services, so any call at that point is a mistake and throws.
 */
function untouchedBackend(): Backend {
  const stand: object = new Proxy(function () {}, {
    get: (_t, key) => (key === 'then' ? undefined : stand),
    apply: () => {
      throw new Error('a handler factory called the backend while building')
    },
  })
  return stand as Backend
}

describe('createHandlers', () => {
  const handlers = createHandlers(untouchedBackend())

  it('has a handler for every method of the contract, and for nothing else', () => {
    expect(Object.keys(handlers.methods).sort()).toEqual(Object.keys(methods).sort())
    for (const h of Object.values(handlers.methods)) expect(h).toBeTypeOf('function')
  })

  it('has a handler for every topic of the contract, and for nothing else', () => {
    expect(Object.keys(handlers.topics).sort()).toEqual(Object.keys(topics).sort())
    for (const h of Object.values(handlers.topics)) expect(h).toBeTypeOf('function')
  })

  it('rejects, at type-check time, a set of groups that leaves methods or topics out', () => {
    const partial = mergeHandlerGroups([settingsHandlers(untouchedBackend())])
    // @ts-expect-error settings alone is not the whole contract (npm run typecheck fails otherwise)
    const incomplete: ContractHandlers = partial
    expect(Object.keys(incomplete.methods).sort()).toEqual(['settings.get', 'settings.update'])
    expect(Object.keys(incomplete.topics)).toEqual(['settings.changed'])
  })
})
