import type { Orphan } from '../../../src-shared/contract'
import type { Repair } from '../bottles/bottle-service'
import type { BottleRecord, ResourceRecord } from '../bottles/metadata'
import type { Observation } from '../bottles/observe'
import { LABELS } from '../docker/types'
import { resourceNames } from '../plan/names'

/**
 * Pure decisions of reconcile: what each bottle's record and what smolvm and
 * docker report now say about it, and which resources belong to no bottle.
 */

export interface JudgeInput {
  records: readonly BottleRecord[]
  seen: Observation
  /** A launch, stop or repair of the bottle runs in this process. */
  busy: (id: string) => boolean
  /** Another live process (the record's owner, holding the bottle's lock) is driving the bottle. */
  driven: (r: BottleRecord) => boolean
  /** Bottles whose VM smolvm has called unreachable on every look since then (a listing's `listedAt`). */
  suspects: ReadonlyMap<string, number>
  /** How long a VM must stay unreachable before it is asked itself (UNREACHABLE_GRACE_MS). */
  unreachableGraceMs: number
  /** Also ended bottles whose record still lists resources (full reconcile). */
  leftovers: boolean
}

export interface Judged {
  /** Running bottles whose VM and bundle are up. */
  alive: string[]
  repairs: { id: string; repair: Repair }[]
  /** Unreachable now, since when; not for the grace period yet. */
  suspects: Map<string, number>
  /** Unreachable for the grace period: dead only if the VM itself does not answer either. */
  confirm: Unanswered[]
}

export interface Unanswered {
  id: string
  machineName: string
  /** When smolvm first called it unreachable (a listing's `listedAt`). */
  since: number
  /** The run that was judged (see Repair). */
  startedAt: string | null
}

/**
 * smolvm calls a VM `unreachable` whenever its 250 ms vsock ping fails while
 * the VMM process lives — a loaded guest, or an agent whose 8 connections
 * are all taken, reads the same. Only once that has lasted this long is the
 * VM itself asked (confirm-death.ts); a VM whose process is gone (`stopped`)
 * or that smolvm no longer lists is dead at once.
 */
export const UNREACHABLE_GRACE_MS = 30_000

/** smolvm states of a machine that is up (or paused by the user: not dead). */
const VM_UP = new Set(['running', 'frozen'])
/** docker states of a bundle that is up (a paused one is the user's doing). */
const BUNDLE_UP = new Set(['running', 'paused', 'restarting'])

export function judgeBottles(i: JudgeInput): Judged {
  const out: Judged = { alive: [], repairs: [], suspects: new Map(), confirm: [] }
  const machines = i.seen.machines && new Map(i.seen.machines.map((m) => [m.name, m]))
  const bundles = i.seen.containers && new Map(i.seen.containers.map((c) => [c.name, c]))
  for (const r of i.records) {
    const b = r.bottle
    if (i.busy(b.id)) continue
    if (b.state === 'launching' || b.state === 'stopping') {
      // Only once both sides answer: the teardown needs them.
      if (!i.driven(r) && machines && bundles)
        out.repairs.push({ id: b.id, repair: { kind: 'interrupted' } })
      continue
    }
    if (b.state !== 'running') {
      // A teardown that could not remove everything ends the bottle failed, its leftovers recorded.
      if (i.leftovers && b.state === 'failed' && r.resources.length && !i.driven(r))
        out.repairs.push({ id: b.id, repair: { kind: 'leftover' } })
      continue
    }
    // Became running after the listing started: judged on the next look.
    if (!b.startedAt || Date.parse(b.startedAt) >= i.seen.listedAt) continue
    const died = (
      reason: 'vm-died' | 'bundle-died',
      detail: string,
      exitCode: number | null = null,
    ) =>
      out.repairs.push({
        id: b.id,
        repair: { kind: 'died', reason, detail, exitCode, startedAt: b.startedAt },
      })
    const vm = machines ? (machines.get(b.machineName) ?? null) : undefined
    if (vm === null) {
      died('vm-died', `the VM is gone (smolvm no longer lists ${b.machineName})`)
      continue
    }
    let unanswered: Unanswered | null = null
    if (vm && vm.state === 'unreachable') {
      const since = i.suspects.get(b.id) ?? i.seen.listedAt
      if (i.seen.listedAt - since < i.unreachableGraceMs) out.suspects.set(b.id, since)
      else unanswered = { id: b.id, machineName: b.machineName, since, startedAt: b.startedAt }
    } else if (vm && !VM_UP.has(vm.state)) {
      died('vm-died', `the VM stopped (smolvm reports it ${vm.state})`)
      continue
    }
    const name = resourceNames(b.id).bundle
    const bundle = bundles ? (bundles.get(name) ?? null) : undefined
    if (bundle === null) {
      died('bundle-died', `the bundle container ${name} is gone`)
      continue
    }
    if (bundle && !BUNDLE_UP.has(bundle.state)) {
      died(
        'bundle-died',
        bundle.exitCode === null
          ? `bundle container ${bundle.state}`
          : `bundle container exited (code ${bundle.exitCode})`,
        bundle.exitCode,
      )
      continue
    }
    if (unanswered) out.confirm.push(unanswered)
    else if (vm && bundle && !out.suspects.has(b.id)) out.alive.push(b.id)
  }
  return out
}

export interface OrphanInput {
  records: readonly BottleRecord[]
  seen: Observation
  busy: (id: string) => boolean
  driven: (r: BottleRecord) => boolean
  /**
   * Also smolvm machines named `claude-bottle-*` whose slug this home has no
   * record of (full reconcile: smolvm's machines are not per home), except
   * those of `foreignSlugs` (another install's, the original system's).
   */
  unknownMachines: boolean
  foreignSlugs?: ReadonlySet<string>
}

const MACHINE_PREFIX = 'claude-bottle-'

/**
 * Resources no bottle accounts for. A record accounts for what it lists —
 * every resource is recorded before it is created — and for everything of
 * its slug while a live process launches or stops it.
 */
export function findOrphans(i: OrphanInput): Orphan[] {
  const bySlug = new Map(i.records.map((r) => [r.bottle.id, r]))
  const orphans: Orphan[] = []
  const owner = (slug: string | null, kind: ResourceRecord['kind'], name: string) => {
    const r = slug ? bySlug.get(slug) : undefined
    if (!r) return { claimed: false, r }
    const inFlux =
      i.busy(r.bottle.id) ||
      ((r.bottle.state === 'launching' || r.bottle.state === 'stopping') && i.driven(r))
    return { claimed: inFlux || r.resources.some((x) => x.kind === kind && x.name === name), r }
  }
  const of = (r: BottleRecord | undefined) =>
    r ? `bottle ${r.bottle.id} (${r.bottle.state})` : null
  /** One orphan unless a record claims it; `what` describes the resource. */
  const consider = (
    kind: ResourceRecord['kind'],
    name: string,
    slug: string | null,
    what: string,
    unknownToo = true,
  ) => {
    const { claimed, r } = owner(slug, kind, name)
    if (claimed || (!r && !unknownToo)) return
    orphans.push({
      id: `${kind}:${name}`,
      kind,
      name,
      slug,
      detail: r
        ? `${what} of ${of(r)} that its record does not list`
        : `${what} of a bottle this Bot Bottle has no record of`,
    })
  }
  for (const m of i.seen.machines ?? []) {
    if (!m.name.startsWith(MACHINE_PREFIX)) continue
    const slug = m.name.slice(MACHINE_PREFIX.length)
    consider(
      'machine',
      m.name,
      slug,
      `VM (${m.state})`,
      i.unknownMachines && !i.foreignSlugs?.has(slug),
    )
  }
  for (const c of i.seen.containers ?? []) {
    const state = c.exitCode === null ? c.state : `${c.state}, code ${c.exitCode}`
    consider('container', c.name, c.labels[LABELS.slug] ?? null, `bundle container (${state})`)
  }
  for (const n of i.seen.networks ?? []) {
    consider(
      'network',
      n.name,
      n.labels[LABELS.slug] ?? null,
      `docker network (${n.subnets.join(', ') || 'no subnet'})`,
    )
  }
  return orphans
}
