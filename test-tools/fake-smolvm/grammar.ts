import { isIP } from 'node:net'
import type { Flag, Grammar, Positional } from './clap'
import { since, type Played } from './version'

/**
 * smolvm's clap definitions (src/cli/machine.rs, src/cli/pack.rs) for the
 * commands the fake plays, per release. Flags the fake accepts but does not
 * emulate are listed in UNEMULATED; using them is a clear exit-2 error.
 */

function unsigned(max: bigint): (raw: string) => string {
  return (raw) => {
    if (raw === '') throw 'cannot parse integer from empty string'
    if (!/^\+?\d+$/.test(raw)) throw 'invalid digit found in string'
    const n = BigInt(raw)
    if (n > max) throw `${raw} is not in 0..=${max}`
    return String(n)
  }
}

/** smolfile::parse_cidr: an ipnet CIDR, or a bare IP made /32 (/128). */
export function parseCidr(s: string): string {
  const invalid = `invalid CIDR '${s}': expected format like 10.0.0.0/8 or 1.1.1.1`
  const [addr = '', prefix, ...rest] = s.split('/')
  const family = addr.includes('%') ? 0 : isIP(addr)
  if (!family || rest.length > 0) throw invalid
  const max = family === 4 ? 32 : 128
  if (prefix === undefined) return `${addr}/${max}`
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) throw invalid
  return `${addr}/${Number(prefix)}`
}

const UNIT_MS: Record<string, number> = {}
for (const [ms, names] of [
  [1e-6, 'nsec ns'],
  [1e-3, 'usec us'],
  [1, 'msec ms'],
  [1000, 'seconds second secs sec s'],
  [60_000, 'minutes minute mins min m'],
  [3_600_000, 'hours hour hrs hr h'],
  [86_400_000, 'days day d'],
  [604_800_000, 'weeks week w'],
  [2_630_016_000, 'months month M'],
  [31_557_600_000, 'years year y'],
] as const) {
  for (const n of names.split(' ')) UNIT_MS[n] = ms
}

/** humantime::parse_duration plus smolvm's non-zero rule; the value is milliseconds. */
export function parseDuration(s: string): string {
  if (s.trim() === '') throw 'value was empty'
  let total = 0
  let rest = s
  while (rest.length) {
    const m = /^\s*(\d+)\s*([A-Za-z]*)/.exec(rest)
    if (!m) throw `expected number at ${s.length - rest.length}`
    if (!m[2]) throw 'time unit needed, for example 10sec or 10ms'
    const unit = UNIT_MS[m[2]]
    if (unit === undefined) {
      throw `unknown time unit "${m[2]}", supported units: ns, us, ms, sec, min, hours, days, weeks, months, years (and few variations)`
    }
    total += Number(m[1]) * unit
    rest = rest.slice(m[0].length)
    if (/^\s+$/.test(rest)) rest = ''
  }
  if (total === 0) throw 'timeout must be greater than 0 (e.g., 5sec, 30s)'
  return String(Math.ceil(total))
}

function parseImage(s: string): string {
  if (s.trim() === '') throw 'image reference must not be empty'
  return s
}

/** PortMapping::parse */
function parsePort(spec: string): string {
  const port = (text: string, what: string, zero: string): number => {
    if (!/^\d+$/.test(text) || Number(text) > 65535) throw `invalid ${what}: ${text}`
    if (Number(text) === 0) throw zero
    return Number(text)
  }
  const i = spec.indexOf(':')
  if (i < 0) {
    const p = port(spec, 'port', 'port 0 is not valid for VM port forwarding')
    return `${p}:${p}`
  }
  const host = port(
    spec.slice(0, i),
    'host port',
    'host port 0 is not valid for VM port forwarding',
  )
  const guest = port(
    spec.slice(i + 1),
    'guest port',
    'guest port 0 is not valid for VM port forwarding',
  )
  return `${host}:${guest}`
}

function choice(values: string[]): (raw: string) => string {
  return (raw) => {
    if (!values.includes(raw)) throw `\n  [possible values: ${values.join(', ')}]`
    return raw
  }
}

const u8 = unsigned(255n)
const u32 = unsigned(4294967295n)
const u64 = unsigned(18446744073709551615n)

const env: Flag = { id: 'env', long: 'env', short: 'e', value: 'KEY=VALUE', multiple: true }
const workdir: Flag = { id: 'workdir', long: 'workdir', short: 'w', value: 'DIR' }
const nameOpt: Flag = { id: 'name', long: 'name', short: 'n', value: 'NAME' }
const secretEnv: Flag = {
  id: 'secret-env',
  long: 'secret-env',
  value: 'GUEST_VAR=HOST_VAR',
  multiple: true,
}
const secretFile: Flag = {
  id: 'secret-file',
  long: 'secret-file',
  value: 'GUEST_VAR=PATH',
  multiple: true,
}

/** `machine create|delete|data-dir` name: positional up to 1.0.1, `-n/--name` from 1.0.2. */
function nameOf(v: Played, required: boolean): { flags: Flag[]; positionals: Positional[] } {
  return since(v, '1.0.2')
    ? { flags: [{ ...nameOpt, required }], positionals: [] }
    : { flags: [], positionals: [{ id: 'name', value: 'NAME', required }] }
}

export function grammarFor(v: Played, path: string): Grammar | null {
  const usage = (rest: string): string => `smolvm ${path} ${rest}`
  switch (path) {
    case 'machine create': {
      const name = nameOf(v, false)
      const flags: Flag[] = [
        ...name.flags,
        { id: 'image', long: 'image', short: 'I', value: 'IMAGE', parse: parseImage },
        { id: 'cpus', long: 'cpus', value: 'N', parse: u8 },
        { id: 'mem', long: 'mem', value: 'MiB', parse: u32 },
        { id: 'storage', long: 'storage', value: 'GiB', parse: u64 },
        { id: 'overlay', long: 'overlay', value: 'GiB', parse: u64 },
        { id: 'volume', long: 'volume', short: 'v', value: 'HOST:GUEST[:ro]', multiple: true },
        {
          id: 'port',
          long: 'port',
          short: 'p',
          value: 'HOST:GUEST',
          multiple: true,
          parse: parsePort,
        },
        { id: 'net', long: 'net' },
        {
          id: 'net-backend',
          long: 'net-backend',
          value: 'NET_BACKEND',
          parse: choice(['tsi', 'virtio-net']),
        },
        { id: 'allow-cidr', long: 'allow-cidr', value: 'CIDR', multiple: true, parse: parseCidr },
        { id: 'allow-host', long: 'allow-host', value: 'HOSTNAME', multiple: true },
        { id: 'outbound-localhost-only', long: 'outbound-localhost-only' },
        { id: 'gpu', long: 'gpu' },
        { id: 'gpu-vram', long: 'gpu-vram', value: 'MiB', parse: unsigned(4294967295n) },
        { id: 'init', long: 'init', value: 'COMMAND', multiple: true },
        env,
        workdir,
        { id: 'ssh-agent', long: 'ssh-agent' },
        { id: 'smolfile', long: 'smolfile', short: 's', value: 'PATH' },
        { id: 'from', long: 'from', value: 'PATH', conflicts: ['image', 'smolfile'] },
        ...(since(v, '1.0.0') ? [secretEnv, secretFile] : []),
      ]
      const positionals: Positional[] = since(v, '1.0.2')
        ? [{ id: 'command', value: 'COMMAND', last: true }]
        : name.positionals
      return {
        path,
        usage: usage(since(v, '1.0.2') ? '[OPTIONS] [-- <COMMAND>...]' : '[OPTIONS] [NAME]'),
        flags,
        positionals,
      }
    }
    case 'machine start':
      return {
        path,
        usage: usage('[OPTIONS]'),
        flags: [
          nameOpt,
          { id: 'proxy', long: 'proxy', value: 'URL' },
          { id: 'no-proxy', long: 'no-proxy', value: 'LIST' },
        ],
        positionals: [],
      }
    case 'machine stop':
      return { path, usage: usage('[OPTIONS]'), flags: [nameOpt], positionals: [] }
    case 'machine delete': {
      const name = nameOf(v, true)
      const flags: Flag[] = [...name.flags, { id: 'force', long: 'force', short: 'f' }]
      if (since(v, '1.7.0')) flags.push({ id: 'cascade', long: 'cascade' })
      return {
        path,
        usage: usage(since(v, '1.0.2') ? '--name <NAME> [OPTIONS]' : '[OPTIONS] <NAME>'),
        flags,
        positionals: name.positionals,
      }
    }
    case 'machine status':
      return {
        path,
        usage: usage('[OPTIONS]'),
        flags: [nameOpt, { id: 'json', long: 'json' }],
        positionals: [],
      }
    case 'machine ls':
      return {
        path,
        usage: usage('[OPTIONS]'),
        flags: [
          { id: 'verbose', long: 'verbose', short: 'v' },
          { id: 'json', long: 'json' },
        ],
        positionals: [],
      }
    case 'machine data-dir': {
      const name = nameOf(v, true)
      return { path, usage: usage(since(v, '1.0.2') ? '--name <NAME>' : '<NAME>'), ...name }
    }
    case 'machine exec': {
      const flags: Flag[] = [
        // exec has no -n, in every release (AGENTS.md says otherwise; the source does not).
        { id: 'name', long: 'name', value: 'NAME' },
        workdir,
        env,
        ...(since(v, '1.0.0') ? [secretEnv, secretFile] : []),
        { id: 'timeout', long: 'timeout', value: 'DURATION', parse: parseDuration },
        { id: 'interactive', long: 'interactive', short: 'i' },
        { id: 'tty', long: 'tty', short: 't' },
        { id: 'stream', long: 'stream' },
      ]
      if (since(v, '1.3.0'))
        flags.push({
          id: 'detach',
          long: 'detach',
          short: 'd',
          conflicts: ['interactive', 'tty', 'stream'],
        })
      return {
        path,
        usage: usage('[OPTIONS] <COMMAND>...'),
        flags,
        positionals: [{ id: 'command', value: 'COMMAND', required: true, trailing: true }],
      }
    }
    case 'machine cp':
      return {
        path,
        usage: usage('<SRC> <DST>'),
        flags: [],
        positionals: [
          { id: 'src', value: 'SRC', required: true },
          { id: 'dst', value: 'DST', required: true },
        ],
      }
    case 'pack create':
      return {
        path,
        usage: usage('[OPTIONS] --output <PATH>'),
        flags: [
          { id: 'image', long: 'image', short: 'I', value: 'IMAGE', conflicts: ['from-vm'] },
          { id: 'from-vm', long: 'from-vm', value: 'VM_NAME' },
          { id: 'output', long: 'output', short: 'o', value: 'PATH', required: true },
          { id: 'cpus', long: 'cpus', value: 'N', parse: u8 },
          { id: 'mem', long: 'mem', value: 'MiB', parse: u32 },
          { id: 'oci-platform', long: 'oci-platform', value: 'OS/ARCH' },
          { id: 'entrypoint', long: 'entrypoint', value: 'CMD' },
          { id: 'no-sign', long: 'no-sign' },
          { id: 'single-file', long: 'single-file' },
          { id: 'smolfile', long: 'smolfile', short: 's', value: 'PATH' },
        ],
        positionals: [],
      }
    default:
      return null
  }
}

/** Real flags whose behaviour the fake does not reproduce: refused rather than silently ignored. */
export const UNEMULATED: Record<string, string[]> = {
  'machine create': [
    'allow-host',
    'init',
    'ssh-agent',
    'smolfile',
    'secret-env',
    'secret-file',
    'gpu',
    'gpu-vram',
  ],
  'machine start': ['proxy', 'no-proxy'],
  'machine delete': ['cascade'],
  'machine exec': ['secret-env', 'secret-file', 'detach'],
  'pack create': ['from-vm', 'smolfile', 'single-file', 'oci-platform', 'entrypoint'],
}

/** Subcommands smolvm has and the fake does not play. */
export const UNPLAYED = new Set([
  'serve',
  'config',
  'machine run',
  'machine update',
  'machine images',
  'machine prune',
  'machine shell',
  'machine monitor',
  'machine resize',
  'machine network-test',
  'pack run',
  'pack push',
  'pack pull',
  'pack inspect',
  'pack prune',
])

export const MACHINE_ALIASES: Record<string, string> = { rm: 'delete', list: 'ls', sh: 'shell' }
