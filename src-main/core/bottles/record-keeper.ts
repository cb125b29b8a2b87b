import type {
  Bottle,
  BottleEvent,
  BottleState,
  LaunchStep,
  Orphan,
  Teardown,
} from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { Emitter, type Event } from '../base/lifecycle'
import { redactDeep } from '../base/redact'
import type { BottleRecord, MetadataStore, ResourceRecord } from './metadata'
import { transition } from './transitions'

/**
 * The bottles this process knows, kept in memory and on disk together: every
 * change is written (atomically) and announced on `onEvent`. Bottle states
 * change only through `transition`, the one door to the state table.
 */
export class RecordKeeper {
  private readonly records = new Map<string, BottleRecord>()
  private readonly events = new Emitter<BottleEvent>()
  readonly onEvent: Event<BottleEvent> = this.events.event
  /** What the last reconcile found without a bottle (the snapshot carries it). */
  private orphanList: Orphan[] = []
  /**
   * Bumped on every local write of a record (create, commit, remove). A reload
   * trusts what it read from disk only for records this process did not touch
   * while it was reading: a bottle created, or a record written, meanwhile is
   * newer in memory than on the disk image the reload saw.
   */
  private readonly versions = new Map<string, number>()
  private versionClock = 0

  /**
   * `secrets`: values never written or announced. A failed step's error
   * carries the stderr of what ran (a guest's setup script, say), which may
   * echo an API key back.
   */
  constructor(
    private readonly store: MetadataStore,
    private readonly secrets: () => Iterable<string> = () => [],
  ) {}

  /** Reads the metadata dir; records another process changed are replaced, ours in flight are kept. */
  async reload(ownedByUs: (id: string) => boolean = () => false): Promise<void> {
    const before = new Map(this.versions)
    const untouched = (id: string): boolean => this.versions.get(id) === before.get(id)
    const onDisk = await this.store.readAll()
    const seen = new Set<string>()
    for (const r of onDisk) {
      seen.add(r.bottle.id)
      if (ownedByUs(r.bottle.id) || !untouched(r.bottle.id)) continue
      const mine = this.records.get(r.bottle.id)
      this.records.set(r.bottle.id, r)
      if (!mine || JSON.stringify(mine) !== JSON.stringify(r))
        this.events.fire({ kind: 'upsert', bottle: r.bottle })
    }
    for (const id of [...this.records.keys()]) {
      if (!seen.has(id) && !ownedByUs(id) && before.has(id) && untouched(id)) {
        this.records.delete(id)
        this.events.fire({ kind: 'removed', id })
      }
    }
    // Records found on disk for the first time are known from now on.
    for (const id of seen) if (!this.versions.has(id)) this.versions.set(id, 0)
  }

  /** Re-reads one bottle's record (another process may have just changed it). */
  async reloadOne(id: string): Promise<BottleRecord | undefined> {
    const onDisk = await this.store.read(id)
    const mine = this.records.get(id)
    if (!onDisk) {
      if (mine && this.records.delete(id)) this.events.fire({ kind: 'removed', id })
      this.versions.delete(id)
      return undefined
    }
    this.records.set(id, onDisk)
    this.touch(id)
    if (!mine || JSON.stringify(mine) !== JSON.stringify(onDisk))
      this.events.fire({ kind: 'upsert', bottle: onDisk.bottle })
    return onDisk
  }

  all(): BottleRecord[] {
    return [...this.records.values()].sort((a, b) =>
      a.bottle.createdAt.localeCompare(b.bottle.createdAt),
    )
  }

  find(id: string): BottleRecord | undefined {
    return this.records.get(id)
  }

  get(id: string): BottleRecord {
    const r = this.records.get(id)
    if (!r) throw new RpcError('NOT_FOUND', `no bottle ${id}`)
    return r
  }

  has(id: string): boolean {
    return this.records.has(id)
  }

  async create(input: BottleRecord): Promise<void> {
    const record = this.scrub(input)
    if (this.records.has(record.bottle.id))
      throw new RpcError('CONFLICT', `bottle ${record.bottle.id} already exists`)
    this.records.set(record.bottle.id, record)
    this.touch(record.bottle.id)
    await this.store.write(record)
    this.events.fire({ kind: 'upsert', bottle: record.bottle })
  }

  /** Changes a bottle's fields other than its state (use `transition` for that). */
  async patch(
    id: string,
    fn: (r: BottleRecord) => BottleRecord,
    announce = true,
  ): Promise<BottleRecord> {
    const prev = this.get(id)
    const next = fn(prev)
    if (next.bottle.state !== prev.bottle.state)
      throw new Error('patch must not change the state: use transition')
    return this.commit(next, announce)
  }

  async transition(
    id: string,
    to: BottleState,
    detail: string | null,
    extra: Partial<Bottle> = {},
  ): Promise<BottleRecord> {
    const prev = this.get(id)
    const bottle = { ...transition(prev.bottle, to, detail), ...extra }
    return this.commit({ ...prev, bottle }, true)
  }

  async setStep(id: string, input: LaunchStep): Promise<void> {
    const step = redactDeep(input, this.secrets())
    const prev = this.get(id)
    const steps = prev.bottle.steps.map((s) => (s.id === step.id ? step : s))
    await this.commit({ ...prev, bottle: { ...prev.bottle, steps } }, false)
    this.events.fire({ kind: 'step', id, step })
  }

  /** Recorded before the command that creates it runs. */
  resourceIntent(id: string, res: Omit<ResourceRecord, 'state'>): Promise<BottleRecord> {
    return this.patch(
      id,
      (r) => ({
        ...r,
        resources: [...r.resources.filter((x) => !same(x, res)), { ...res, state: 'creating' }],
      }),
      false,
    )
  }

  resourceCreated(id: string, res: Omit<ResourceRecord, 'state'>): Promise<BottleRecord> {
    return this.patch(
      id,
      (r) => ({
        ...r,
        resources: r.resources.map((x) => (same(x, res) ? { ...x, state: 'created' as const } : x)),
      }),
      false,
    )
  }

  /** Recorded once it is gone. */
  resourceGone(id: string, res: Omit<ResourceRecord, 'state'>): Promise<BottleRecord> {
    return this.patch(
      id,
      (r) => ({ ...r, resources: r.resources.filter((x) => !same(x, res)) }),
      false,
    )
  }

  announceTeardown(teardown: Teardown): void {
    this.events.fire({ kind: 'teardown', teardown })
  }

  orphans(): Orphan[] {
    return this.orphanList
  }

  /** Announces the orphans when they differ from the last ones announced. */
  setOrphans(orphans: Orphan[]): void {
    const key = (list: Orphan[]) =>
      JSON.stringify([...list].sort((a, b) => a.id.localeCompare(b.id)))
    if (key(orphans) === key(this.orphanList)) return
    this.orphanList = orphans
    this.events.fire({ kind: 'orphans', orphans })
  }

  async remove(id: string): Promise<void> {
    this.touch(id)
    await this.store.delete(id)
    this.versions.delete(id)
    if (this.records.delete(id)) this.events.fire({ kind: 'removed', id })
  }

  private touch(id: string): void {
    this.versions.set(id, ++this.versionClock)
  }

  private async commit(input: BottleRecord, announce: boolean): Promise<BottleRecord> {
    const next = this.scrub(input)
    this.records.set(next.bottle.id, next)
    this.touch(next.bottle.id)
    await this.store.write(next)
    if (announce) this.events.fire({ kind: 'upsert', bottle: next.bottle })
    return next
  }

  /** The bottle as shown and saved: no secret value in any text of it. */
  private scrub(r: BottleRecord): BottleRecord {
    const bottle = redactDeep(r.bottle, this.secrets())
    return bottle === r.bottle ? r : { ...r, bottle }
  }

  dispose(): void {
    this.events.dispose()
  }
}

function same(
  a: Pick<ResourceRecord, 'kind' | 'name'>,
  b: Pick<ResourceRecord, 'kind' | 'name'>,
): boolean {
  return a.kind === b.kind && a.name === b.name
}
