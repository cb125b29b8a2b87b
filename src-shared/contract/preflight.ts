import { z } from 'zod'
import { method } from '../rpc/define'
import { Empty } from './common'

export const CheckStatus = z.enum(['ok', 'warn', 'fail'])

export const PreflightCheck = z.object({
  id: z.string(),
  label: z.string(),
  status: CheckStatus,
  detail: z.string(),
  /** What to do about a warn or fail, in one or two sentences. */
  fix: z.string().nullable(),
})
export type PreflightCheck = z.infer<typeof PreflightCheck>

export const PreflightReport = z.object({
  ok: z.boolean(),
  checks: z.array(PreflightCheck),
  smolvmVersion: z.string().nullable(),
})
export type PreflightReport = z.infer<typeof PreflightReport>

export const preflightMethods = {
  'preflight.run': method(Empty, PreflightReport, 'Check smolvm, docker, platform and KVM'),
} as const
