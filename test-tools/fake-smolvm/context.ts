import type { Parsed } from './clap'
import type { Control } from './control'
import { vmmAlive } from './probe'
import type { VmRecord } from './state'
import type { Played } from './version'

/** What every subcommand handler gets. Handlers return the exit code. */
export interface Invocation {
  version: Played
  parsed: Parsed
  control: Control
}

export type Handler = (inv: Invocation) => number | Promise<number>

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** state_probe::resolve_state: a `running` record whose VMM is gone reads `stopped`. */
export function resolvedState(r: VmRecord): VmRecord['state'] {
  if (r.state !== 'running') return r.state
  return vmmAlive(r.pid, r.pidStartTime) ? 'running' : 'stopped'
}

/** `machine_status_json` (v0.8.2): the key set of `ls --json` and `status --json`, keys sorted as serde_json prints them. */
export function statusJson(r: VmRecord): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    name: r.name,
    state: resolvedState(r),
    cpus: r.cpus,
    memory_mib: r.mem,
    pid: r.pid,
    mounts: r.mounts.length,
    ports: r.ports.length,
    created_at: r.createdAt,
    storage_gb: r.storageGb,
    overlay_gb: r.overlayGb,
    image: r.image,
    entrypoint: r.entrypoint,
    cmd: r.cmd,
    ephemeral: false,
    gpu: false,
    gpu_vram_mib: null,
    restart_policy: 'never',
    restart_max_retries: 0,
    restart_count: 0,
    health_cmd: null,
    health_interval_secs: null,
    health_timeout_secs: null,
    health_retries: null,
    health_startup_grace_secs: null,
    network: r.network,
  }
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, obj[k]]),
  )
}
