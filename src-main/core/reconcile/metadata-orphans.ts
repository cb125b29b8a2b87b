import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Orphan } from '../../../src-shared/contract'
import { BottleRecord } from '../bottles/metadata'

/** A temp file younger than this may be a write in progress (another process's). */
const TEMP_GRACE_MS = 60_000

/**
 * Files in the bottles dir that are no bottle: records this version cannot
 * read, logs kept for a record that is gone, and temp files an interrupted
 * atomic write left behind.
 */
export async function findMetadataOrphans(dir: string, now = Date.now()): Promise<Orphan[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
  const orphans: Orphan[] = []
  for (const name of names) {
    const path = join(dir, name)
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      const s = await stat(path).catch(() => null)
      if (s?.isFile() && now - s.mtimeMs > TEMP_GRACE_MS)
        orphans.push(metadataOrphan(name, 'temporary file an interrupted write left behind'))
      continue
    }
    // Logs kept at teardown (bottles/log-capture.ts) live as long as their record.
    if (name.endsWith('.logs') && !name.startsWith('.')) {
      const record = join(dir, `${name.slice(0, -5)}.json`)
      if (!(await stat(record).catch(() => null)))
        orphans.push(metadataOrphan(name, 'logs kept for a bottle whose record is gone'))
      continue
    }
    if (!name.endsWith('.json') || name.startsWith('.')) continue
    const why = await unreadable(path, name.slice(0, -5))
    if (why) orphans.push(metadataOrphan(name, why))
  }
  return orphans
}

async function unreadable(path: string, id: string): Promise<string | null> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    return 'bottle record that is not valid JSON'
  }
  const parsed = BottleRecord.safeParse(value)
  if (!parsed.success) return 'bottle record this version of Bot Bottle cannot read'
  if (parsed.data.bottle.id !== id)
    return `bottle record of ${parsed.data.bottle.id} under another name`
  return null
}

function metadataOrphan(name: string, detail: string): Orphan {
  return { id: `metadata:${name}`, kind: 'metadata', name, slug: null, detail }
}

export async function removeMetadataOrphan(dir: string, name: string): Promise<void> {
  if (name.includes('/') || name === '..' || name === '.')
    throw new Error(`not a file of ${dir}: ${name}`)
  await rm(join(dir, name), { force: true })
  // An unreadable record's kept logs go with it.
  if (name.endsWith('.json')) await rm(join(dir, `${name.slice(0, -5)}.logs`), { force: true })
}
