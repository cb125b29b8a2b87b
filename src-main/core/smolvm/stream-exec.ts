import { constants } from 'node:os'
import { execa } from 'execa'
import { stdinOption, type CommandResult, type CommandSpec } from '../base/exec'
import { streamBrokeError } from './errors'
import type { StreamingExec } from './types'

/** How much of each stream `done` keeps (the tail: the end of a build log is what explains it). */
const KEPT_BYTES = 1024 * 1024

function keepTail(kept: string, chunk: string): string {
  const next = kept + chunk
  return next.length > KEPT_BYTES ? next.slice(next.length - KEPT_BYTES) : next
}

/**
 * Runs one command whose output is wanted as it is produced (`machine exec
 * --stream`). CommandRunner returns only at the end, so this spawns with the
 * same rules: execa, an argv array, the spec's timeout, env and cancel signal.
 * `classify` turns a finished result into the error to reject `done` with, or
 * null when the result is the guest's; a `--stream` whose stream broke (exit 1
 * and smolvm's lowercase `error: …`, which only `--stream` prints) is an
 * error too. `kill()` ends it and resolves `done` with `cancelled: true`. A
 * listener added late first receives the kept tail.
 */
export function startStreamingExec(
  spec: CommandSpec,
  classify: (result: CommandResult) => Error | null,
): StreamingExec {
  const started = performance.now()
  const listeners = {
    stdout: new Set<(chunk: string) => void>(),
    stderr: new Set<(chunk: string) => void>(),
  }
  const kept = { stdout: '', stderr: '' }
  let killed = false
  const child = execa(spec.file, [...spec.args], {
    env: spec.env,
    extendEnv: true,
    ...stdinOption(spec.input),
    cwd: spec.cwd,
    timeout: spec.timeoutMs,
    cancelSignal: spec.signal,
    reject: false,
    buffer: false,
    windowsHide: true,
    forceKillAfterDelay: 2000,
  })
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name]
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      kept[name] = keepTail(kept[name], chunk)
      for (const l of listeners[name]) {
        try {
          l(chunk)
        } catch {
          // a failing listener must not stop the others or the stream
        }
      }
    })
  }
  // A listener that comes late first gets what was kept so far, so no output is lost to an await.
  const listen = (name: 'stdout' | 'stderr', l: (chunk: string) => void): void => {
    if (kept[name]) l(kept[name])
    listeners[name].add(l)
  }
  const done = child.then((r) => {
    const spawnFailure =
      r.failed && r.exitCode === undefined && r.code ? `\n${r.code}: ${r.message}` : ''
    const signal = r.signal ? (constants.signals as Record<string, number>)[r.signal] : undefined
    const result: CommandResult = {
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : signal ? 128 + signal : -1,
      stdout: kept.stdout,
      stderr: kept.stderr + spawnFailure,
      timedOut: r.timedOut,
      cancelled: r.isCanceled || killed,
      durationMs: performance.now() - started,
    }
    if (killed) return result
    const error = classify(result) ?? streamBrokeError(spec, result)
    if (error) throw error
    return result
  })
  return {
    done,
    onStdout: (l) => listen('stdout', l),
    onStderr: (l) => listen('stderr', l),
    kill: () => {
      killed = true
      child.kill('SIGTERM')
    },
  }
}
