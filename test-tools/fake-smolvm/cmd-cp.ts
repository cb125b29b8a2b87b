import { copyFileSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { resolvedState, err, type Invocation } from './context'
import { agentFailed, configFailed, notRunning, vmNotFound } from './fail'
import { guestToHost } from './guest-fs'
import { validateVmName } from './names'
import { readRegistry } from './state'

function osError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  const known: Record<string, string> = {
    ENOENT: 'No such file or directory (os error 2)',
    EACCES: 'Permission denied (os error 13)',
    EISDIR: 'Is a directory (os error 21)',
    EROFS: 'Read-only file system (os error 30)',
  }
  return (code && known[code]) ?? (e as Error).message
}

/**
 * `machine cp SRC DST`: the side with `machine:` is the guest (download when
 * SRC has it). Single regular files only; the machine must be running; the
 * guest side is written atomically, parent directories created.
 */
export function machineCp(inv: Invocation): number {
  const src = inv.parsed.positionals.get('src')?.[0] as string
  const dst = inv.parsed.positionals.get('dst')?.[0] as string
  const split = (s: string): [string, string] | null => {
    const i = s.indexOf(':')
    return i < 0 ? null : [s.slice(0, i), s.slice(i + 1)]
  }
  const down = split(src)
  const up = down ? null : split(dst)
  const remote = down ?? up
  if (!remote)
    throw configFailed(
      'cp',
      'one of SRC or DST must use machine:path syntax (e.g., myvm:/workspace/file)',
    )
  const [name, guestPath] = remote
  const bad = validateVmName(name)
  if (bad) throw configFailed('validate machine name', bad)
  const r = readRegistry().vms[name]
  if (!r) throw vmNotFound(name)
  if (resolvedState(r) !== 'running') throw notRunning(name)
  const guest = guestToHost(r, guestPath)

  if (up) {
    const local = src
    try {
      if (!statSync(local).isFile())
        throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
    } catch (e) {
      throw agentFailed('read local file', `${local}: ${osError(e)}`)
    }
    if (guest.readOnly)
      throw agentFailed(
        'write file',
        `failed to create ${guestPath}: ${osError({ code: 'EROFS' })}`,
      )
    err(`Uploading ${local} -> ${guestPath}`)
    try {
      mkdirSync(dirname(guest.host), { recursive: true })
      const tmp = `${guest.host}.smolvm-upload-${process.pid}`
      copyFileSync(local, tmp)
      renameSync(tmp, guest.host)
    } catch (e) {
      throw agentFailed('write file', `${guestPath}: ${osError(e)}`)
    }
    return 0
  }

  const local = dst
  try {
    if (!statSync(guest.host).isFile())
      throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
  } catch (e) {
    throw agentFailed('read file', `${guestPath}: ${osError(e)}`)
  }
  err(`Downloading ${guestPath} -> ${local}`)
  try {
    copyFileSync(guest.host, local)
  } catch (e) {
    throw agentFailed('write local file', `${local}: ${osError(e)}`)
  }
  return 0
}
