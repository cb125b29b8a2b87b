import type { CommandInput, CommandResult } from '../base/exec'

/**
 * The smolvm wrapper's public surface. The launch code and the reconcile code
 * use only this; the implementation (smolvm.ts) maps it onto the real CLI of
 * each version, per ../shared/reference/smolvm-cli.md.
 */

export interface SmolvmVersion {
  raw: string
  major: number
  minor: number
  patch: number
}

/** An env var for the guest. Secret values never go into argv (bare `-e KEY`). */
export interface GuestEnvVar {
  key: string
  value: string
  secret: boolean
}

export interface VolumeSpec {
  host: string
  guest: string
  readOnly: boolean
}

export interface MachineCreateOptions {
  name: string
  /** The `.smolmachine` sidecar from the pack cache. */
  from: string
  /** Each becomes `--allow-cidr`; e.g. `<bundle-ip>/32`. */
  allowCidrs: readonly string[]
  env: readonly GuestEnvVar[]
  cpus?: number
  memoryMib?: number
  volumes?: readonly VolumeSpec[]
  workdir?: string
  signal?: AbortSignal
}

/** One element of `machine ls --json` (v0.8.2 shape; later keys are kept in `raw`). */
export interface MachineInfo {
  name: string
  state: 'created' | 'running' | 'stopped' | 'failed' | 'unreachable' | 'frozen' | (string & {})
  pid: number | null
  cpus: number | null
  memoryMib: number | null
  createdAt: number | null
  image: string | null
  ephemeral: boolean
  network: boolean
  raw: Record<string, unknown>
}

export interface ExecOptions {
  workdir?: string
  env?: readonly GuestEnvVar[]
  timeoutMs: number
  /** Piped to the guest's stdin (`-i`). */
  input?: CommandInput
  signal?: AbortSignal
}

export interface StreamingExec {
  /** Resolves with the guest's exit code when the command ends. */
  done: Promise<CommandResult>
  onStdout(listener: (chunk: string) => void): void
  onStderr(listener: (chunk: string) => void): void
  kill(): void
}

/** argv and environment for node-pty (`machine exec -i -t …`). */
export interface PtyCommand {
  file: string
  args: string[]
  /** Added to the host environment of the smolvm process; carries secret values. */
  env: Record<string, string>
}

export interface PackResult {
  /** The executable stub smolvm writes at `-o PATH`. */
  stub: string
  /** `PATH.smolmachine`, what `machine create --from` takes. */
  sidecar: string
}

export interface Smolvm {
  readonly binary: string
  version(): Promise<SmolvmVersion>
  packCreate(options: {
    image: string
    /** Without the .smolmachine suffix (smolvm ≥1.7 refuses it; earlier ones double it). */
    output: string
    cpus?: number
    memoryMib?: number
    timeoutMs?: number
    signal?: AbortSignal
  }): Promise<PackResult>
  machineCreate(options: MachineCreateOptions): Promise<void>
  machineStart(name: string, options?: { signal?: AbortSignal }): Promise<void>
  /** Idempotent: a stopped machine is fine. */
  machineStop(name: string, options?: { signal?: AbortSignal }): Promise<void>
  /** `delete -f`; `vm not found` counts as done. */
  machineDelete(name: string): Promise<{ existed: boolean }>
  /** `ls --json`, ephemeral machines filtered out. */
  machineList(): Promise<MachineInfo[]>
  /** `status --json`; null when smolvm does not know the machine. */
  machineStatus(name: string): Promise<MachineInfo | null>
  /** Captured exec; the guest's exit code is in the result, smolvm's own failures throw. */
  exec(name: string, argv: readonly string[], options: ExecOptions): Promise<CommandResult>
  /** `exec --stream`: output as it is produced. */
  execStream(name: string, argv: readonly string[], options: ExecOptions): StreamingExec
  cpIn(
    name: string,
    hostPath: string,
    guestPath: string,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<void>
  cpOut(
    name: string,
    guestPath: string,
    hostPath: string,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<void>
  dataDir(name: string): Promise<string>
  /** The interactive session command line, for node-pty. */
  sessionCommand(
    name: string,
    options: { workdir: string; env: readonly GuestEnvVar[]; command: readonly string[] },
  ): Promise<PtyCommand>
}

/** What went wrong, as far as smolvm's exit code and stderr tell. */
export type SmolvmErrorKind =
  /** clap rejected the argv (exit 2). A bug in the wrapper, or a version mismatch. */
  | 'usage'
  | 'not-found'
  | 'already-exists'
  | 'not-running'
  | 'kvm'
  | 'timeout'
  | 'not-installed'
  | 'other'
