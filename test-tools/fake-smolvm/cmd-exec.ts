import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { delimiter, isAbsolute, join } from 'node:path'
import type { Readable } from 'node:stream'
import { all, has, one } from './clap'
import { mergeEnv, parseEnvList } from './cmd-create'
import { resolvedState, type Invocation } from './context'
import { takeFailure } from './control'
import { agentFailed, configFailed, notRunning, vmNotFound } from './fail'
import { guestToHost } from './guest-fs'
import { validateVmName } from './names'
import { wrapCommand } from './netns'
import { vmmAlive } from './probe'
import { readRegistry, vmDataDir, type VmRecord } from './state'
import { since } from './version'
import { registerExec } from './vmm'

/** MAX_EXEC_OUTPUT: buffered exec keeps at most this much of each stream. */
const MAX_EXEC_OUTPUT = 11 * 1024 * 1024

const spawnFailed = (reason: string): Error =>
  agentFailed('vm exec', `failed to spawn command: ${reason}`)

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** What Command::new(argv0) would run: a path as given (relative to the workdir), else a PATH lookup. */
function resolveExecutable(argv0: string, cwd: string, path: string): string | null {
  if (argv0.includes('/')) {
    const p = isAbsolute(argv0) ? argv0 : join(cwd, argv0)
    return isExecutable(p) ? p : null
  }
  for (const dir of path.split(delimiter))
    if (dir && isExecutable(join(dir, argv0))) return join(dir, argv0)
  return null
}

function guestEnv(inv: Invocation, r: VmRecord, tty: boolean): Record<string, string> {
  const home = guestToHost(r, '/root')
  if (!home.inMount) mkdirSync(home.host, { recursive: true })
  const base: [string, string][] = [
    ['PATH', process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'],
    ['HOME', home.host],
  ]
  const env = mergeEnv(base, r.env, parseEnvList(inv.version, all(inv.parsed, 'env')))
  // From 1.7.6 a PTY session gets TERM unless the caller set one (PR #887).
  if (tty && since(inv.version, '1.7.6') && !env.some(([k]) => k === 'TERM'))
    env.push(['TERM', 'xterm-256color'])
  return Object.fromEntries(env)
}

function ended(stream: Readable | null): Promise<void> {
  return new Promise((resolve) => {
    if (!stream || stream.readableEnded || stream.destroyed) resolve()
    else stream.once('close', resolve).once('end', resolve)
  })
}

function signalCode(signal: NodeJS.Signals | null): number {
  return signal ? 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 0) : 1
}

/**
 * How `--stream` ends when the agent's frames stop making sense or stop coming
 * (ExecEventPrinter, src/cli/machine.rs): a lowercase `error: <msg>` after the
 * guest output, exit 1, instead of main's `Error: …`.
 */
function streamBroke(message: string, exitCode = 1): number {
  process.stderr.write(`error: ${message}\n`)
  return exitCode
}

/**
 * `machine exec`: the command runs as a host process with the machine's env,
 * in the guest workdir mapped to the host, inside the VM's network namespace
 * when it has one. Output modes follow smolvm: buffered until exit (11 MiB per
 * stream), `--stream` / `-i` as produced, `-t` on the caller's terminal when
 * stdin is a TTY (stderr merged, CRLF, without one).
 */
export async function machineExec(inv: Invocation): Promise<number> {
  const { parsed } = inv
  const name = one(parsed, 'name')
  const label = name ?? 'default'
  if (name !== undefined) {
    const bad = validateVmName(name)
    if (bad) throw configFailed('validate machine name', bad)
  }
  const r = readRegistry().vms[label]
  if (!r)
    throw name !== undefined
      ? vmNotFound(name)
      : agentFailed('connect', `machine '${label}' not found`)
  if (resolvedState(r) !== 'running') throw notRunning(label)

  const command = parsed.positionals.get('command') as string[]
  const tty = has(parsed, 'tty')
  const interactive = has(parsed, 'interactive')
  const streaming = has(parsed, 'stream') || interactive || tty
  // `-i`/`-t` win over `--stream` (they are checked first in ExecCmd::run).
  const streamOnly = has(parsed, 'stream') && !interactive && !tty
  // Fault injection: the stream breaks after the guest's output, its exit frame lost.
  const breakStream = streamOnly ? takeFailure(inv.control, 'machine.exec.stream') : null
  const timeoutMs =
    one(parsed, 'timeout') !== undefined ? Number(one(parsed, 'timeout')) : undefined
  const env = guestEnv(inv, r, tty)
  const wd = guestToHost(r, one(parsed, 'workdir') ?? r.workdir ?? '/')
  if (!wd.inMount) mkdirSync(wd.host, { recursive: true })
  if (!existsSync(wd.host) || !statSync(wd.host).isDirectory())
    throw spawnFailed('No such file or directory (os error 2)')
  const exe = resolveExecutable(command[0] as string, wd.host, env.PATH ?? '')
  if (!exe) throw spawnFailed('No such file or directory (os error 2)')
  // A raw-mode smolvm forwards ^C/^\/^Z to the guest as bytes: with the child on
  // the same terminal, the fake just must not die of them itself.
  const onTerminal = tty && process.stdin.isTTY === true
  // A guest PTY without a host terminal: one stream, in order, as a terminal would show it.
  const merged = tty && !onTerminal
  const guestArgv = merged
    ? ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', exe, ...command.slice(1)]
    : [exe, ...command.slice(1)]
  const [file, ...args] = wrapCommand(r.netns, guestArgv) as [string, ...string[]]
  if (onTerminal)
    for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const) process.on(sig, () => {})
  let child: ChildProcess
  try {
    child = spawn(file, args, {
      cwd: wd.host,
      env,
      stdio: onTerminal ? 'inherit' : [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'],
      detached: !onTerminal,
    })
  } catch (e) {
    throw spawnFailed((e as Error).message)
  }
  const pid = child.pid
  const unregister =
    pid === undefined ? () => {} : registerExec(vmDataDir(r.name), pid, !onTerminal)
  const killChild = (): void => {
    if (pid === undefined) return
    try {
      process.kill(onTerminal ? pid : -pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
  const size = { stdout: 0, stderr: 0 }
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]?.on('data', (chunk: Buffer) => {
      if (merged) process.stdout.write(chunk.toString('utf8').replace(/\r?\n/g, '\r\n'))
      else if (streaming) process[name].write(chunk)
      else if (size[name] < MAX_EXEC_OUTPUT) {
        const part = chunk.subarray(0, MAX_EXEC_OUTPUT - size[name])
        kept[name].push(part)
        size[name] += part.length
      }
    })
  }

  let timedOut = false
  const timer =
    timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true
          killChild()
        }, timeoutMs)
  // Killing the VMM kills the guest: the connection drops and the command with it.
  const watchdog = setInterval(() => {
    if (!vmmAlive(r.pid, r.pidStartTime)) killChild()
  }, 200)
  // Killing smolvm closes the vsock; the agent then kills the guest command.
  const onSignal = (sig: NodeJS.Signals): void => {
    killChild()
    unregister()
    process.exit(signalCode(sig))
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGHUP', onSignal)

  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>(
    (resolve) => {
      child.once('error', (e) => resolve(e))
      child.once('exit', (code, signal) => resolve({ code, signal }))
    },
  )
  if (timer) clearTimeout(timer)
  clearInterval(watchdog)
  unregister()
  if (outcome instanceof Error) throw spawnFailed(outcome.message)
  // Output still in the pipes is wanted, but a background process holding them must not hang the exec.
  await Promise.race([
    Promise.all([ended(child.stdout), ended(child.stderr)]),
    new Promise((res) => setTimeout(res, 200)),
  ])
  child.stdout?.destroy()
  child.stderr?.destroy()

  // However the guest ended (the watchdog, or a sweep of a dead VM's namespace), a dead VM means a lost connection:
  // for `--stream` the agent client's read of the next frame hits EOF (read_exact_retry).
  if (!vmmAlive(r.pid, r.pidStartTime)) {
    if (streamOnly) return streamBroke('io operation failed: connection closed')
    throw agentFailed('vm exec', 'connection to the agent was lost (the VM stopped)')
  }
  if (breakStream) return streamBroke(breakStream.message, breakStream.exitCode)
  if (!streaming) {
    process.stdout.write(Buffer.concat(kept.stdout))
    process.stderr.write(Buffer.concat(kept.stderr))
  }
  if (timedOut) {
    process.stderr.write(`\ncommand timed out after ${timeoutMs}ms`)
    return 124
  }
  return outcome.code ?? signalCode(outcome.signal)
}
