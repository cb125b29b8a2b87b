import { RpcError } from '../../../src-shared/rpc/errors'
import { isSecretEnvKey } from '../base/redact'
import type { GuestEnvVar, MachineCreateOptions, SmolvmVersion, VolumeSpec } from './types'
import { smolvmFeatures } from './version'

/**
 * Pure argv builders for the smolvm CLI, one per command, per version
 * (shared/reference/smolvm-cli.md). Rules kept everywhere: an explicit machine
 * name (never the implicit `default`), `machine exec --name` (exec has no
 * `-n`), every flag before `--`, and secret values never in argv: a secret is
 * a bare `-e KEY` whose value the caller puts in smolvm's own environment.
 */

/** The name rule smolvm enforces (validate_vm_name), checked before a name reaches argv. */
const MACHINE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_]|-(?!-))*$/
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Keys that would change smolvm's own behaviour if a secret were put in its environment. */
const RESERVED_HOST_KEYS = /^(PATH|HOME|USER|TMPDIR|RUST_LOG|LD_\w+|DYLD_\w+|SMOLVM_\w+)$/

export function assertMachineName(name: string): void {
  if (name.length === 0 || name.length > 128 || !MACHINE_NAME.test(name) || name.endsWith('-')) {
    throw invalid(
      `invalid machine name ${JSON.stringify(name)}: 1-128 of [A-Za-z0-9_-], starting with a letter or digit, no trailing or doubled '-'`,
    )
  }
}

function assertGuestPath(what: string, path: string): void {
  if (!path.startsWith('/'))
    throw invalid(`${what}: guest path must be absolute (got ${JSON.stringify(path)})`)
}

function assertHostPath(what: string, path: string): void {
  if (!path.startsWith('/'))
    throw invalid(`${what}: host path must be absolute (got ${JSON.stringify(path)})`)
  // smolvm splits `-v` and `cp` operands on ':'; such a path cannot be expressed.
  if (path.includes(':'))
    throw invalid(`${what}: smolvm cannot take a host path containing ':' (${path})`)
}

/** A secret goes by reference; a key that merely looks secret is treated as one too. */
export function isSecretEnv(v: GuestEnvVar): boolean {
  return v.secret || isSecretEnvKey(v.key)
}

/** `-e` arguments plus the environment smolvm needs to resolve the bare (secret) ones. */
export function envArgs(env: readonly GuestEnvVar[] = []): {
  args: string[]
  hostEnv: Record<string, string>
} {
  const args: string[] = []
  const hostEnv: Record<string, string> = {}
  for (const v of env) {
    if (!ENV_KEY.test(v.key)) throw invalid(`invalid guest env key ${JSON.stringify(v.key)}`)
    if (isSecretEnv(v)) {
      if (RESERVED_HOST_KEYS.test(v.key)) {
        throw invalid(
          `secret guest env ${v.key}: this key cannot be passed by reference (it would change smolvm's own environment)`,
        )
      }
      args.push('-e', v.key)
      hostEnv[v.key] = v.value
    } else {
      args.push('-e', `${v.key}=${v.value}`)
    }
  }
  return { args, hostEnv }
}

/** `machine create|delete|data-dir` name the machine positionally up to 1.0.1, with `--name` from 1.0.2. */
function nameArgs(version: SmolvmVersion, name: string): string[] {
  assertMachineName(name)
  return smolvmFeatures(version).nameFlag ? ['--name', name] : [name]
}

function volumeArg(v: VolumeSpec): string {
  assertHostPath('volume', v.host)
  assertGuestPath('volume', v.guest)
  if (v.guest.includes(':')) throw invalid(`volume: guest path cannot contain ':' (${v.guest})`)
  return `${v.host}:${v.guest}${v.readOnly ? ':ro' : ''}`
}

export function versionArgv(): string[] {
  return ['--version']
}

export function packCreateArgv(o: {
  image: string
  output: string
  cpus?: number
  memoryMib?: number
}): string[] {
  if (!o.image.trim()) throw invalid('pack create: image reference must not be empty')
  assertHostPath('pack output', o.output)
  if (/\.smolmachine$/i.test(o.output)) {
    throw invalid(
      `pack create: pass the output without .smolmachine (got ${o.output}); smolvm adds it for the sidecar`,
    )
  }
  const args = ['pack', 'create', '--image', o.image, '-o', o.output]
  if (o.cpus !== undefined) args.push('--cpus', String(o.cpus))
  if (o.memoryMib !== undefined) args.push('--mem', String(o.memoryMib))
  return args
}

export function machineCreateArgv(
  version: SmolvmVersion,
  o: Omit<MachineCreateOptions, 'signal'>,
): { args: string[]; hostEnv: Record<string, string> } {
  assertHostPath('--from', o.from)
  const args = ['machine', 'create', ...nameArgs(version, o.name), '--from', o.from]
  for (const cidr of o.allowCidrs) args.push('--allow-cidr', cidr)
  const env = envArgs(o.env)
  args.push(...env.args)
  if (o.cpus !== undefined) args.push('--cpus', String(o.cpus))
  if (o.memoryMib !== undefined) args.push('--mem', String(o.memoryMib))
  for (const v of o.volumes ?? []) args.push('-v', volumeArg(v))
  if (o.workdir !== undefined) {
    assertGuestPath('workdir', o.workdir)
    args.push('-w', o.workdir)
  }
  return { args, hostEnv: env.hostEnv }
}

export function machineStartArgv(name: string): string[] {
  assertMachineName(name)
  return ['machine', 'start', '--name', name]
}

export function machineStopArgv(name: string): string[] {
  assertMachineName(name)
  return ['machine', 'stop', '--name', name]
}

/** Always `-f`: without it smolvm stops the VM, asks on stdin, and on EOF keeps the machine. */
export function machineDeleteArgv(version: SmolvmVersion, name: string): string[] {
  return ['machine', 'delete', ...nameArgs(version, name), '-f']
}

export function machineListArgv(): string[] {
  return ['machine', 'ls', '--json']
}

export function machineStatusArgv(name: string): string[] {
  assertMachineName(name)
  return ['machine', 'status', '--name', name, '--json']
}

export function dataDirArgv(version: SmolvmVersion, name: string): string[] {
  return ['machine', 'data-dir', ...nameArgs(version, name)]
}

export interface ExecArgvOptions {
  workdir?: string
  env?: readonly GuestEnvVar[]
  /** `-i`: stdin piped to the guest. */
  interactive?: boolean
  /** `--stream`: output as produced instead of at exit. */
  stream?: boolean
  /** `--timeout`: smolvm kills the guest command and exits 124. */
  timeoutMs?: number
}

export function machineExecArgv(
  name: string,
  command: readonly string[],
  o: ExecArgvOptions = {},
): { args: string[]; hostEnv: Record<string, string> } {
  assertMachineName(name)
  if (command.length === 0) throw invalid('exec: empty command')
  const args = ['machine', 'exec', '--name', name]
  if (o.workdir !== undefined) {
    assertGuestPath('workdir', o.workdir)
    args.push('-w', o.workdir)
  }
  const env = envArgs(o.env)
  args.push(...env.args)
  if (o.interactive) args.push('-i')
  if (o.stream) args.push('--stream')
  if (o.timeoutMs !== undefined) {
    if (!(o.timeoutMs >= 1))
      throw invalid(`exec: timeout must be at least 1 ms (got ${o.timeoutMs})`)
    args.push('--timeout', `${Math.ceil(o.timeoutMs)}ms`)
  }
  args.push('--', ...command)
  return { args, hostEnv: env.hostEnv }
}

/**
 * The interactive session, for node-pty: `exec --name N -i -t -e TERM=… -e LANG=… -w DIR [-e …] -- CMD`.
 * TERM is explicit because smolvm before 1.7.6 sets none in the guest; LANG because images set none.
 */
export function sessionArgv(
  name: string,
  o: { workdir: string; env: readonly GuestEnvVar[]; command: readonly string[] },
): { args: string[]; hostEnv: Record<string, string> } {
  assertMachineName(name)
  assertGuestPath('workdir', o.workdir)
  if (o.command.length === 0) throw invalid('session: empty command')
  const term = o.env.some((v) => v.key === 'TERM') ? [] : ['-e', 'TERM=xterm-256color']
  // A UTF-8 locale, or bash's readline mangles anything typed beyond ASCII
  // (images set none; C.UTF-8 is in glibc ≥ 2.35 and Debian's, musl ignores it).
  const locale = o.env.some((v) => v.key === 'LANG' || v.key === 'LC_ALL')
    ? []
    : ['-e', 'LANG=C.UTF-8']
  const env = envArgs(o.env)
  const args = [
    'machine',
    'exec',
    '--name',
    name,
    '-i',
    '-t',
    ...term,
    ...locale,
    '-w',
    o.workdir,
    ...env.args,
    '--',
    ...o.command,
  ]
  return { args, hostEnv: env.hostEnv }
}

export function cpInArgv(name: string, hostPath: string, guestPath: string): string[] {
  assertMachineName(name)
  assertHostPath('cp source', hostPath)
  assertGuestPath('cp destination', guestPath)
  return ['machine', 'cp', hostPath, `${name}:${guestPath}`]
}

export function cpOutArgv(name: string, guestPath: string, hostPath: string): string[] {
  assertMachineName(name)
  assertGuestPath('cp source', guestPath)
  assertHostPath('cp destination', hostPath)
  return ['machine', 'cp', `${name}:${guestPath}`, hostPath]
}

/** What a caller passed cannot be said on smolvm's command line: the caller's input, not a bug. */
function invalid(message: string): RpcError {
  return new RpcError('INVALID_PARAMS', message)
}
