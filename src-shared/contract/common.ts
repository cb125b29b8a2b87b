import { z } from 'zod'
import { RpcErrorShape } from '../rpc/errors'

/** A bottle's slug: its identity everywhere (machine name, docker labels, metadata). */
export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens')
export type Slug = z.infer<typeof Slug>

/** Agent names from the manifest (also part of slugs, so the same alphabet). */
export const AgentName = z
  .string()
  .min(1)
  .max(32)
  .regex(
    /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/,
    'lowercase letters, digits and single hyphens, starting with a letter',
  )

export const IsoTime = z.string().min(1).max(64)

/** An absolute host path (POSIX on the hosts Bot Bottle supports). */
export const HostPath = z
  .string()
  .min(1, 'required: an absolute path')
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !p.includes('\0'), 'must not contain NUL')

/** An absolute path inside the guest. */
export const GuestPath = HostPath

export const Empty = z.object({}).strict()
export const Ok = z.object({}).strict()

export { RpcErrorShape }
