import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { Bottle, Slug } from '../../../src-shared/contract'
import { writeFileAtomic } from '../base/atomic-write'
import type { Logger } from '../base/logger'

/**
 * A resource a bottle owns. Written `creating` BEFORE the command that makes
 * it runs and `created` after, and dropped only once it is gone, so a process
 * that crashes at any point leaves a record of everything it may have made.
 */
export const ResourceRecord = z.object({
  kind: z.enum(['network', 'container', 'machine']),
  name: z.string(),
  state: z.enum(['creating', 'created']),
})
export type ResourceRecord = z.infer<typeof ResourceRecord>

/** `<bottlesDir>/<slug>.json`: everything needed to show, use and tear down a bottle from any process. */
export const BottleRecord = z.object({
  schema: z.literal(1),
  bottle: Bottle,
  /** The data dir's hash; docker resources carry it as a label. */
  homeId: z.string(),
  /** The process driving a launch or teardown of this bottle, null when none is. */
  ownerPid: z.number().int().nullable(),
  resources: z.array(ResourceRecord),
  /** Names only: secret values live in the launching process's memory and the host env, never here. */
  secretKeys: z.array(z.string()),
  /** The agent session's argv, as resolved at launch. */
  sessionCommand: z.array(z.string()),
  /** The manifest's setup ran to success in this bottle. */
  setupDone: z.boolean(),
  cpus: z.number().int(),
  memoryMib: z.number().int(),
})
export type BottleRecord = z.infer<typeof BottleRecord>

/**
 * Bottle metadata on disk. Each write is atomic (temp file + rename), and
 * writes to one bottle are serialized so a late write never overtakes a newer one.
 */
export class MetadataStore {
  private readonly queues = new Map<string, Promise<void>>()
  /** Unreadable records already warned about: the watch re-reads the dir every few seconds. */
  private readonly warned = new Set<string>()

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  pathOf(id: string): string {
    return join(this.dir, `${Slug.parse(id)}.json`)
  }

  async readAll(): Promise<BottleRecord[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw e
    }
    const records = await Promise.all(
      names
        .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
        .map((n) => this.read(n.slice(0, -5))),
    )
    return records.filter((r): r is BottleRecord => r !== null)
  }

  async read(id: string): Promise<BottleRecord | null> {
    if (!Slug.safeParse(id).success) return null
    let text: string
    try {
      text = await readFile(this.pathOf(id), 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
    let why = 'not valid JSON'
    try {
      const parsed = BottleRecord.safeParse(JSON.parse(text))
      if (parsed.success && parsed.data.bottle.id === id) {
        this.warned.delete(id)
        return parsed.data
      }
      why = 'not a bottle record this version understands'
    } catch {
      // why stays: not JSON
    }
    if (!this.warned.has(id)) this.log.warn(`ignoring ${this.pathOf(id)}: ${why}`)
    this.warned.add(id)
    return null
  }

  write(record: BottleRecord): Promise<void> {
    const data = JSON.stringify(record, null, 2) + '\n'
    return this.serialize(record.bottle.id, () =>
      writeFileAtomic(this.pathOf(record.bottle.id), data),
    )
  }

  delete(id: string): Promise<void> {
    return this.serialize(id, () => rm(this.pathOf(id), { force: true }))
  }

  private serialize(id: string, op: () => Promise<void>): Promise<void> {
    const prev = this.queues.get(id) ?? Promise.resolve()
    const next = prev.then(op, op)
    const tail = next.catch(() => {})
    this.queues.set(id, tail)
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id)
    })
    return next
  }
}

/** Sidecars that bottles' machines were created from (smolvm before 1.0 re-reads them at every start). */
export function sidecarsInUse(records: readonly BottleRecord[]): Set<string> {
  return new Set(
    records
      .filter(
        (r) =>
          r.bottle.pack &&
          (r.resources.some((x) => x.kind === 'machine') || r.bottle.state === 'launching'),
      )
      .map((r) => r.bottle.pack?.path as string),
  )
}
