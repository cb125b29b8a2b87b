import { randomBytes } from 'node:crypto'
import { constants, type Stats } from 'node:fs'
import { chmod, copyFile, link, realpath, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join, posix } from 'node:path'
import { RpcError, fieldError } from '../../../src-shared/rpc/errors'
import { isSmolvmError } from '../smolvm/errors'
import type { Smolvm } from '../smolvm/types'

export interface CopyRequest {
  direction: 'in' | 'out'
  hostPath: string
  guestPath: string
  /** Copy-out only: replace an existing host file (otherwise CONFLICT). */
  overwrite?: boolean
}

/** The paths actually used: a folder destination gains the source's name. */
export interface CopyResult {
  bytes: number
  hostPath: string
  guestPath: string
}

/** The refusal to replace a host file; `details.path` names it for a "Replace …?" prompt. */
export function existsConflict(path: string): RpcError {
  return new RpcError('CONFLICT', `${path} already exists`, { path })
}

/**
 * Copies one file between the host and a running machine. A destination
 * ending in `/` (or, on the host, an existing folder) means "into this folder",
 * as cp reads it. Copy-out never replaces a host file unless asked, and the
 * host file appears whole or not at all (downloaded beside it, then moved).
 */
export function copyGuestFile(
  smolvm: Pick<Smolvm, 'cpIn' | 'cpOut'>,
  machine: string,
  r: CopyRequest,
): Promise<CopyResult> {
  return r.direction === 'in' ? copyIn(smolvm, machine, r) : copyOut(smolvm, machine, r)
}

async function copyIn(
  smolvm: Pick<Smolvm, 'cpIn'>,
  machine: string,
  r: CopyRequest,
): Promise<CopyResult> {
  const s = await stat(r.hostPath).catch(() => null)
  if (!s?.isFile())
    throw fieldError('hostPath', `${r.hostPath} is not a file (smolvm copies single files)`)
  const into = (dir: string): string => posix.join(dir, basename(r.hostPath))
  const folder = r.guestPath.endsWith('/')
  let guestPath = folder ? into(r.guestPath) : r.guestPath
  try {
    await smolvm.cpIn(machine, r.hostPath, guestPath)
  } catch (e) {
    // A guest folder named without its slash: the guest answers EISDIR, so
    // copy into it (one retry, and only then: stat-ing the guest costs an exec).
    if (folder || !isDirectoryError(e)) throw e
    guestPath = into(guestPath)
    await smolvm.cpIn(machine, r.hostPath, guestPath)
  }
  return { bytes: s.size, hostPath: r.hostPath, guestPath }
}

function isDirectoryError(e: unknown): boolean {
  if (!isSmolvmError(e, 'other')) return false
  const stderr = (e.details as { stderr?: unknown } | undefined)?.stderr
  return /Is a directory \(os error 21\)/.test(`${e.message}\n${String(stderr ?? '')}`)
}

async function copyOut(
  smolvm: Pick<Smolvm, 'cpOut'>,
  machine: string,
  r: CopyRequest,
): Promise<CopyResult> {
  if (r.guestPath.endsWith('/'))
    throw fieldError('guestPath', `${r.guestPath} is a folder: name the file to copy out`)
  const given = await stat(r.hostPath).catch(() => null)
  const hostPath =
    r.hostPath.endsWith('/') || given?.isDirectory()
      ? join(r.hostPath, posix.basename(r.guestPath))
      : r.hostPath
  const dir = dirname(hostPath)
  if (!(await stat(dir).catch(() => null))?.isDirectory())
    throw fieldError('hostPath', `folder ${dir} does not exist`)
  const existing = await stat(hostPath).catch(() => null)
  if (existing?.isDirectory()) throw fieldError('hostPath', `${hostPath} is a folder`)
  if (existing && !r.overwrite) throw existsConflict(hostPath)

  // Replacing writes through a symlink, to the file it names (as cp does).
  const target = existing ? await realpath(hostPath) : hostPath
  const tmp = join(
    dirname(target),
    `.${basename(target)}.bot-bottle-cp-${randomBytes(4).toString('hex')}`,
  )
  try {
    await smolvm.cpOut(machine, r.guestPath, tmp)
    const bytes = (await stat(tmp)).size
    if (existing) await replace(tmp, target, existing)
    else await placeNew(tmp, target)
    return { bytes, hostPath, guestPath: r.guestPath }
  } finally {
    await unlink(tmp).catch(() => {})
  }
}

/** Atomically replaces `target`, keeping its permissions. */
async function replace(tmp: string, target: string, was: Stats): Promise<void> {
  await chmod(tmp, was.mode & 0o7777)
  await rename(tmp, target)
}

/**
 * Puts `tmp` at `target` only if nothing is there yet, even if a file
 * appeared during the download: a hard link fails on an existing name.
 */
async function placeNew(tmp: string, target: string): Promise<void> {
  try {
    await link(tmp, target)
    return
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw existsConflict(target)
  }
  // File systems without hard links (FAT, some shares): an exclusive copy is as safe.
  try {
    await copyFile(tmp, target, constants.COPYFILE_EXCL)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw existsConflict(target)
    throw e
  }
}
