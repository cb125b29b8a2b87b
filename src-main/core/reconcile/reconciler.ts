import type { Orphan } from '../../../src-shared/contract'
import type { Disposable } from '../base/lifecycle'
import type { Logger } from '../base/logger'
import type { BottleService } from '../bottles/bottle-service'
import type { BottleRecord } from '../bottles/metadata'
import type { Observation } from '../bottles/observe'
import { removeResource } from '../bottles/teardown'
import { LABELS, type Docker } from '../docker/types'
import { isAlive } from '../pack/file-lock'
import { resourceNames } from '../plan/names'
import type { Smolvm } from '../smolvm/types'
import { findOrphans, judgeBottles, type Judged } from './classify'
import { findMetadataOrphans, removeMetadataOrphan } from './metadata-orphans'

export interface ReconcileResult {
  /** Running bottles found up (their sessions can be opened again). */
  adopted: string[]
  /** Bottles this run ended: VM or bundle died, or a launch/teardown a crash interrupted. */
  died: string[]
  orphans: Orphan[]
}

export interface TickResult {
  /** Why smolvm / docker could not be asked, when they could not. */
  errors: Observation['errors']
}

export interface CleanResult {
  cleaned: string[]
  failed: { id: string; message: string }[]
}

const KIND_ORDER: Record<Orphan['kind'], number> = {
  machine: 0,
  container: 1,
  network: 2,
  metadata: 3,
}

/**
 * Matches the bottles' metadata with what smolvm and docker report, and
 * finishes what nobody else will: bottles whose VM or bundle died, launches
 * and teardowns a crash interrupted, leftovers of an earlier failed
 * teardown. Adopts running bottles; finds and cleans orphans. Every run —
 * a full `reconcile`, a watch `tick`, an orphan clean — goes through one
 * queue, so two never overlap; each bottle's repair runs under its lock.
 */
export class Reconciler implements Disposable {
  private queue: Promise<unknown> = Promise.resolve()
  /** Bottles whose VM smolvm reported unreachable on the last look. */
  private suspects = new Set<string>()
  /** Orphans only a full look finds (networks, unknown machines, metadata), kept between ticks. */
  private fullOnly: Orphan[] = []
  private disposed = false

  constructor(
    private readonly o: {
      bottles: BottleService
      smolvm: () => Promise<Smolvm>
      docker: () => Docker
      homeId: string
      bottlesDir: string
      log: Logger
    },
  ) {}

  /** The full run: at backend start and on demand. */
  reconcile(): Promise<ReconcileResult> {
    return this.serial(() => this.full())
  }

  /** The watch's run: one `machine ls --json` and one labelled container listing. */
  tick(): Promise<TickResult> {
    return this.serial(() => this.light())
  }

  /** Looks again (without repairing anything) and publishes what belongs to no bottle. */
  listOrphans(): Promise<Orphan[]> {
    return this.serial(async () => {
      const orphans = await this.orphansNow(await this.o.bottles.observe({ networks: true }))
      this.o.bottles.setOrphans(orphans)
      return orphans
    })
  }

  /** Removes the given orphans (all when `ids` is absent), each only if it still is one. */
  clean(ids?: readonly string[]): Promise<CleanResult> {
    return this.serial(async () => {
      const seen = await this.o.bottles.observe({ networks: true })
      const current = await this.orphansNow(seen)
      const chosen = current
        .filter((o) => !ids || ids.includes(o.id))
        .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
      const result: CleanResult = { cleaned: [], failed: [] }
      for (const id of ids ?? []) {
        if (current.some((o) => o.id === id)) continue
        // Gone already counts as cleaned; still there means a bottle claims it now.
        if (stillThere(id, seen))
          result.failed.push({ id, message: 'no longer an orphan: a bottle claims it' })
        else result.cleaned.push(id)
      }
      for (const orphan of chosen) {
        try {
          const { kind, name } = orphan
          if (kind === 'metadata') await removeMetadataOrphan(this.o.bottlesDir, name)
          else await removeResource({ kind, name }, this.o)
          result.cleaned.push(orphan.id)
          this.o.log.info(`removed orphan ${orphan.kind} ${orphan.name}`)
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e)
          this.o.log.error(`could not remove orphan ${orphan.kind} ${orphan.name}: ${message}`)
          result.failed.push({ id: orphan.id, message })
        }
      }
      this.o.bottles.setOrphans(
        await this.orphansNow(await this.o.bottles.observe({ networks: true })),
      )
      return result
    })
  }

  dispose(): void {
    this.disposed = true
  }

  private async full(): Promise<ReconcileResult> {
    const { bottles } = this.o
    let seen = await bottles.observe({ networks: true })
    for (const [what, message] of Object.entries(seen.errors))
      this.o.log.warn(`reconcile: cannot ask ${what}: ${message}`)
    const judged = this.judge(seen, true)
    const died = await this.repair(judged.repairs)
    if (judged.repairs.length) seen = await bottles.observe({ networks: true })
    const orphans = await this.orphansNow(seen)
    bottles.setOrphans(orphans)
    if (judged.alive.length) this.o.log.info(`adopted running bottles: ${judged.alive.join(', ')}`)
    if (orphans.length)
      this.o.log.warn(`${orphans.length} orphan(s): ${orphans.map((o) => o.name).join(', ')}`)
    return { adopted: judged.alive, died, orphans }
  }

  private async light(): Promise<TickResult> {
    const { bottles } = this.o
    const seen = await bottles.observe()
    const judged = this.judge(seen, false)
    // Not awaited: one slow teardown must not hold up noticing the next death. A bottle under
    // repair is busy (skipped by the next looks, its resources claimed) until the repair ends.
    void this.repair(judged.repairs)
    if (seen.machines && seen.containers) {
      const listed = new Set(seen.machines.map((m) => m.name))
      const kept = this.fullOnly.filter((o) => o.kind !== 'machine' || listed.has(o.name))
      const fresh = findOrphans({
        records: bottles.records(),
        seen,
        busy: (id) => bottles.busy(id),
        driven,
        unknownMachines: false,
      })
      const ids = new Set(fresh.map((o) => o.id))
      bottles.setOrphans([...fresh, ...kept.filter((o) => !ids.has(o.id))])
    }
    return { errors: seen.errors }
  }

  /** What each bottle's record and this look say; remembers the VMs smolvm called unreachable. */
  private judge(seen: Observation, leftovers: boolean): Judged {
    const { bottles } = this.o
    const judged = judgeBottles({
      records: bottles.records(),
      seen,
      busy: (id) => bottles.busy(id),
      driven,
      suspects: this.suspects,
      leftovers,
    })
    this.suspects = judged.suspects
    return judged
  }

  /** Repairs the bottles side by side (each under its own lock); returns those it ended (leftover cleanups are not deaths). */
  private async repair(repairs: Judged['repairs']): Promise<string[]> {
    if (this.disposed) return []
    const ended = await Promise.all(
      repairs.map(async ({ id, repair }) => {
        try {
          const outcome = await this.o.bottles.repair(id, repair)
          return outcome === 'done' && repair.kind !== 'leftover' ? id : null
        } catch (e) {
          // The bottle ended all the same; what could not be removed is in its record and detail.
          this.o.log.error(`reconcile of ${id}: ${(e as Error).message}`, id)
          return repair.kind !== 'leftover' ? id : null
        }
      }),
    )
    return ended.filter((id): id is string => id !== null)
  }

  /** Every orphan a full look shows; remembers the ones a tick cannot see. */
  private async orphansNow(seen: Observation): Promise<Orphan[]> {
    const { bottles } = this.o
    const records = bottles.records()
    const known = new Set(records.map((r) => r.bottle.id))
    const unknownSlugs = (seen.machines ?? [])
      .filter((m) => m.name.startsWith('claude-bottle-'))
      .map((m) => m.name.slice('claude-bottle-'.length))
      .filter((slug) => !known.has(slug))
    const orphans = [
      ...findOrphans({
        records,
        seen,
        busy: (id) => bottles.busy(id),
        driven,
        unknownMachines: true,
        foreignSlugs: await this.foreignSlugs(unknownSlugs),
      }),
      ...(await findMetadataOrphans(this.o.bottlesDir)),
    ]
    this.fullOnly = orphans.filter(
      (o) =>
        o.kind === 'network' ||
        o.kind === 'metadata' ||
        (o.kind === 'machine' && !known.has(o.slug ?? '')),
    )
    return orphans
  }

  /**
   * smolvm's machines are per user, not per Bot Bottle home: a machine whose
   * bundle container exists without this home's label belongs to another
   * install (or the original system) and is none of ours.
   */
  private async foreignSlugs(slugs: readonly string[]): Promise<Set<string>> {
    const foreign = new Set<string>()
    for (const slug of slugs) {
      const c = await this.o
        .docker()
        .containerInspect(resourceNames(slug).bundle)
        .catch(() => null)
      if (c && c.labels[LABELS.home] !== this.o.homeId) foreign.add(slug)
    }
    return foreign
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run)
    this.queue = next.catch(() => {})
    return next
  }
}

/** A live process (the record's owner) is launching or stopping the bottle: leave it be. */
function driven(r: BottleRecord): boolean {
  return r.ownerPid !== null && r.ownerPid !== process.pid && isAlive(r.ownerPid)
}

function stillThere(id: string, seen: Observation): boolean {
  const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)]
  if (kind === 'machine') return (seen.machines ?? []).some((m) => m.name === name)
  if (kind === 'container') return (seen.containers ?? []).some((c) => c.name === name)
  if (kind === 'network') return (seen.networks ?? []).some((n) => n.name === name)
  return false
}
