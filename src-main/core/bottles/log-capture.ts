import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { IsoTime, Slug } from '../../../src-shared/contract'
import { writeFileAtomic } from '../base/atomic-write'
import { redact } from '../base/redact'
import type { BottleRecord } from './metadata'

/** Each kept log is its last MiB: thousands of lines, and a bounded file. */
export const CAPTURE_BYTES = 1 << 20

/** The logs that go with the resource holding them: the bundle container's, the VM's console. */
export type CapturedSource = 'bundle' | 'console'

const Captured = z.object({ capturedAt: IsoTime, text: z.string() })
export type Captured = z.infer<typeof Captured>

const CaptureFile = z.object({
  schema: z.literal(1),
  /** The launch the logs are from (`runOf`): a retried bottle must not show its earlier run's. */
  run: IsoTime.nullable(),
  bundle: Captured.nullable(),
  console: Captured.nullable(),
})
type CaptureFile = z.infer<typeof CaptureFile>

/**
 * What a bottle's bundle and console logged last, kept when teardown removes
 * the container and the VM that held those logs: `<slug>.logs` beside the
 * bottle's record (not `.json`, which is a record). Secret values are masked
 * before anything is written.
 */
export class CapturedLogs {
  /** Keeps and removals one after another: a keep reads, merges and rewrites the file. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly dir: string,
    private readonly secrets: () => Iterable<string> = () => [],
  ) {}

  pathOf(id: string): string {
    return join(this.dir, `${Slug.parse(id)}.logs`)
  }

  /** The text with every secret value this process knows masked. */
  mask(text: string): string {
    return redact(text, this.secrets())
  }

  /** Keeps `text` (a log's latest lines, oldest first) as the bottle's current run's `source` log. */
  keep(record: BottleRecord, source: CapturedSource, text: string): Promise<void> {
    const id = record.bottle.id
    const run = runOf(record)
    const kept: Captured = {
      capturedAt: new Date().toISOString(),
      text: lastBytes(this.mask(text), CAPTURE_BYTES),
    }
    return this.serial(async () => {
      const prev = await this.load(id)
      const file: CaptureFile =
        prev?.run === run ? prev : { schema: 1, run, bundle: null, console: null }
      await writeFileAtomic(this.pathOf(id), JSON.stringify({ ...file, [source]: kept }))
    })
  }

  /** The `source` log kept for the bottle's current run; null when none was. */
  async read(record: BottleRecord, source: CapturedSource): Promise<Captured | null> {
    const file = await this.load(record.bottle.id)
    return file?.run === runOf(record) ? file[source] : null
  }

  /** Forgets the bottle's kept logs (with its record). */
  remove(id: string): Promise<void> {
    const path = this.pathOf(id)
    return this.serial(() => rm(path, { force: true }))
  }

  private async load(id: string): Promise<CaptureFile | null> {
    let json: unknown
    try {
      json = JSON.parse(await readFile(this.pathOf(id), 'utf8'))
    } catch (e) {
      // Missing, or not JSON: as if none were kept (the next keep replaces it).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e
      return null
    }
    const parsed = CaptureFile.safeParse(json)
    return parsed.success ? parsed.data : null
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op)
    this.queue = next.catch(() => {})
    return next
  }
}

/**
 * Which launch of a bottle a record describes: when its first step started.
 * A retry starts the steps again under the same id.
 */
export function runOf(record: BottleRecord): string | null {
  const starts = record.bottle.steps.flatMap((s) => (s.startedAt ? [s.startedAt] : []))
  return starts.sort()[0] ?? null
}

/** The end of `text`, at most `max` UTF-8 bytes, from the first whole line on. */
export function lastBytes(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8')
  if (buf.length <= max) return text
  const tail = buf.subarray(buf.length - max)
  const nl = tail.indexOf(0x0a)
  return tail.subarray(nl + 1).toString('utf8')
}
