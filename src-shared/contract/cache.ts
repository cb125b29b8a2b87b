import { z } from 'zod'
import { method } from '../rpc/define'
import { Empty, IsoTime } from './common'

export const CacheEntry = z.object({
  key: z.string(),
  imageRef: z.string(),
  digest: z.string().nullable(),
  path: z.string(),
  sizeBytes: z.number().nonnegative(),
  createdAt: IsoTime,
  lastUsedAt: IsoTime,
  /** A bottle that exists uses it: pruning it is refused. */
  inUse: z.boolean(),
})
export type CacheEntry = z.infer<typeof CacheEntry>

export const cacheMethods = {
  'cache.list': method(
    Empty,
    z.object({ dir: z.string(), entries: z.array(CacheEntry) }),
    'Packed images in the pack cache',
  ),
  'cache.prune': method(
    z.object({ key: z.string().max(256).optional() }).strict(),
    z.object({ removed: z.array(z.string()), freedBytes: z.number().nonnegative() }),
    'Remove one entry, or every entry not in use when key is absent',
  ),
} as const
