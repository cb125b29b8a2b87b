import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isAlive, startTime } from './probe'
import { sleepMs } from './state'

/**
 * The fake VM's "VMM": a long-lived process in its own process group with
 * null stdio, detached like smolvm's `_boot-vm`. Its pid is the machine's pid;
 * killing it is a VM dying. It also ends (dropping its network namespace, if
 * `netns` is given) when its data dir disappears, so a test that deletes its
 * HOME without stopping leaves nothing behind.
 */
export function spawnVmm(
  vmDir: string,
  netns: string | null,
): { pid: number; start: string | null } {
  const script =
    'while [ -e "$VM_DIR/name" ]; do sleep 1; done; [ -z "$NS" ] || ip netns del "$NS" 2>/dev/null'
  const child = spawn('/bin/sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`,
      VM_DIR: vmDir,
      NS: netns ?? '',
    },
  })
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error('could not spawn the VM process')
  return { pid, start: startTime(pid) }
}

/** Ends a process group: SIGTERM, then SIGKILL after `graceMs` (smolvm: 2 s, then 3 s). */
export function killGroup(pid: number, graceMs = 2000): void {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        // already gone
      }
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) sleepMs(20)
  if (isAlive(pid)) signal('SIGKILL')
}

/** Execs running in a VM, so that stopping the VM ends them as it would in a real guest. */
function execDir(vmDir: string): string {
  return join(vmDir, 'exec')
}

export function registerExec(vmDir: string, pid: number, ownGroup: boolean): () => void {
  mkdirSync(execDir(vmDir), { recursive: true })
  const file = join(execDir(vmDir), String(pid))
  writeFileSync(file, ownGroup ? 'group' : 'process')
  return () => rmSync(file, { force: true })
}

export function killExecs(vmDir: string): void {
  let pids: string[]
  try {
    pids = readdirSync(execDir(vmDir))
  } catch {
    return
  }
  for (const p of pids) {
    const file = join(execDir(vmDir), p)
    let kind = 'process'
    try {
      kind = readFileSync(file, 'utf8')
    } catch {
      // removed by its exec as it ended
    }
    try {
      process.kill(kind === 'group' ? -Number(p) : Number(p), 'SIGKILL')
    } catch {
      // already gone
    }
    rmSync(file, { force: true })
  }
}
