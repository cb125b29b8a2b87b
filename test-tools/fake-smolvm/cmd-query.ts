import { has, one } from './clap'
import { out, resolvedState, statusJson, type Invocation } from './context'
import { configFailed, vmNotFound } from './fail'
import { readRegistry, vmDataDir } from './state'
import { since } from './version'

export function machineStatus(inv: Invocation): number {
  const name = one(inv.parsed, 'name')
  const label = name ?? 'default'
  const r = readRegistry().vms[label]
  if (has(inv.parsed, 'json')) {
    if (!r) throw configFailed('machine status', `machine '${label}' not found`)
    out(JSON.stringify(statusJson(r), null, 2))
    return 0
  }
  if (r && resolvedState(r) === 'running') {
    out(`Machine '${label}': running (PID: ${r.pid})`)
    return 0
  }
  if (!r && name !== undefined) throw vmNotFound(name)
  out(`Machine '${label}': not running`)
  return 0
}

export function machineList(inv: Invocation): number {
  const vms = Object.values(readRegistry().vms)
  if (has(inv.parsed, 'json')) {
    out(vms.length ? JSON.stringify(vms.map(statusJson), null, 2) : '[]')
    return 0
  }
  if (!vms.length) {
    out('No machines found')
    return 0
  }
  const row = (cells: (string | number)[]): string =>
    cells
      .map((c, i) =>
        i < 2
          ? String(c).padEnd(i === 0 ? 20 : 12)
          : String(c).padStart([5, 10, 7, 7, 8, 8][i - 2] as number),
      )
      .join(' ')
  out(row(['NAME', 'STATE', 'CPUS', 'MEMORY', 'MOUNTS', 'PORTS', 'STORAGE', 'OVERLAY']))
  out('-'.repeat(88))
  for (const r of vms) {
    out(
      row([
        r.name.slice(0, 18),
        resolvedState(r),
        r.cpus,
        `${r.mem} MiB`,
        r.mounts.length,
        r.ports.length,
        `${r.storageGb ?? 20} GiB`,
        `${r.overlayGb ?? 10} GiB`,
      ]),
    )
    if (has(inv.parsed, 'verbose')) {
      if (r.pid !== null) out(`  PID: ${r.pid}`)
      for (const [host, guest, ro] of r.mounts)
        out(`  Mount: ${host} -> ${guest}${ro ? ' (ro)' : ''}`)
      for (const [host, guest] of r.ports) out(`  Port: ${host} -> ${guest}`)
      if (r.network) out('  Network: enabled')
      for (const [k, v] of r.env) out(`  Env: ${k}=${v}`)
      if (r.workdir) out(`  Workdir: ${r.workdir}`)
      out('')
    }
  }
  return 0
}

export function machineDataDir(inv: Invocation): number {
  const name = (
    since(inv.version, '1.0.2') ? one(inv.parsed, 'name') : inv.parsed.positionals.get('name')?.[0]
  ) as string
  if (!readRegistry().vms[name]) throw vmNotFound(name)
  out(vmDataDir(name))
  return 0
}
