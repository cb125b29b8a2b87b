import { RpcError } from '../../../src-shared/rpc/errors'
import { parseRules } from '../../../resources/bundle/src/egress/rules'

// The bundle daemon's own matcher: the app validates with the code that enforces.
export {
  DEFAULT_PORTS,
  findRule,
  normalizeTarget,
  parseRule,
  parseRules,
  type InvalidRule,
  type Rule,
  type Target,
} from '../../../resources/bundle/src/egress/rules'
export {
  classifyAddress,
  type AddressClass,
  type AddressVerdict,
} from '../../../resources/bundle/src/egress/address'

/**
 * Canonical texts of `rules` (deduplicated), or INVALID_PARAMS naming every
 * invalid rule and why (`details.invalid`: [{rule, reason}]).
 */
export function canonicalRules(rules: readonly string[], what = 'egress rules'): string[] {
  const { rules: parsed, invalid } = parseRules(rules)
  if (invalid.length) {
    throw new RpcError(
      'INVALID_PARAMS',
      `${what}: ${invalid.map((i) => `"${i.rule}": ${i.reason}`).join('; ')}`,
      { invalid },
    )
  }
  return parsed.map((r) => r.text)
}
