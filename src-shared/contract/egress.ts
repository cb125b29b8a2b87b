import { z } from 'zod'
import { method, topic } from '../rpc/define'
import { IsoTime, Slug } from './common'

/**
 * An allowlist rule: `host`, `*.suffix` (subdomains only, never the apex) or an
 * IP literal, each with an optional `:port`. Validated by the bundle's matcher.
 */
export const EgressRule = z.string().min(1).max(300)

export const EgressDecision = z.object({
  time: IsoTime,
  host: z.string(),
  port: z.number().int(),
  method: z.string(),
  decision: z.enum(['allow', 'deny']),
  /** The rule that matched, null when none did. */
  rule: z.string().nullable(),
  reason: z.string(),
  bytesIn: z.number().nonnegative(),
  bytesOut: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
})
export type EgressDecision = z.infer<typeof EgressDecision>

export const egressMethods = {
  'egress.get': method(
    z.object({ id: Slug }).strict(),
    z.object({ rules: z.array(EgressRule) }),
    'The running bottle’s allowlist',
  ),
  'egress.set': method(
    z.object({ id: Slug, rules: z.array(EgressRule).max(1000) }).strict(),
    z.object({ rules: z.array(EgressRule) }),
    'Replace a running bottle’s allowlist without restarting it',
  ),
} as const

export const egressTopics = {
  'egress.log': topic(
    z.object({ id: Slug }).strict(),
    z.object({ decisions: z.array(EgressDecision) }),
    'The bundle proxy’s decisions: recent ones, then new ones as they happen',
  ),
} as const
