import { mkdirSync, watch } from 'node:fs'
import type { BottleState, Orphan } from '../../../src-shared/contract'
import { DisposableStore, toDisposable, type Disposable } from '../base/lifecycle'
import type { Logger } from '../base/logger'
import type { BottleService } from '../bottles/bottle-service'
import type { BottleRecord } from '../bottles/metadata'
import type { Observation } from '../bottles/observe'
import { removeResource } from '../bottles/teardown'
import { LABELS, type Docker } from '../docker/types'
import { resourceNames } from '../plan/names'
import type { Smolvm } from '../smolvm/types'
import {
  findOrphans,
  judgeBottles,
  UNREACHABLE_GRACE_MS,
  type Judged,
  type Unanswered,
} from './classify'
import { confirmUnanswered } from './confirm-death'
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

/** States in which a bottle's VM or bundle can die under it: the watch looks only while one is in them. */
const WATCHED = new Set<BottleState>(['launching', 'running', 'stopping'])

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
  /** Bottles whose VM smolvm has reported unreachable on every look since (ms). */
  private suspects = new Map<string, number>()
  /** Bottles whose VM is being asked whether it answers (confirm-death.ts). */
  private readonly confirming = new Set<string>()
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
      /** UNREACHABLE_GRACE_MS unless a test shortens it. */
      unreachableGraceMs?: number
      /** Every look: the running bottles found up (the app opens agents of ones it adopted). */
      onAlive?: (ids: readonly string[]) => void
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

  /** Some bottle is launching, running or stopping (as of the records last read). */
  needsWatching(): boolean {
    return this.o.bottles.records().some((r) => WATCHED.has(r.bottle.state))
  }

  /**
   * Fires when a bottle may have come to need watching: one launches or is
   * adopted here, or another process (the CLI) writes a record.
   */
  onActivity(listener: () => void): Disposable {
    const store = new DisposableStore()
    store.add(
      this.o.bottles.onEvent((e) => {
        if (e.kind === 'upsert' && WATCHED.has(e.bottle.state)) listener()
      }),
    )
    const dir = this.o.bottlesDir
    const cannot = (e: Error): void =>
      this.o.log.warn(`cannot watch ${dir} for bottles of other processes: ${e.message}`)
    try {
      mkdirSync(dir, { recursive: true })
      const w = watch(dir, { persistent: false }, () => listener())
      w.on('error', cannot)
      store.add(toDisposable(() => w.close()))
    } catch (e) {
      cannot(e as Error)
    }
    return store
  }

  /** Looks again (without repairing anything) and publishes what belongs to no bottle. */
  listOrphans(): Promise<Orphan[]> {
    return this.serial(async () => {
      const seen = await this.o.bottles.observe({ networks: true })
      const orphans = await this.orphansNow(seen, await this.drivenNow())
      this.o.bottles.setOrphans(orphans)
      return orphans
    })
  }

  /** Removes the given orphans (all when `ids` is absent), each only if it still is one. */
  clean(ids?: readonly string[]): Promise<CleanResult> {
    return this.serial(async () => {
      const seen = await this.o.bottles.observe({ networks: true })
      const current = await this.orphansNow(seen, await this.drivenNow())
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
      const after = await this.o.bottles.observe({ networks: true })
      this.o.bottles.setOrphans(await this.orphansNow(after, await this.drivenNow()))
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
    const judged = await this.judge(seen, true)
    const died = [
      ...(await this.repair(judged.repairs)),
      ...(await Promise.all(judged.confirm.map((u) => this.confirmThenRepair(u)))).flat(),
    ]
    if (judged.repairs.length || died.length) seen = await bottles.observe({ networks: true })
    const orphans = await this.orphansNow(seen, await this.drivenNow())
    bottles.setOrphans(orphans)
    if (judged.alive.length) this.o.log.info(`adopted running bottles: ${judged.alive.join(', ')}`)
    this.o.onAlive?.(judged.alive)
    if (orphans.length)
      this.o.log.warn(`${orphans.length} orphan(s): ${orphans.map((o) => o.name).join(', ')}`)
    return { adopted: judged.alive, died, orphans }
  }

  private async light(): Promise<TickResult> {
    const { bottles } = this.o
    const seen = await bottles.observe()
    const driven = await this.drivenNow()
    const judged = this.judgeWith(seen, false, driven)
    this.o.onAlive?.(judged.alive)
    // Not awaited: one slow teardown (or VM that is slow to answer) must not hold up noticing the
    // next death. A bottle under repair is busy (skipped by the next looks, its resources claimed)
    // until the repair ends.
    void this.repair(judged.repairs)
    for (const u of judged.confirm) void this.confirmThenRepair(u)
    if (seen.machines && seen.containers) {
      const listed = new Set(seen.machines.map((m) => m.name))
      const kept = this.fullOnly.filter((o) => o.kind !== 'machine' || listed.has(o.name))
      const fresh = findOrphans({
        records: bottles.records(),
        seen,
        busy: (id) => this.busy(id),
        driven,
        unknownMachines: false,
      })
      const ids = new Set(fresh.map((o) => o.id))
      bottles.setOrphans([...fresh, ...kept.filter((o) => !ids.has(o.id))])
    }
    return { errors: seen.errors }
  }

  private async judge(seen: Observation, leftovers: boolean): Promise<Judged> {
    return this.judgeWith(seen, leftovers, await this.drivenNow())
  }

  /** What each bottle's record and this look say; remembers the VMs smolvm called unreachable. */
  private judgeWith(
    seen: Observation,
    leftovers: boolean,
    driven: (r: BottleRecord) => boolean,
  ): Judged {
    const judged = judgeBottles({
      records: this.o.bottles.records(),
      seen,
      busy: (id) => this.busy(id),
      driven,
      suspects: this.suspects,
      unreachableGraceMs: this.o.unreachableGraceMs ?? UNREACHABLE_GRACE_MS,
      leftovers,
    })
    this.suspects = judged.suspects
    for (const u of judged.confirm) this.confirming.add(u.id)
    return judged
  }

  /** Being launched, stopped or repaired here, or its VM being asked whether it answers. */
  private busy(id: string): boolean {
    return this.o.bottles.busy(id) || this.confirming.has(id)
  }

  /**
   * Asks a VM smolvm has called unreachable for the grace period whether it
   * answers; tears the bottle down when it does not. Returns it when it ended.
   */
  private async confirmThenRepair(u: Unanswered): Promise<string[]> {
    try {
      if (this.disposed) return []
      const why = await confirmUnanswered(await this.o.smolvm(), u.machineName)
      const secs = Math.round((Date.now() - u.since) / 1000)
      if (why === null) {
        this.o.log.info(
          `bottle ${u.id}: smolvm has called its VM unreachable for ${secs} s, but it answers`,
          u.id,
        )
        return []
      }
      const detail = `the VM stopped answering (smolvm called it unreachable for ${secs} s; ${why})`
      return await this.repair([
        {
          id: u.id,
          repair: {
            kind: 'died',
            reason: 'vm-died',
            detail,
            exitCode: null,
            startedAt: u.startedAt,
          },
        },
      ])
    } catch (e) {
      this.o.log.error(`asking the VM of ${u.id} whether it answers: ${(e as Error).message}`, u.id)
      return []
    } finally {
      this.confirming.delete(u.id)
    }
  }

  /** Which records another live process is driving (it holds the bottle's lock), as of now. */
  private async drivenNow(): Promise<(r: BottleRecord) => boolean> {
    const { bottles } = this.o
    const ids = new Set<string>()
    await Promise.all(
      bottles.records().map(async (r) => {
        if (await bottles.drivenElsewhere(r)) ids.add(r.bottle.id)
      }),
    )
    return (r) => ids.has(r.bottle.id)
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
  private async orphansNow(
    seen: Observation,
    driven: (r: BottleRecord) => boolean,
  ): Promise<Orphan[]> {
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
        busy: (id) => this.busy(id),
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

function stillThere(id: string, seen: Observation): boolean {
  const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)]
  if (kind === 'machine') return (seen.machines ?? []).some((m) => m.name === name)
  if (kind === 'container') return (seen.containers ?? []).some((c) => c.name === name)
  if (kind === 'network') return (seen.networks ?? []).some((n) => n.name === name)
  return false
}
