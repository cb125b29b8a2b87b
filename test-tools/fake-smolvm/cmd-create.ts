import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, posix, resolve } from 'node:path'
import { all, has, one } from './clap'
import { err, out, type Invocation } from './context'
import { agentFailed, configFailed, Failure, mountFailed } from './fail'
import { validateVmName } from './names'
import { vmDataDir, withDb, type VmRecord } from './state'
import { since, type Played } from './version'

const DEFAULT_CPUS = 4
const DEFAULT_MEM = 8192

/** The manifest the fake's `pack create` writes as the sidecar (real ones are binary). */
export interface SidecarManifest {
  fake_smolvm_sidecar: 1
  mode: 'container'
  image: string
  digest: string
  platform: string
  host_platform: string
  cpus: number
  mem: number
  network: boolean
  gpu: boolean
  entrypoint: string[]
  cmd: string[]
  env: string[]
  workdir: string | null
  created: string
  smolvm_version: string
}

/** util::parse_env_list: `K=V`, or a bare `K` copied from smolvm's own env; malformed or unset ones are skipped. */
export function parseEnvList(v: Played, specs: string[]): [string, string][] {
  const env: [string, string][] = []
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    if (eq > 0) env.push([spec.slice(0, eq), spec.slice(eq + 1)])
    else if (eq < 0 && spec && since(v, '0.8.1') && process.env[spec] !== undefined)
      env.push([spec, process.env[spec] as string])
  }
  return env
}

/** Later entries override earlier ones with the same key (merge_env_overrides). */
export function mergeEnv(...lists: [string, string][][]): [string, string][] {
  const merged = new Map<string, string>()
  for (const list of lists) for (const [k, v] of list) merged.set(k, v)
  return [...merged]
}

const PROTECTED_LINUX: [string, boolean][] = [
  ['/', false],
  ['/var', false],
  ['/var/run', true],
  ['/var/log', true],
  ['/etc', true],
  ['/usr', true],
  ['/bin', true],
  ['/sbin', true],
  ['/lib', true],
  ['/proc', true],
  ['/sys', true],
  ['/dev', true],
  ['/run', true],
]
const PROTECTED_DARWIN: [string, boolean][] = [
  ['/', false],
  ['/private/var', false],
  ['/private/var/run', true],
  ['/private/var/log', true],
  ['/private/etc', true],
  ['/usr', true],
  ['/bin', true],
  ['/sbin', true],
  ['/lib', true],
  ['/System', true],
  ['/Library', true],
]

/** HostMount::parse: `host:guest[:ro|:rw]`, host an existing directory (canonicalised), guest absolute, no duplicate targets. */
function parseVolumes(specs: string[]): [string, string, boolean][] {
  const mounts: [string, string, boolean][] = []
  for (const spec of specs) {
    const parts = spec.split(':')
    const [source, target, mode] = parts
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      (mode !== undefined && mode !== 'ro' && mode !== 'rw')
    ) {
      throw new Failure(
        `invalid mount path: invalid format '${spec}' (expected host:guest[:ro|:rw])`,
      )
    }
    const host = resolve(source as string)
    if (!existsSync(host)) throw new Failure(`mount source not found: ${source}`)
    if (!statSync(host).isDirectory()) {
      throw mountFailed(
        'validate host path',
        `source path on host must be a directory (virtiofs limitation): ${source}`,
      )
    }
    const canonical = realpathSync(host)
    const protectedPaths = process.platform === 'darwin' ? PROTECTED_DARWIN : PROTECTED_LINUX
    for (const [p, subtree] of protectedPaths) {
      if (canonical === p || (subtree && canonical.startsWith(`${p}/`))) {
        throw mountFailed(
          'validate host path',
          `source path on host is a protected system path and cannot be mounted: ${canonical}`,
        )
      }
    }
    if (!isAbsolute(target as string)) {
      throw mountFailed(
        'validate guest path',
        `target path on guest should be an absolute directory: ${target}`,
      )
    }
    mounts.push([canonical, posix.normalize(target as string), mode === 'ro'])
  }
  const seen = new Set<string>()
  for (const [, target] of mounts) {
    if (seen.has(target))
      throw mountFailed(
        'validate mounts',
        `duplicate mount target: ${target} is specified more than once`,
      )
    seen.add(target)
  }
  return mounts
}

function validateResources(cpus: number, mem: number): void {
  if (cpus === 0) throw configFailed('validate resources', 'CPU count must be at least 1')
  if (cpus > 16) {
    err(
      `warning: requested ${cpus} vCPUs but the hypervisor supports at most 16; the VM will run with 16 vCPUs`,
    )
  }
  if (mem < 64)
    throw configFailed('validate resources', `memory must be at least 64 MiB (got ${mem} MiB)`)
}

function egress(inv: Invocation): { cidrs: string[]; net: boolean } {
  const cidrs = [...all(inv.parsed, 'allow-cidr')]
  if (has(inv.parsed, 'outbound-localhost-only')) cidrs.push('127.0.0.0/8', '::1/128')
  return { cidrs, net: has(inv.parsed, 'net') || cidrs.length > 0 }
}

function readSidecar(path: string): SidecarManifest {
  let manifest: SidecarManifest
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as SidecarManifest
  } catch {
    throw agentFailed('read .smolmachine', `invalid sidecar (no SMOLPACK footer): ${path}`)
  }
  if (manifest.fake_smolvm_sidecar !== 1)
    throw agentFailed('read .smolmachine', `invalid sidecar (no SMOLPACK footer): ${path}`)
  return manifest
}

export function machineCreate(inv: Invocation): number {
  const { version: v, parsed } = inv
  const name =
    (since(v, '1.0.2') ? one(parsed, 'name') : parsed.positionals.get('name')?.[0]) ??
    `vm-${randomBytes(4).toString('hex')}`
  const cpusFlag = Number(one(parsed, 'cpus') ?? DEFAULT_CPUS)
  const memFlag = Number(one(parsed, 'mem') ?? DEFAULT_MEM)
  const cliEnv = parseEnvList(v, all(parsed, 'env'))
  const from = one(parsed, 'from')
  let fields: Pick<
    VmRecord,
    | 'cpus'
    | 'mem'
    | 'network'
    | 'allowedCidrs'
    | 'env'
    | 'workdir'
    | 'image'
    | 'entrypoint'
    | 'cmd'
    | 'sourceSmolmachine'
  >

  if (from !== undefined) {
    // run_from_smolmachine: the manifest's workdir always wins over -w; before 1.8.0
    // the egress flags are dropped (allowed_cidrs: None, net = --net || manifest.network).
    if (!existsSync(from)) throw configFailed('create from .smolmachine', `file not found: ${from}`)
    const manifest = readSidecar(from)
    out('Extracting .smolmachine assets...')
    const cpus = cpusFlag !== DEFAULT_CPUS ? cpusFlag : manifest.cpus
    const mem = memFlag !== DEFAULT_MEM ? memFlag : manifest.mem
    if (since(v, '0.9.0')) validateResources(cpus, mem)
    let network = has(parsed, 'net') || manifest.network
    let allowedCidrs: string[] | null = null
    if (since(v, '1.8.0')) {
      const e = egress(inv)
      network = network || e.net
      allowedCidrs = e.cidrs.length ? e.cidrs : null
    }
    fields = {
      cpus,
      mem,
      network,
      allowedCidrs,
      env: mergeEnv(parseEnvList(v, manifest.env), cliEnv),
      workdir: manifest.workdir,
      image: manifest.image,
      entrypoint: manifest.entrypoint,
      cmd: manifest.cmd,
      sourceSmolmachine: realpathSync(from),
    }
  } else {
    const e = egress(inv)
    validateResources(cpusFlag, memFlag)
    fields = {
      cpus: cpusFlag,
      mem: memFlag,
      network: e.net,
      allowedCidrs: e.cidrs.length ? e.cidrs : null,
      env: cliEnv,
      workdir: one(parsed, 'workdir') ?? null,
      image: one(parsed, 'image') ?? null,
      entrypoint: [],
      cmd: parsed.positionals.get('command') ?? [],
      sourceSmolmachine: null,
    }
  }
  const ports = all(parsed, 'port').map((p) => p.split(':').map(Number) as [number, number])
  const hostPorts = new Set<number>()
  for (const [host] of ports) {
    if (hostPorts.has(host)) throw configFailed('validate ports', `duplicate host port: ${host}`)
    hostPorts.add(host)
  }

  withDb((db) => {
    const bad = validateVmName(name)
    if (bad) throw configFailed('create machine', bad)
    if (db.vms[name]) {
      throw configFailed(
        'create machine',
        `machine '${name}' already exists${since(v, '1.0.0') ? ' or is being created' : ''}`,
      )
    }
    const record: VmRecord = {
      name,
      state: 'created',
      ...fields,
      storageGb: one(parsed, 'storage') !== undefined ? Number(one(parsed, 'storage')) : null,
      overlayGb: one(parsed, 'overlay') !== undefined ? Number(one(parsed, 'overlay')) : null,
      mounts: parseVolumes(all(parsed, 'volume')),
      ports,
      netBackend: one(parsed, 'net-backend') ?? null,
      createdAt: Math.floor(Date.now() / 1000),
      pid: null,
      pidStartTime: null,
      initCompleted: false,
      netns: null,
    }
    const dir = vmDataDir(name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'name'), name)
    db.vms[name] = record
  })

  out(`Created machine: ${name}`)
  out(`  CPUs: ${fields.cpus}, Memory: ${fields.mem} MiB`)
  const volumes = all(parsed, 'volume').length
  if (volumes) out(`  Mounts: ${volumes}`)
  if (ports.length) out(`  Ports: ${ports.length}`)
  out(`\nUse 'smolvm machine start --name ${name}' to start the machine`)
  out(`Then use 'smolvm machine exec --name ${name} -- <command>' to run commands`)
  return 0
}
