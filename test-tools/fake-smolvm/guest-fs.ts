import { join, posix } from 'node:path'
import type { VmRecord } from './state'
import { vmDataDir } from './state'

/**
 * The guest's file system, on the host: a guest absolute path is inside a
 * `-v` mount when one covers it (longest match), else under
 * `<vm data dir>/rootfs/`. Commands themselves run on the host, so this is
 * what `-w` and `cp` see.
 */
export function guestToHost(
  record: VmRecord,
  guestPath: string,
): { host: string; readOnly: boolean; inMount: boolean } {
  const normal = posix.resolve('/', guestPath)
  const mounts = [...record.mounts].sort((a, b) => b[1].length - a[1].length)
  for (const [host, guest, readOnly] of mounts) {
    const g = posix.resolve('/', guest)
    if (normal === g || normal.startsWith(g === '/' ? '/' : `${g}/`)) {
      return { host: join(host, posix.relative(g, normal)), readOnly, inMount: true }
    }
  }
  return { host: join(rootfs(record.name), normal), readOnly: false, inMount: false }
}

export function rootfs(name: string): string {
  return join(vmDataDir(name), 'rootfs')
}
