import { readFileSync } from 'node:fs'

/** /proc/<pid>/stat fields after the command name: state is field 3, starttime field 22. */
function procStat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** Alive and not a zombie (an unreaped killed VMM must count as dead). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
  const stat = procStat(pid)
  return stat === null || stat[0] !== 'Z'
}

/** The process start time (clock ticks since boot) where /proc has it, to tell a reused pid apart. */
export function startTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null
}

/** What smolvm's state probe decides from a recorded VMM pid. */
export function vmmAlive(pid: number | null, recordedStart: string | null): boolean {
  if (pid === null || !isAlive(pid)) return false
  return recordedStart === null || startTime(pid) === recordedStart
}
