import { randomBytes } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { CacheEntry } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { writeFileAtomic } from '../base/atomic-write'
import type { Logger } from '../base/logger'
import type { Smolvm } from '../smolvm/types'
import { smolvmFeatures } from '../smolvm/version'
import type { DigestAnswer, ResolveDigest } from './digest-resolver'
import { acquireFileLock, isAlive } from './file-lock'
import { parseImageRef, pinnedRef, type ImageRef } from './image-ref'
import { shareAbortable, type SharedTask } from './shared-task'

/** One packed image: `<dir>/<key>/pack` (stub), `pack.smolmachine` (what `--from` takes), `entry.json`. */
export interface PackEntry {
  key: string
  imageRef: string
  digest: string | null
  dir: string
  sidecar: string
  createdAt: string
  lastUsedAt: string
  smolvmVersion: string | null
}

export interface EnsuredPack {
  entry: PackEntry
  hit: boolean
  /** For the launch step's detail: hit or packed, and what is known of the digest. */
  note: string
}

export interface PackCacheOptions {
  dir: string
  smolvm: () => Promise<Smolvm>
  resolveDigest: ResolveDigest
  log: Logger
  /** Sidecar paths that existing bottles' machines were created from. */
  inUse: () => Promise<ReadonlySet<string>>
  packTimeoutMs?: number
}

const ENTRY_FILE = 'entry.json'
const STUB = 'pack'
const TMP_PREFIX = '.tmp-'
/** Packs of a tag that kept moving while it was packed, before giving up. */
const MAX_PACK_ATTEMPTS = 3

/** The tag pointed elsewhere after packing than before: the pack's content is unknown. */
interface TagMoved {
  moved: true
}

/**
 * The pack cache. A pack is keyed by the image reference AND the digest the
 * registry gives for it now, so a moved tag is packed again instead of served
 * stale. What is packed is that digest (`repo@sha256:…`), not the tag, so a
 * tag moving between the lookup and smolvm's pull cannot put other content
 * under the key; a smolvm too old to pull by digest packs the tag and the
 * lookup is repeated after it, packing again if the tag moved. Concurrent
 * launches of one image pack it once (in this process: one shared task;
 * across processes: a lock file). A pack is built in a temp dir and renamed
 * into place, so a crash never leaves half an entry.
 */
export class PackCache {
  private readonly packing = new Map<string, SharedTask<EnsuredPack>>()
  private readonly resolving = new Map<string, SharedTask<DigestAnswer>>()

  constructor(private readonly options: PackCacheOptions) {}

  get dir(): string {
    return this.options.dir
  }

  async ensure(imageRef: string, signal?: AbortSignal): Promise<EnsuredPack> {
    const ref = parseImageRef(imageRef)
    if (!ref) throw new RpcError('INVALID_PARAMS', `not an image reference: ${imageRef}`)
    for (let attempt = 1; ; attempt++) {
      const answer = await this.shared(
        this.resolving,
        ref.canonical,
        (s) => this.options.resolveDigest(imageRef, s),
        signal,
      )
      const key = cacheKey(ref.canonical, answer.digest)
      const existing = await this.read(key)
      if (existing) return { entry: await this.touch(existing), hit: true, note: hitNote(answer) }
      if (answer.digest === null) {
        const fallback = (await this.entries())
          .filter((e) => parseImageRef(e.imageRef)?.canonical === ref.canonical)
          .pop()
        if (fallback) {
          return {
            entry: await this.touch(fallback),
            hit: true,
            note: `digest unknown (${answer.reason}): using the pack of ${fallback.digest ?? 'an unknown digest'} made ${fallback.createdAt}`,
          }
        }
      }
      const packed = await this.shared(
        this.packing,
        key,
        (s) => this.pack(imageRef, ref, key, answer, s),
        signal,
      )
      if (!('moved' in packed)) return packed
      if (attempt === MAX_PACK_ATTEMPTS) {
        throw new RpcError(
          'CONFLICT',
          `${imageRef} moved to another digest during each of ${attempt} packs: try again once it stops changing`,
        )
      }
    }
  }

  async list(): Promise<{ dir: string; entries: CacheEntry[] }> {
    const used = await this.options.inUse()
    const entries = await Promise.all(
      (await this.entries()).map(async (e) => ({
        key: e.key,
        imageRef: e.imageRef,
        digest: e.digest,
        path: e.sidecar,
        sizeBytes: await dirSize(e.dir),
        createdAt: e.createdAt,
        lastUsedAt: e.lastUsedAt,
        inUse: used.has(e.sidecar),
      })),
    )
    return { dir: this.dir, entries }
  }

  /** Removes one entry (refused while a bottle uses it), or every unused one and abandoned temp dirs. */
  async prune(key?: string): Promise<{ removed: string[]; freedBytes: number }> {
    const used = await this.options.inUse()
    const all = await this.entries()
    let victims: PackEntry[]
    if (key !== undefined) {
      const entry = all.find((e) => e.key === key)
      if (!entry) throw new RpcError('NOT_FOUND', `no pack cache entry ${key}`)
      if (used.has(entry.sidecar)) {
        throw new RpcError(
          'CONFLICT',
          `${key} is in use by a bottle (smolvm re-reads it at every start): stop and remove that bottle first`,
        )
      }
      victims = [entry]
    } else {
      victims = all.filter((e) => !used.has(e.sidecar))
    }
    const removed: string[] = []
    let freedBytes = 0
    for (const e of victims) {
      // Gone first under a temp name, so a reader never sees a half-deleted entry.
      const grave = join(this.dir, `${TMP_PREFIX}rm-${e.key}-${randomBytes(4).toString('hex')}`)
      const size = await dirSize(e.dir)
      await rename(e.dir, grave)
      await rm(grave, { recursive: true, force: true })
      removed.push(e.key)
      freedBytes += size
    }
    if (key === undefined) freedBytes += await this.sweepTemp()
    return { removed, freedBytes }
  }

  private async pack(
    imageRef: string,
    ref: ImageRef,
    key: string,
    answer: DigestAnswer,
    signal: AbortSignal,
  ): Promise<EnsuredPack | TagMoved> {
    await mkdir(this.dir, { recursive: true })
    const lock = await acquireFileLock(join(this.dir, '.locks', `${key}.lock`), {
      signal,
      onWait: (o) =>
        this.options.log.info(
          `waiting for pid ${o.pid} on ${o.host}, which is packing ${imageRef}`,
        ),
    })
    try {
      const packed = await this.read(key)
      if (packed)
        return {
          entry: await this.touch(packed),
          hit: true,
          note: `packed by another process${digestNote(answer)}`,
        }
      await this.sweepTemp()
      const tmp = join(
        this.dir,
        `${TMP_PREFIX}${key}-${process.pid}-${randomBytes(4).toString('hex')}`,
      )
      await mkdir(tmp, { recursive: true })
      const started = Date.now()
      try {
        const smolvm = await this.options.smolvm()
        const version = await smolvm.version().catch(() => null)
        const pinTo = version && smolvmFeatures(version).pullsByDigest ? answer.digest : null
        const result = await smolvm.packCreate({
          image: pinTo ? pinnedRef(ref, pinTo) : imageRef,
          output: join(tmp, STUB),
          signal,
          timeoutMs: this.options.packTimeoutMs ?? 30 * 60_000,
        })
        await stat(result.sidecar)
        if (!pinTo && answer.digest !== null) {
          const after = await this.options.resolveDigest(imageRef, signal)
          if (after.digest === null) {
            this.options.log.warn(
              `packed ${imageRef} by tag (smolvm ${version?.raw ?? 'of unknown version'} cannot pull by digest) and could not check it still points at ${answer.digest}: ${after.reason}`,
            )
          } else if (after.digest !== answer.digest) {
            this.options.log.info(
              `${imageRef} moved from ${answer.digest} to ${after.digest} while it was packed: packing again`,
            )
            await rm(tmp, { recursive: true, force: true })
            return { moved: true }
          }
        }
        const now = new Date().toISOString()
        const final = join(this.dir, key)
        const entry: PackEntry = {
          key,
          imageRef,
          digest: answer.digest,
          dir: final,
          sidecar: join(final, basename(result.sidecar)),
          createdAt: now,
          lastUsedAt: now,
          smolvmVersion: version?.raw ?? null,
        }
        await writeFileAtomic(join(tmp, ENTRY_FILE), JSON.stringify(entry, null, 2))
        await rename(tmp, final)
        const secs = ((Date.now() - started) / 1000).toFixed(1)
        this.options.log.info(`packed ${imageRef} as ${key} in ${secs} s`)
        return { entry, hit: false, note: `packed in ${secs} s${digestNote(answer)}` }
      } catch (e) {
        await rm(tmp, { recursive: true, force: true })
        throw e
      }
    } finally {
      await lock.release()
    }
  }

  /**
   * One task per key for all callers in this process; a caller's cancel only
   * stops the task when no other caller still waits for it.
   */
  private shared<T>(
    map: Map<string, SharedTask<T>>,
    key: string,
    run: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let task = map.get(key)
    if (!task || task.aborted) {
      const created: SharedTask<T> = shareAbortable(run, () => {
        if (map.get(key) === created) map.delete(key)
      })
      map.set(key, created)
      task = created
    }
    return task.join(signal)
  }

  private async read(key: string): Promise<PackEntry | null> {
    try {
      const entry = JSON.parse(await readFile(join(this.dir, key, ENTRY_FILE), 'utf8')) as PackEntry
      // The dir may have been copied or moved with the cache: paths come from where it is now.
      const dir = join(this.dir, key)
      const sidecar = join(dir, basename(entry.sidecar))
      await stat(sidecar)
      return { ...entry, key, dir, sidecar }
    } catch {
      return null
    }
  }

  private async entries(): Promise<PackEntry[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return []
    }
    const entries = await Promise.all(
      names.filter((n) => !n.startsWith('.')).map((n) => this.read(n)),
    )
    return entries
      .filter((e): e is PackEntry => e !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  }

  private async touch(entry: PackEntry): Promise<PackEntry> {
    const next = { ...entry, lastUsedAt: new Date().toISOString() }
    try {
      await writeFileAtomic(join(entry.dir, ENTRY_FILE), JSON.stringify(next, null, 2))
    } catch (e) {
      this.options.log.warn(`could not record the use of ${entry.key}: ${(e as Error).message}`)
    }
    return next
  }

  /** Temp dirs of packs whose process died mid-pack (or of interrupted prunes): removed. */
  private async sweepTemp(): Promise<number> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return 0
    }
    let freed = 0
    for (const name of names.filter((n) => n.startsWith(TMP_PREFIX))) {
      const pid = Number(/-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1])
      const abandoned =
        name.startsWith(`${TMP_PREFIX}rm-`) || !Number.isInteger(pid) || !isAlive(pid)
      if (!abandoned) continue
      const path = join(this.dir, name)
      freed += await dirSize(path)
      await rm(path, { recursive: true, force: true })
    }
    return freed
  }
}

/** `<registry_repo_tag>--<digest prefix>`, or `--nodigest` when the registry could not be asked. */
export function cacheKey(canonical: string, digest: string | null): string {
  const safe = canonical.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 160)
  return `${safe}--${digest ? digest.replace(/^sha256:/, '').slice(0, 16) : 'nodigest'}`
}

function digestNote(answer: DigestAnswer): string {
  return answer.digest ? ` (${shortDigest(answer.digest)})` : ` (digest unknown: ${answer.reason})`
}

function hitNote(answer: DigestAnswer): string {
  return answer.digest
    ? `cache hit (${shortDigest(answer.digest)})`
    : `cache hit by reference (digest unknown: ${answer.reason})`
}

function shortDigest(d: string): string {
  return d.slice(0, 19)
}

async function dirSize(path: string): Promise<number> {
  let total = 0
  let items: Dirent[]
  try {
    items = await readdir(path, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const d of items) {
    const p = join(path, d.name)
    if (d.isDirectory()) total += await dirSize(p)
    else
      total += await stat(p).then(
        (s) => s.size,
        () => 0,
      )
  }
  return total
}
