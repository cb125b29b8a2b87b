import { appendFileSync, existsSync, mkdirSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { has, one } from './clap'
import { readControl } from './control'
import { err, out, resolvedState, type Invocation } from './context'
import { agentFailed, configFailed, Unemulated, vmNotFound } from './fail'
import {
  enforcementUnavailable,
  netnsNameFor,
  planNetwork,
  setupNetns,
  sweepStaleNetns,
  teardownNetns,
} from './netns'
import { vmDataDir, withDb, type VmRecord } from './state'
import { since } from './version'
import { killExecs, killGroup, spawnVmm } from './vmm'

function consoleLog(name: string, line: string): void {
  const dir = vmDataDir(name)
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, 'agent-console.log'), `${new Date().toISOString()} ${line}\n`)
}

/** Drops what a VM that died on its own left behind (its namespace). */
function reapDead(r: VmRecord): void {
  if (r.netns && resolvedState(r) !== 'running') {
    teardownNetns(r.netns)
    r.netns = null
  }
}

/** Stops a running VM: its execs, its VMM (SIGTERM, then SIGKILL), its namespace. */
function stopVm(r: VmRecord): void {
  const dir = vmDataDir(r.name)
  killExecs(dir)
  if (r.pid !== null) killGroup(r.pid)
  if (r.netns) teardownNetns(r.netns)
  r.state = 'stopped'
  r.pid = null
  r.pidStartTime = null
  r.netns = null
  consoleLog(r.name, 'fake-smolvm: VM stopped')
}

function explicitName(inv: Invocation, what: string): string {
  const name = one(inv.parsed, 'name')
  // Without a name smolvm targets (and `start` even creates) the machine `default`.
  if (name === undefined)
    throw new Unemulated(`does not play '${what}' without --name (the implicit 'default' machine)`)
  return name
}

export function machineStart(inv: Invocation): number {
  const name = explicitName(inv, 'machine start')
  if (!enforcementUnavailable()) sweepStaleNetns()
  return withDb((db) => {
    const r = db.vms[name]
    if (!r) throw vmNotFound(name)
    if (resolvedState(r) === 'running') {
      out(`Machine '${name}' already running (PID: ${r.pid})`)
      return 0
    }
    reapDead(r)
    if (!since(inv.version, '1.0.0') && r.sourceSmolmachine && !existsSync(r.sourceSmolmachine)) {
      throw agentFailed(
        'start machine',
        `source .smolmachine not found: ${r.sourceSmolmachine}\nThe file may have been moved or deleted.`,
      )
    }
    for (const other of Object.values(db.vms)) {
      if (other.name === name || resolvedState(other) !== 'running') continue
      const clash = other.ports.find(([h]) => r.ports.some(([mine]) => mine === h))
      if (clash)
        throw configFailed(
          'start machine',
          `host port ${clash[0]} is already in use by running machine '${other.name}'`,
        )
    }
    if (
      r.image &&
      !r.sourceSmolmachine &&
      !r.initCompleted &&
      !r.network &&
      !r.allowedCidrs?.length
    ) {
      // The image is pulled inside the guest at first start, which needs a network.
      throw agentFailed(
        'pull image',
        `failed to pull ${r.image}: network is unreachable (create the machine with --net)`,
      )
    }
    let network: ReturnType<typeof planNetwork>
    try {
      network = readControl().leakNetwork
        ? {
            plan: { kind: 'host' },
            warning: 'leakNetwork (fault injection): egress policy NOT enforced',
          }
        : planNetwork(r)
    } catch (e) {
      throw agentFailed('start machine', `fake smolvm ${(e as Error).message}`)
    }
    const { plan } = network
    const mounts = r.mounts.length ? ` with ${r.mounts.length} mount(s)` : ''
    const ports = r.ports.length ? ` and ${r.ports.length} port mapping(s)` : ''
    err(`Starting machine '${name}'${mounts}${ports}...`)

    const dir = vmDataDir(name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'name'), name)
    if (network.warning) consoleLog(name, `fake-smolvm: WARNING ${network.warning}`)
    const vmm = spawnVmm(dir, plan.kind === 'host' ? null : netnsNameFor(dir))
    try {
      r.netns = plan.kind === 'host' ? null : setupNetns(plan, dir, vmm)
    } catch (e) {
      killGroup(vmm.pid, 0)
      throw agentFailed(
        'start machine',
        `fake smolvm could not set up the VM's network: ${(e as Error).message}`,
      )
    }
    writeFileSync(join(dir, 'agent.pid'), `${vmm.pid}\n${vmm.start ?? ''}\n`)
    const policy =
      plan.kind === 'policy'
        ? `allow ${plan.cidrs.join(', ')} via ${r.netns?.address} on ${plan.bridge.dev}`
        : plan.kind
    consoleLog(name, `fake-smolvm: VM started (pid ${vmm.pid}), network: ${policy}`)
    r.state = 'running'
    r.pid = vmm.pid
    r.pidStartTime = vmm.start
    if (r.image) r.initCompleted = true
    out(`Machine '${name}' running (PID: ${vmm.pid})`)
    return 0
  })
}

export function machineStop(inv: Invocation): number {
  const name = explicitName(inv, 'machine stop')
  if (!enforcementUnavailable()) sweepStaleNetns()
  return withDb((db) => {
    const r = db.vms[name]
    if (!r) throw vmNotFound(name)
    const state = resolvedState(r)
    if (state !== 'running') {
      reapDead(r)
      out(`Machine '${name}' is not running (state: ${state})`)
      return 0
    }
    out(`Stopping machine '${name}'...`)
    stopVm(r)
    out(`Stopped machine: ${name}`)
    return 0
  })
}

/** One line from stdin, read synchronously; null on EOF or when stdin is closed. */
function readLine(): string | null {
  const buf = Buffer.alloc(1)
  let line = ''
  for (;;) {
    let n: number
    try {
      n = readSync(0, buf, 0, 1, null)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue
      return line || null
    }
    if (n === 0) return line || null
    const c = buf.toString('utf8', 0, n)
    if (c === '\n') return line
    line += c
  }
}

export function machineDelete(inv: Invocation): number {
  const name = (
    since(inv.version, '1.0.2') ? one(inv.parsed, 'name') : inv.parsed.positionals.get('name')?.[0]
  ) as string
  if (!enforcementUnavailable()) sweepStaleNetns()
  // delete_vm: stop a running VM first, then ask (unless -f), then remove.
  withDb((db) => {
    const r = db.vms[name]
    if (!r) throw vmNotFound(name)
    if (resolvedState(r) === 'running') {
      out(`Stopping machine '${name}'...`)
      stopVm(r)
    } else {
      reapDead(r)
    }
  })
  if (!has(inv.parsed, 'force')) {
    process.stderr.write(`Delete machine '${name}'? [y/N] `)
    const answer = readLine()?.trim().toLowerCase()
    if (answer !== 'y' && answer !== 'yes') {
      out('Cancelled')
      return 0
    }
  }
  return withDb((db) => {
    if (!db.vms[name]) throw vmNotFound(name)
    delete db.vms[name]
    const dir = vmDataDir(name)
    if (existsSync(dir)) {
      out(`Cleaning up data directory for vm: ${name}`)
      rmSync(dir, { recursive: true, force: true })
    }
    out(`Deleted machine: ${name}`)
    return 0
  })
}
