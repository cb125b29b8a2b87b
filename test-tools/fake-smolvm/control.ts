import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { sleepMs, withLock } from './state'

/**
 * The fake's knobs, re-read on every invocation so a test can change a
 * running backend's smolvm: `$HOME/.smolvm-fake/control.json`
 * `{ version?, fail?: { "<machine.start>": { message, exitCode?, times? } },
 *    latencyMs?: { "<machine.start>": n }, digests?: { "<ref>": "sha256:…" },
 *    leakNetwork?: true }`
 * plus SMOLVM_FAKE_VERSION, SMOLVM_FAKE_FAIL=machine.start,pack.create and
 * SMOLVM_FAKE_LATENCY_MS=machine.start:300. The control file wins over the env.
 */

export interface FailRule {
  message: string
  exitCode?: number
  /** Fail this many more times, then succeed (counted down in the file). */
  times?: number
}

export interface Control {
  version?: string
  fail?: Record<string, FailRule>
  latencyMs?: Record<string, number>
  digests?: Record<string, string>
  /**
   * Fault injection: VMs started from now on ignore their `--allow-cidr` policy
   * and get the host's network, as a smolvm egress bug would leave them (what
   * the boot self-test exists to catch).
   */
  leakNetwork?: boolean
}

export function fakeDir(): string {
  return join(homedir(), '.smolvm-fake')
}

function controlPath(): string {
  return join(fakeDir(), 'control.json')
}

export function readControl(): Control {
  const path = controlPath()
  if (!existsSync(path)) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Control
  } catch (e) {
    throw new Error(`fake smolvm: ${path} is not valid JSON: ${(e as Error).message}`)
  }
}

function envList(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

export function playedVersion(control: Control): string {
  return control.version ?? process.env.SMOLVM_FAKE_VERSION ?? '1.9.3'
}

export function latencyFor(control: Control, key: string): number {
  const fromFile = control.latencyMs?.[key]
  if (fromFile !== undefined) return fromFile
  for (const item of envList('SMOLVM_FAKE_LATENCY_MS')) {
    const [k, ms] = item.split(':')
    if (k === key && ms) return Number(ms)
  }
  return 0
}

/** The failure to inject for this subcommand, if any (consuming one of its `times`). */
export function takeFailure(control: Control, key: string): FailRule | null {
  const rule = control.fail?.[key]
  if (!rule)
    return envList('SMOLVM_FAKE_FAIL').includes(key)
      ? { message: `injected failure (${key})` }
      : null
  if (rule.times === undefined) return rule
  // Counted down under a lock: concurrent invocations must not both take the last one.
  return withLock(controlPath(), () => {
    const current = readControl()
    const now = current.fail?.[key]
    if (!now || (now.times !== undefined && now.times <= 0)) return null
    if (now.times !== undefined) {
      const next: Control = {
        ...current,
        fail: { ...current.fail, [key]: { ...now, times: now.times - 1 } },
      }
      const tmp = `${controlPath()}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(next, null, 2))
      renameSync(tmp, controlPath())
    }
    return now
  })
}

export function delay(ms: number): void {
  if (ms > 0) sleepMs(ms)
}

/** One JSON line per invocation; env keys only, never values. */
export function logInvocation(argv: readonly string[]): void {
  const dir = fakeDir()
  mkdirSync(dir, { recursive: true })
  const line = {
    time: new Date().toISOString(),
    argv,
    cwd: process.cwd(),
    envKeys: Object.keys(process.env).sort(),
  }
  appendFileSync(join(dir, 'argv.log'), JSON.stringify(line) + '\n')
}
